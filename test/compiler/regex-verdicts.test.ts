/**
 * Where a regex verdict comes from (compiler/check/regex.ts `analysePatterns`): this process's
 * memory, then the caller's cache, then recheck. A cache entry is trusted only when it is a whole
 * verdict about the very pattern and flags asked for, and not one that depends on the machine's
 * load (a timeout or a cancel); anything else is a miss, analysed afresh and written back.
 *
 * The tests call `analysePatterns` directly: `compile` analyses every pattern a second time
 * without the cache while it judges them, which hides a verdict the first pass got wrong.
 */
import { checkSync, type Diagnostics } from 'recheck'
import { describe, expect, it } from 'vitest'
import { cacheKey, type CompileCache } from '../../compiler/cache.js'
import { RECHECK_VERSION } from '../../compiler/check/recheck.js'
import { analysePatterns, regexVerdict } from '../../compiler/check/regex.js'

// fresh patterns per run: the verdict memory is shared by every test file of a run
const salt = `${process.pid}v${Date.now()}`
let serial = 0
/** A pattern recheck finds safe, never seen before in this process. */
const freshSafe = (): string => `^q${salt}n${serial++}$`

/** The key `analysePatterns` files a verdict under (its analysis budget is 10 s). */
const regexKey = (source: string, flags = ''): string => cacheKey('regex', [RECHECK_VERSION, '10000', flags, source])

class MapCache implements CompileCache {
  readonly map = new Map<string, string>()
  readonly reads: string[] = []
  get(key: string): string | undefined {
    this.reads.push(key)
    return this.map.get(key)
  }
  set(key: string, value: string): void {
    this.map.set(key, value)
  }
}

// a real exponential verdict, re-addressed to another pattern, is what a forged entry looks like
const realVulnerable = checkSync('^(a+)+$', '') as Extract<Diagnostics, { status: 'vulnerable' }>
const vulnerableAbout = (source: string): Record<string, unknown> => ({ ...realVulnerable, source, flags: '' })
const unknownAbout = (source: string, error: unknown): Record<string, unknown> => ({ source, flags: '', status: 'unknown', checker: 'automaton', error })

describe('a cached verdict is trusted only when it is whole and about this pattern', () => {
  // each entry is forged for a pattern recheck finds safe, so a trusted entry shows in the verdict
  const trusted: [string, (source: string) => unknown][] = [
    ['an exponential verdict with its complexity, hotspot and attack', vulnerableAbout],
    ['an `unsupported` verdict (the analyser cannot judge the pattern on any machine)', s => unknownAbout(s, { kind: 'unsupported', message: 'lookbehind' })],
    ['an `invalid` verdict', s => unknownAbout(s, { kind: 'invalid', message: 'bad' })],
  ]
  for (const [what, forge] of trusted) {
    it(`is read: ${what}`, () => {
      const source = freshSafe()
      const forged = forge(source)
      const cache = new MapCache()
      cache.map.set(regexKey(source), JSON.stringify(forged))
      expect(analysePatterns([{ source, flags: '' }], cache)).toEqual([forged])
      // a hit is not written back
      expect(cache.map.get(regexKey(source))).toBe(JSON.stringify(forged))
    })
  }

  // every one of these is a miss: the pattern is analysed (it is safe) and the real verdict replaces the entry
  const misses: [string, (source: string) => unknown][] = [
    ['a timeout (it depends on the load of the machine that wrote it)', s => unknownAbout(s, { kind: 'timeout' })],
    ['a cancelled analysis', s => unknownAbout(s, { kind: 'cancel' })],
    ['a verdict about another pattern', () => vulnerableAbout('^other$')],
    ['a verdict about the same source with other flags', s => ({ ...vulnerableAbout(s), flags: 'i' })],
    ['an exponential verdict without a complexity', s => ({ ...vulnerableAbout(s), complexity: null })],
    ['an exponential verdict whose complexity is a word, not an object', s => ({ ...vulnerableAbout(s), complexity: 'exponential' })],
    ['an exponential verdict whose hotspot is not a list', s => ({ ...vulnerableAbout(s), hotspot: { start: 0, end: 1 } })],
    ['an exponential verdict without an attack', s => ({ ...vulnerableAbout(s), attack: null })],
    ['an exponential verdict whose attack is a string', s => ({ ...vulnerableAbout(s), attack: 'aaaa!' })],
    ['a verdict of a status recheck never gives, with every field of an exponential one', s => ({ ...vulnerableAbout(s), status: 'bogus' })],
    ['a verdict of a status recheck never gives, with an error', s => ({ ...unknownAbout(s, { kind: 'unsupported', message: 'x' }), status: 'bogus' })],
    ['an `unknown` verdict whose error is a string', s => unknownAbout(s, 'unsupported')],
    ['an `unknown` verdict without an error', s => unknownAbout(s, null)],
    ['JSON that is not an object', () => 5],
    ['JSON null', () => null],
  ]
  for (const [what, forge] of misses) {
    it(`is not read: ${what}`, () => {
      const source = freshSafe()
      const cache = new MapCache()
      cache.map.set(regexKey(source), JSON.stringify(forge(source)))
      const [v] = analysePatterns([{ source, flags: '' }], cache)
      expect(v).toMatchObject({ source, flags: '', status: 'safe' })
      expect(cache.map.get(regexKey(source))).toBe(JSON.stringify(v))
    })
  }

  it('is not read: text that is not JSON', () => {
    const source = freshSafe()
    const cache = new MapCache()
    cache.map.set(regexKey(source), '{"status": "safe"')
    expect(analysePatterns([{ source, flags: '' }], cache)).toEqual([expect.objectContaining({ source, status: 'safe' })])
  })
})

describe('the verdicts of this process', () => {
  it('a verdict this process already holds fills a second cache with the same text, read once per key', () => {
    const source = freshSafe()
    const first = new MapCache()
    const [v] = analysePatterns([{ source, flags: '' }], first)
    const second = new MapCache()
    expect(analysePatterns([{ source, flags: '' }], second)).toEqual([v])
    expect(second.map.get(regexKey(source))).toBe(JSON.stringify(v))
    expect(second.map.get(regexKey(source))).toBe(first.map.get(regexKey(source)))
    // the next build with that cache asks it nothing about this pattern
    analysePatterns([{ source, flags: '' }], second)
    expect(second.reads.filter(k => k === regexKey(source))).toHaveLength(1)
  })

  it('a cached verdict is remembered for calls without a cache', () => {
    const source = freshSafe()
    const cache = new MapCache()
    cache.map.set(regexKey(source), JSON.stringify(vulnerableAbout(source)))
    analysePatterns([{ source, flags: '' }], cache)
    expect(regexVerdict(source, '')).toBe('vulnerable')
  })

  it('a pattern asked for twice in one batch is analysed once and answered twice', () => {
    const source = freshSafe()
    const cache = new MapCache()
    const [a, b] = analysePatterns([{ source, flags: '' }, { source, flags: '' }], cache)
    expect(a).toMatchObject({ source, status: 'safe' })
    expect(b).toBe(a)
  })

  it('`regexVerdict` gives recheck\'s status', () => {
    expect(regexVerdict(`^x${salt}$`, '')).toBe('safe')
    expect(regexVerdict(`^x${salt}(z+)+$`, '')).toBe('vulnerable')
  })

  it('the memory is bounded: past 10,000 verdicts it starts again, so a forgotten pattern is analysed anew', () => {
    // a verdict forged through the cache is what memory holds until it is cleared
    const lied = freshSafe()
    const cache = new MapCache()
    cache.map.set(regexKey(lied), JSON.stringify(unknownAbout(lied, { kind: 'unsupported', message: 'forged' })))
    analysePatterns([{ source: lied, flags: '' }], cache)
    expect(regexVerdict(lied, '')).toBe('unknown')
    // 10,001 more distinct verdicts (from the cache, so nothing is analysed) overflow any earlier contents
    const more = Array.from({ length: 10_001 }, (_, i) => `^m${salt}x${i}$`)
    const safe = { flags: '', status: 'safe', checker: 'automaton' }
    for (const source of more) cache.map.set(regexKey(source), JSON.stringify({ source, ...safe }))
    expect(analysePatterns(more.map(source => ({ source, flags: '' })), cache).every(v => v.status === 'safe')).toBe(true)
    // asked without the cache, the forgotten pattern gets recheck's own verdict
    expect(regexVerdict(lied, '')).toBe('safe')
  })
})
