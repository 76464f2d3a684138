/**
 * How the compiler talks to a caller's cache (compiler/cache.ts). The cache is the caller's code:
 * a read that throws or gives anything but a string is a miss, a write that throws is ignored, and
 * `cacheFill` asks a given cache about a key once per process, and writes only what it lacks.
 */
import { describe, expect, it } from 'vitest'
import { cacheFill, cacheGet, cacheSet, type CompileCache } from '../../compiler/cache.js'

/** A cache that records every call and answers reads from `values`. */
function recording(values: Record<string, unknown> = {}): CompileCache & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    get(key) {
      calls.push(`get ${key}`)
      return values[key] as string | undefined
    },
    set(key, value) {
      calls.push(`set ${key}=${value}`)
      values[key] = value
    },
  }
}

describe('cacheGet', () => {
  it('gives a stored string', () => {
    expect(cacheGet(recording({ k: 'v' }), 'k')).toBe('v')
    expect(cacheGet(recording({ k: '' }), 'k')).toBe('')
  })

  it('a value that is not a string is a miss', () => {
    for (const v of [42, { status: 'safe' }, ['v'], null, true]) expect(cacheGet(recording({ k: v }), 'k'), JSON.stringify(v)).toBeUndefined()
  })

  it('a read that throws is a miss', () => {
    expect(cacheGet({ get: () => { throw new Error('disk gone') }, set: () => {} }, 'k')).toBeUndefined()
  })

  it('no cache is a miss', () => {
    expect(cacheGet(undefined, 'k')).toBeUndefined()
  })
})

describe('cacheSet', () => {
  it('stores, and a write that throws is ignored', () => {
    const c = recording()
    cacheSet(c, 'k', 'v')
    expect(c.calls).toEqual(['set k=v'])
    expect(() => cacheSet({ get: () => undefined, set: () => { throw new Error('read-only') } }, 'k', 'v')).not.toThrow()
    expect(() => cacheSet(undefined, 'k', 'v')).not.toThrow()
  })
})

describe('cacheFill', () => {
  it('writes a missing entry once, and then asks that cache nothing more about the key', () => {
    const c = recording()
    let computed = 0
    const value = (): string => `v${++computed}`
    cacheFill(c, 'a', value)
    cacheFill(c, 'a', value)
    cacheFill(c, 'a', value)
    expect(c.calls).toEqual(['get a', 'set a=v1'])
    expect(computed).toBe(1)
  })

  it('an entry the cache holds is not computed nor written again', () => {
    const c = recording({ a: 'old' })
    let computed = 0
    cacheFill(c, 'a', () => `v${++computed}`)
    cacheFill(c, 'a', () => `v${++computed}`)
    expect(c.calls).toEqual(['get a'])
    expect(computed).toBe(0)
  })

  it('each key and each cache is asked once on its own', () => {
    const one = recording()
    const two = recording({ b: 'held' })
    cacheFill(one, 'a', () => 'x')
    cacheFill(one, 'b', () => 'y')
    cacheFill(two, 'a', () => 'x')
    cacheFill(two, 'b', () => 'y')
    cacheFill(one, 'a', () => 'x')
    cacheFill(two, 'b', () => 'y')
    expect(one.calls).toEqual(['get a', 'set a=x', 'get b', 'set b=y'])
    expect(two.calls).toEqual(['get a', 'set a=x', 'get b'])
  })

  it('a cache whose reads throw is filled, and one whose writes throw does not stop the build', () => {
    const writes: string[] = []
    const unreadable: CompileCache = { get: () => { throw new Error('no') }, set: (k, v) => { writes.push(`${k}=${v}`) } }
    cacheFill(unreadable, 'a', () => 'x')
    expect(writes).toEqual(['a=x'])
    expect(() => cacheFill({ get: () => undefined, set: () => { throw new Error('full') } }, 'a', () => 'x')).not.toThrow()
  })
})
