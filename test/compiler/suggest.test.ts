/** "did you mean ...?": the edit distance behind every suggestion the compiler and the CLI make. */
import { describe, expect, it } from 'vitest'
import { closest, didYouMean, distance } from '../../compiler/lower/suggest.js'

describe('distance', () => {
  it('counts insertions, deletions and substitutions, and a swap of two neighbours as one edit', () => {
    expect(distance('', '')).toBe(0)
    expect(distance('abc', 'abc')).toBe(0)
    expect(distance('abc', 'abd')).toBe(1)
    expect(distance('abc', 'ab')).toBe(1)
    expect(distance('ab', 'abc')).toBe(1)
    expect(distance('', 'abc')).toBe(3)
    expect(distance('ab', 'ba')).toBe(1)
    expect(distance('tset', 'test')).toBe(1)
    expect(distance('--otu', '--out')).toBe(1)
    expect(distance('abcd', 'badc')).toBe(2)
    // a swap is of neighbours only, and each character is edited once (no swap then edit)
    expect(distance('ca', 'abc')).toBe(3)
    expect(distance('abc', 'cba')).toBe(2)
    expect(distance('kitten', 'sitting')).toBe(3)
  })
  it('is symmetric', () => {
    const words = ['', 'a', 'ab', 'ba', 'abc', 'acb', 'bca', 'kitten', 'sitting', 'context', 'contxet']
    for (const a of words) for (const b of words) expect(distance(a, b), `${a} ${b}`).toBe(distance(b, a))
  })
  it('words more than 8 characters apart in length are never compared', () => {
    expect(distance('a', 'abcdefghi')).toBe(8)
    expect(distance('a', 'abcdefghij')).toBe(Infinity)
    expect(distance('x'.repeat(27), 'x'.repeat(36))).toBe(Infinity)
  })
})

describe('closest', () => {
  it('suggests within a third of the word (at least one edit), ignoring case, the first of equals', () => {
    expect(closest('hte', ['zzz', 'the'])).toBe('the')
    expect(closest('ARGS', ['args'])).toBe('args')
    expect(closest('ab', ['aa', 'bb'])).toBe('aa')
    expect(closest('ab', ['bb', 'aa'])).toBe('bb')
    expect(closest('abcdef', ['abcdxy'])).toBe('abcdxy')
    expect(closest('abcdef', ['abxyzf'])).toBeUndefined()
    expect(closest('x', [])).toBeUndefined()
    // an unrelated name much longer than the word is not suggested, however long the word
    expect(closest('x'.repeat(27), ['y'.repeat(36)])).toBeUndefined()
    expect(closest('x'.repeat(27), ['x'.repeat(35)])).toBe('x'.repeat(35))
  })
  it('didYouMean words it', () => {
    expect(didYouMean('contxet', ['context', 'args'])).toBe('did you mean `context`?')
    expect(didYouMean('zzz', ['context'])).toBeUndefined()
  })
})
