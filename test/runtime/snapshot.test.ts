/**
 * Issue 18, item 8: one snapshot per call. The guard evaluates and records one frozen copy of the
 * arguments; values that cannot be copied end in a denial and a record, never an exception; and
 * maps keyed by tool name are read as own properties only (`__proto__`, `constructor`).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { createGuard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import { isSnapshot, privateSnapshot, snapshot, SNAPSHOT_LIMITS } from '../../src/snapshot.js'
import type { CompiledPolicy } from '../../src/types.js'
import { compileModule } from '../support/compiled.js'
import { shipped } from '../support/policies.js'

let gemini: CompiledPolicy
beforeAll(async () => {
  gemini = await shipped('gemini-safety')
})

/** `{ path }` whose getter answers `first` once and `later` on every read after that. */
function changingPath(first: string, later: string): { reads: () => number; value: { path: string } } {
  let n = 0
  const value = Object.defineProperty({}, 'path', { enumerable: true, get: () => (n++ === 0 ? first : later) }) as { path: string }
  return { reads: () => n, value }
}

describe('snapshot', () => {
  it('copies own enumerable data once into a frozen plain value, calling each getter once', () => {
    const { reads, value } = changingPath('/tmp/x', '/etc/passwd')
    const nested = { a: [1, 'two', { b: value }], n: null, d: new Date(5), big: 11n }
    Object.defineProperty(nested, 'hidden', { value: 'not enumerable', enumerable: false })
    const s = snapshot(nested)
    expect(s.ok).toBe(true)
    if (!s.ok) return
    expect(reads()).toBe(1)
    expect(s.value).toEqual({ a: [1, 'two', { b: { path: '/tmp/x' } }], n: null, d: new Date(5), big: 11n })
    const v = s.value as { a: [number, string, { b: { path: string } }] }
    expect(Object.isFrozen(v) && Object.isFrozen(v.a) && Object.isFrozen(v.a[2].b)).toBe(true)
    expect(Object.getOwnPropertyDescriptor(v.a[2].b, 'path')).toMatchObject({ value: '/tmp/x' })
    expect(isSnapshot(v)).toBe(true)
    expect(snapshot(v)).toEqual({ ok: true, value: v }) // the same object: no second copy
  })

  it('keeps a `__proto__` key as an own property instead of setting the prototype', () => {
    const s = snapshot(JSON.parse('{"__proto__": {"admin": true}, "x": 1}'))
    expect(s.ok && Object.getPrototypeOf(s.value)).toBe(Object.prototype)
    expect(s.ok && Object.keys(s.value as object)).toEqual(['__proto__', 'x'])
    expect(s.ok && (s.value as { admin?: boolean }).admin).toBeUndefined()
  })

  it('fails with a reason, never a throw, for what it cannot copy', () => {
    const cycle: Record<string, unknown> = { a: 1 }
    cycle['self'] = cycle
    let deep: unknown = 'leaf'
    for (let i = 0; i < SNAPSHOT_LIMITS.maxDepth + 2; i++) deep = { d: deep }
    const sparse: unknown[] = []
    sparse.length = 2 ** 31
    const { proxy: revoked, revoke } = Proxy.revocable({}, {})
    revoke()
    const nestedCycle: { x: { y: { back?: unknown }[] } } = { x: { y: [{}] } }
    nestedCycle.x.y[0]!.back = nestedCycle.x
    const longKey = 'k'.repeat(200)
    const cases: [unknown, RegExp][] = [
      [Object.defineProperty({}, 'path', { enumerable: true, get() { throw new Error('boom') } }), /reading them threw: boom/],
      [new Proxy({}, { ownKeys() { throw new Error('trap') } }), /reading them threw: trap/],
      [revoked, /reading them threw/],
      [cycle, /`self` refers back to itself/],
      [deep, /nested deeper than 64 levels/],
      [sparse, /more than 1000000 values/],
      [new Proxy([], { get: (t, k) => (k === 'length' ? 1e12 : Reflect.get(t, k)) }), /no usable length|more than 1000000 values/],
      [{ run: () => 1 }, /`run` is a function/],
      [{ m: new Map([[1, 2]]) }, /`m` is a Map/],
      [{ n: new Number(11) }, /`n` is a Number/],
      [{ c: new (class Box {})() }, /`c` is an object that is not plain data/],
      // an object's own tag text is not repeated into the reason
      [{ t: new (class { get [Symbol.toStringTag]() { return 'x'.repeat(1000) } })() }, /^unreadable arguments: `t` is an object that is not plain data$/],
      // the reason names the whole way down, array indexes included, whichever check failed
      [{ a: [{ b: 1 }, { c: new Map() }] }, /^unreadable arguments: `a\.1\.c` is a Map$/],
      [{ a: { b: [0, 0, () => 1] } }, /^unreadable arguments: `a\.b\.2` is a function, not data$/],
      [nestedCycle, /^unreadable arguments: `x\.y\.0\.back` refers back to itself \(a cycle\)$/],
      [{ [longKey]: { inner: new Set() } }, new RegExp(`^unreadable arguments: \`${longKey.slice(0, 120)}…\` is a Set$`)],
      // a failure at the root is about the arguments themselves
      [new Map(), /^unreadable arguments: the arguments is a Map$/],
      // the depth and size bounds name no path
      [{ a: deep }, /^unreadable arguments: the arguments are nested deeper than 64 levels$/],
    ]
    for (const [value, reason] of cases) {
      const s = snapshot(value)
      expect(s.ok, String(reason)).toBe(false)
      if (!s.ok) expect(s.reason).toMatch(reason)
    }
  })

  it('a private snapshot is the same frozen copy, not remembered: snapshotting it copies again', () => {
    const { reads, value } = changingPath('/tmp/x', '/etc/passwd')
    const s = privateSnapshot({ v: value, l: [1] })
    expect(reads()).toBe(1)
    expect(s).toEqual({ ok: true, value: { v: { path: '/tmp/x' }, l: [1] } })
    const copy = (s as { value: { v: object; l: number[] } }).value
    expect(Object.isFrozen(copy) && Object.isFrozen(copy.v) && Object.isFrozen(copy.l)).toBe(true)
    expect(isSnapshot(copy)).toBe(false)
    const again = snapshot(copy)
    expect(again.ok && again.value).not.toBe(copy)
    expect(again.ok && again.value).toEqual(copy)
    // a value that is a snapshot already is taken as it is, and a failure is a reason, as with snapshot
    expect(privateSnapshot(again.ok && again.value)).toEqual({ ok: true, value: again.ok && again.value })
    expect(privateSnapshot({ f: () => 0 })).toEqual({ ok: false, reason: 'unreadable arguments: `f` is a function, not data' })
  })

  it('accepts a repeated (non-cyclic) reference and a null-prototype object', () => {
    const shared = { x: 1 }
    const s = snapshot({ a: shared, b: shared, c: Object.assign(Object.create(null), { y: 2 }) })
    expect(s).toMatchObject({ ok: true, value: { a: { x: 1 }, b: { x: 1 }, c: { y: 2 } } })
  })
})

describe('a snapshot under a polluted Object.prototype', () => {
  it('a key the prototype has as a setter is copied as own data, the setter never called, for the copy and a private one', () => {
    const calls: unknown[] = []
    Object.defineProperty(Object.prototype, 'polluted', { set(v: unknown) { calls.push(v) }, get() { return 'inherited' }, configurable: true })
    try {
      for (const take of [snapshot, privateSnapshot]) {
        const copy = take(JSON.parse('{"polluted": "mine", "__proto__": 1, "plain": 2}') as unknown)
        expect(copy.ok).toBe(true)
        const value = (copy as { value: Record<string, unknown> }).value
        expect(Object.getOwnPropertyDescriptor(value, 'polluted')?.value).toBe('mine')
        expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe(1)
        expect(Object.keys(value)).toEqual(['polluted', '__proto__', 'plain'])
      }
      expect(calls).toEqual([])
    } finally {
      delete (Object.prototype as Record<string, unknown>)['polluted']
    }
  })
})

describe('the guard decides and records one snapshot', () => {
  it('a getter that changes its answer after the first read cannot split the decision from the record', async () => {
    const sink = createMemorySink()
    const guard = createGuard(gemini, { sink })
    const { reads, value } = changingPath('/tmp/x', '/etc/passwd')
    const d = await guard('delete_file', value)
    expect(reads()).toBe(1)
    expect(d.decision).toBe('allow')
    expect(sink.records[0]).toMatchObject({ tool: 'delete_file', decision: 'allow', args: { path: '/tmp/x' } })
  })

  it('arguments that cannot be copied are denied and recorded, whatever the fail mode', async () => {
    const { module: open } = await compileModule('fail_mode: open\ntools:\n  t: {}\nrules:\n  - id: r\n    tool: t\n    action: deny\n    when: "args.x == 1"\n')
    const sink = createMemorySink()
    const guard = createGuard(open, { sink })
    const trap = new Proxy({}, { ownKeys() { throw new Error('no keys for you') } })
    expect(await guard('t', trap)).toEqual({ decision: 'deny', reason: 'unreadable arguments: reading them threw: no keys for you' })
    expect(await guard('t', { f: () => 0 })).toEqual({ decision: 'deny', reason: 'unreadable arguments: `f` is a function, not data' })
    expect(await guard(42 as unknown as string, {})).toEqual({ decision: 'deny', reason: 'the tool name is not a string' })
    expect(sink.records.map(r => [r.tool, r.decision, r.args])).toEqual([['t', 'deny', '[UNREADABLE]'], ['t', 'deny', '[UNREADABLE]'], ['42', 'deny', {}]])
    // reject() records hostile arguments too
    guard.reject('t', trap, 'refused before evaluation')
    expect(sink.records.at(-1)).toMatchObject({ tool: 't', decision: 'deny', args: '[UNREADABLE]', reason: 'refused before evaluation' })
  })

  it('tools named `__proto__` and `constructor` are denied and recorded (maps keyed by tool name are read as own properties)', async () => {
    const errors: Error[] = []
    const sink = createMemorySink()
    const guard = createGuard(gemini, { sink, onError: e => errors.push(e), redact: { send_email: ['body'] } })
    for (const tool of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect((await guard(tool, { x: 1 })).decision).toBe('deny')
      expect(guard.reject(tool, '{"x":', 'malformed arguments').decision).toBe('deny')
    }
    expect(errors).toEqual([])
    expect(sink.records.map(r => [r.tool, r.decision])).toEqual(['__proto__', 'constructor', 'toString', 'hasOwnProperty'].flatMap(t => [[t, 'deny'], [t, 'deny']]))
  })

  it('a params override named after an Object.prototype member is an unknown param', async () => {
    const { module } = await compileModule('params:\n  cap: { type: number, default: 1 }\ntools:\n  t: {}\nrules:\n  - id: over\n    tool: t\n    action: deny\n    when: "args.n > params.cap"\n')
    for (const k of ['constructor', 'toString', '__proto__']) {
      expect(() => createGuard(module, { params: JSON.parse(`{"${k}": 1}`) as Record<string, unknown> }), k).toThrow(`unknown param \`${k}\``)
    }
  })
})
