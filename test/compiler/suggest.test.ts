/** "did you mean ...?": the edit distance behind every suggestion the compiler and the CLI make. */
import { describe, expect, it } from 'vitest'
import { closest, didYouMean, distance } from '../../compiler/lower/suggest.js'

describe('distance', () => {
  it('counts insertions, deletions and substitutions, and a swap of two neighbours as one edit', () => {
    // a swap is of neighbours only, and each character is edited once (no swap then edit: ca/abc is 3)
    const cases: [string, string, number][] = [
      ['', '', 0], ['abc', 'abc', 0], ['abc', 'abd', 1], ['abc', 'ab', 1], ['ab', 'abc', 1], ['', 'abc', 3],
      ['ab', 'ba', 1], ['tset', 'test', 1], ['--otu', '--out', 1], ['abcd', 'badc', 2],
      ['ca', 'abc', 3], ['abc', 'cba', 2], ['kitten', 'sitting', 3],
    ]
    for (const [a, b, d] of cases) expect(distance(a, b), `${a} ${b}`).toBe(d)
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
