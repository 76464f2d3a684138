/**
 * The guard's less travelled paths, each held to its exact outcome: params checked at setup, the
 * error hook, the `context` hook's merge, every way a review ends (also for modules whose decisions
 * carry no reason and no `approval_ttl`), session labels and `visibleTools` that cannot answer, and
 * the limit stores' edge cases (an emptied log, a full rule, a clock that steps back, a Redis reply
 * that is not one).
 */
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { createMemoryPendingStore, type ApprovalVerdict, type PendingStore } from '../../src/approvals/index.js'
import { createGuard } from '../../src/guard.js'
import { applyLimits, counterLimit } from '../../src/limits/apply.js'
import { createMemoryStore } from '../../src/limits/memory.js'
import { createRedisStore } from '../../src/limits/redis.js'
import { createMemorySink, type RecordSink } from '../../src/records/index.js'
import type { CompiledPolicy, PendingLimit } from '../../src/types.js'
import { compileModule } from '../support/compiled.js'

const PARAMS = `
params:
  owner: { type: string, default: ana }
  cap: { type: number, default: 1 }
  strict: { type: boolean, default: false }
  hosts: { type: "string[]", default: [] }
  sizes: { type: "number[]", default: [] }
  anything: { type: unknown, default: 0 }
tools:
  t: {}
`
const CONTEXT = `
tools:
  t: {}
rules:
  - id: admins-only
    tool: t
    action: deny
    when: "context.role != 'admin'"
`
const REVIEWED = `
tools:
  delete_file:
    parameters: { type: object, properties: { path: { type: string } }, required: [path] }
  move_file:
    parameters: { type: object, properties: { path: { type: string } }, required: [path] }
rules:
  - id: review-all
    tools: [delete_file, move_file]
    action: review
    severity: low
    message: needs approval
  - id: delete-cap
    tool: delete_file
    action: deny
    limit: { max: 1, per: 1h }
    severity: high
    message: one delete an hour
  - id: move-cap
    tool: move_file
    action: deny
    limit: { max: 1, per: 1h }
    message: one move an hour
`
const VISIBLE = (mode: 'open' | 'closed'): string => `fail_mode: ${mode}\ntools:\n  a: {}\n  b: {}\n`

let params: CompiledPolicy
let noParams: CompiledPolicy
let context: CompiledPolicy
let reviewed: CompiledPolicy
let visibleClosed: CompiledPolicy
let visibleOpen: CompiledPolicy
beforeAll(async () => {
  params = (await compileModule(PARAMS)).module
  noParams = (await compileModule('tools:\n  t: {}\n')).module
  context = (await compileModule(CONTEXT)).module
  reviewed = (await compileModule(REVIEWED)).module
  visibleClosed = (await compileModule(VISIBLE('closed'))).module
  visibleOpen = (await compileModule(VISIBLE('open'))).module
})

/** What `f` threw (undefined when it returned). */
function thrown(f: () => unknown): unknown {
  try {
    f()
    return undefined
  } catch (e) {
    return e
  }
}

describe('createGuard checks its params at setup', () => {
  const cases: [name: string, type: string, good: unknown[], bad: unknown[]][] = [
    ['owner', 'string', ['bob', ''], [7, null, ['bob']]],
    ['cap', 'number', [5, -0.5], ['5', NaN, Infinity, -Infinity]],
    ['strict', 'boolean', [true, false], ['true', 0]],
    // a string is no list of strings, nor is a list with a number in it
    ['hosts', 'string[]', [['a.example', 'b.example'], []], ['a.example', ['a.example', 1], [1]]],
    ['sizes', 'number[]', [[1, 2.5], []], [1, [1, 'x'], ['1']]],
  ]
  it.each(cases)('`%s` (%s) takes its type and refuses others, naming it', (name, type, good, bad) => {
    for (const v of good) expect(thrown(() => createGuard(params, { params: { [name]: v } }))).toBeUndefined()
    for (const v of bad) expect(thrown(() => createGuard(params, { params: { [name]: v } }))).toEqual(new TypeError(`param \`${name}\` of policy \`test\` must be a ${type}`))
  })

  it('a param of type unknown takes any value', () => {
    expect(thrown(() => createGuard(params, { params: { anything: { nested: ['x'] } } }))).toBeUndefined()
  })

  it('an unknown param is refused with the declared ones listed, or `none`', () => {
    expect(thrown(() => createGuard(params, { params: { ownr: 'bob' } }))).toEqual(new TypeError('unknown param `ownr` for policy `test`; declared: owner, cap, strict, hosts, sizes, anything'))
    expect(thrown(() => createGuard(noParams, { params: { cap: 1 } }))).toEqual(new TypeError('unknown param `cap` for policy `test`; declared: none'))
  })

  it('something that is not a compiled policy module is refused', () => {
    const expected = new TypeError('createGuard needs a compiled policy module (with `policy` and `evaluate`)')
    expect(thrown(() => createGuard({} as never))).toEqual(expected)
    expect(thrown(() => createGuard({ policy: noParams.policy } as never))).toEqual(expected)
  })
})

describe('errors the guard reports', () => {
  const brokenSink: RecordSink = { write: () => { throw new Error('disk full') }, flush: async () => {} }

  it('by default on console.error, prefixed `vetoc: `; a throwing onError hook costs no decision', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      expect(await createGuard(noParams, { sink: brokenSink })('t', {})).toMatchObject({ decision: 'allow' })
      expect(printed.mock.calls).toEqual([['vetoc: decision record not written: disk full']])
    } finally {
      printed.mockRestore()
    }
    const hook = createGuard(noParams, { sink: brokenSink, onError: () => { throw new Error('hook down') } })
    expect(await hook('t', {})).toMatchObject({ decision: 'allow' })
  })

  it('an error whose message cannot be printed is reported as `unprintable error`', async () => {
    // String() of an object without a prototype throws: there is no text to give
    const guard = createGuard(noParams, { context: () => { throw Object.create(null) } })
    expect(await guard('t', {})).toEqual({ decision: 'deny', reason: 'guard error (fail mode closed): unprintable error' })
  })

  it('a module whose canonicalArgs throws still has a record, with the arguments as given', async () => {
    const sink = createMemorySink()
    const guard = createGuard({ ...noParams, canonicalArgs: () => { throw new Error('normalize failed') } }, { sink })
    expect(await guard('t', { path: '/srv/a' })).toMatchObject({ decision: 'allow' })
    expect(sink.records.map(r => r.args)).toEqual([{ path: '/srv/a' }])
  })
})

describe('the context hook', () => {
  it('merges its fields over the caller\'s object context; a null or primitive context gives only the hook\'s', async () => {
    const sink = createMemorySink()
    const guard = createGuard(context, { sink, context: () => ({ user: 'u1' }) })
    // the caller cannot forge what the hook sets
    expect((await guard('t', {}, { role: 'admin', user: 'forged' })).decision).toBe('allow')
    expect((await guard('t', {}, null)).decision).toBe('deny')
    expect((await guard('t', {}, 'ab')).decision).toBe('deny')
    expect(sink.records.map(r => r.context)).toEqual([{ role: 'admin', user: 'u1' }, { user: 'u1' }, { user: 'u1' }])
  })
})

/**
 * A hand-written module, as an older or hand-built one may be: no `approvalTtlMs` (modules built
 * before `approval_ttl` lack it) and decisions without a reason, which the review texts must still
 * word. `delete_file` is reviewed; a path under /etc is denied by a rule that gives no reason either.
 */
const BARE: CompiledPolicy = {
  policy: { name: 'bare', digest: 'b'.repeat(64), default: 'allow', unknownTools: 'deny', failMode: 'closed', rules: [], tools: ['delete_file'], redact: {}, params: {} },
  evaluate: (_tool, args) => (String((args as { path?: unknown }).path).startsWith('/etc/') ? { decision: 'deny', rule: 'never-etc', ruleIndex: 1 } : { decision: 'review', rule: 'review-deletes', ruleIndex: 0 }),
}
const T = Date.UTC(2026, 5, 1, 12)
const answer = (pending: PendingStore, id: string, verdict: { approved: boolean; by: string; args?: unknown }) => pending.answer(id, { ...verdict, channel: 'page', at: T }, T)

describe('review: how a review without a reason ends', () => {
  const handled = (verdict: ApprovalVerdict) => createGuard(BARE, { clock: () => T, approvals: () => verdict })

  it('answered in code: approved, denied, approved with edits the policy allows or denies, edits that are not data', async () => {
    expect(await handled({ approved: true, by: 'ana' })('delete_file', { path: '/srv/a' })).toMatchObject({ decision: 'allow', rule: 'review-deletes', resolvedBy: 'ana', channel: 'code', reason: 'review (approved by ana)' })
    expect(await handled({ approved: false, by: 'bob' })('delete_file', { path: '/srv/a' })).toMatchObject({ decision: 'deny', resolvedBy: 'bob', reason: 'review (denied by bob)' })
    expect(await handled({ approved: true, by: 'ana', args: { path: '/srv/a.bak' } })('delete_file', { path: '/srv/a' })).toMatchObject({ decision: 'allow', editedArgs: { path: '/srv/a.bak' }, reason: 'review (approved by ana, with edited arguments)' })
    expect(await handled({ approved: true, by: 'ana', args: { path: '/etc/passwd' } })('delete_file', { path: '/srv/a' })).toMatchObject({ decision: 'deny', rule: 'never-etc', editedArgs: { path: '/etc/passwd' }, reason: 'edited by ana, then denied: denied' })
    const notData = await handled({ approved: true, by: 'ana', args: { path: () => '/srv/b' } })('delete_file', { path: '/srv/a' })
    expect(notData).toMatchObject({ decision: 'deny', rule: 'review-deletes', resolvedBy: 'ana', reason: 'edited by ana, then denied: unreadable arguments: `path` is a function, not data' })
    expect(notData.editedArgs).toBeUndefined()
  })

  it('timed out: the configured outcome, saying after how long', async () => {
    const guard = createGuard(BARE, { approvals: () => new Promise(() => {}), approvalTimeoutMs: 20, onApprovalTimeout: 'allow' })
    expect(await guard('delete_file', { path: '/srv/a' })).toMatchObject({ decision: 'allow', resolvedBy: 'timeout', channel: 'timeout', reason: 'review (approval timed out after 20 ms: allow)' })
  })

  it('handed back: the pending review lives 15 minutes when the module names no approval_ttl', async () => {
    const guard = createGuard(BARE, { clock: () => T })
    const d = await guard('delete_file', { path: '/srv/a' })
    expect(d).toEqual({ decision: 'review', rule: 'review-deletes', approvalId: expect.any(String) })
    const pending = await guard.pending.get(d.approvalId!)
    expect([pending?.createdAt, pending?.expiresAt]).toEqual([T, T + 15 * 60_000])
  })

  it('an id presented with the call: not an id, for another call (not burned), used, then used again', async () => {
    const guard = createGuard(BARE, { clock: () => T })
    expect(await guard('delete_file', { path: '/srv/a' }, undefined, { approval: 'not-an-id' })).toEqual({ decision: 'deny', rule: 'review-deletes', reason: 'review (approval refused: not an approval id)' })
    const { approvalId: id } = await guard('delete_file', { path: '/srv/a' })
    expect(await answer(guard.pending, id!, { approved: true, by: 'ana' })).toEqual({ ok: true })
    expect(await guard('delete_file', { path: '/srv/b' }, undefined, { approval: id! })).toEqual({ decision: 'deny', rule: 'review-deletes', approvalId: id, reason: `review (approval \`${id}\` refused: it was given for different arguments)` })
    expect(await guard('delete_file', { path: '/srv/a' }, undefined, { approval: id! })).toMatchObject({ decision: 'allow', resolvedBy: 'ana', channel: 'page', reason: 'review (approved by ana)' })
    expect(await guard('delete_file', { path: '/srv/a' }, undefined, { approval: id! })).toEqual({ decision: 'deny', rule: 'review-deletes', approvalId: id, reason: `review (approval \`${id}\` refused: the approval was already used)` })
  })
})

describe('review: an approval taken for another call', () => {
  // a shared store that has not seen the review yet when the guard looks (another worker raised it
  // a moment later): the binding is checked again on what was taken
  const blind = (): PendingStore => ({ ...createMemoryPendingStore(), get: () => undefined })

  it.each([
    ['with the policy\'s reason', () => reviewed, 'needs approval'],
    ['without a reason', () => BARE, 'review'],
  ])('is refused %s', async (_name, policy, reason) => {
    const guard = createGuard(policy(), { clock: () => T, pending: blind() })
    const { approvalId: id } = await guard('delete_file', { path: '/srv/a' })
    await answer(guard.pending, id!, { approved: true, by: 'ana' })
    expect(await guard('delete_file', { path: '/srv/b' }, undefined, { approval: id! })).toMatchObject({ decision: 'deny', approvalId: id, reason: `${reason} (approval \`${id}\` refused: it was given for different arguments)` })
  })
})

describe('review: limits are checked again when the approval comes', () => {
  it('a limit store that fails then decides by the fail mode, saying why', async () => {
    // the store answers the check at decision time and is down by the time the approval comes
    const store = { hit: (_p: string, limits: readonly PendingLimit[], _now: number, consume: boolean) => (consume ? Promise.reject(new Error('store down')) : limits.map(() => false)) }
    const guard = createGuard(reviewed, { store, approvals: () => ({ approved: true, by: 'ana' }) })
    expect(await guard('delete_file', { path: '/srv/a' })).toMatchObject({ decision: 'deny', resolvedBy: 'ana', reason: 'limit store unavailable (fail mode closed): store down' })
  })

  it('a limit filled while the review waited denies, with the limit\'s rule and severity (or none)', async () => {
    const answers: ((v: ApprovalVerdict) => void)[] = []
    const guard = createGuard(reviewed, { approvals: () => new Promise<ApprovalVerdict>(resolve => void answers.push(resolve)) })
    const calls = [guard('delete_file', { path: '/srv/a' }), guard('delete_file', { path: '/srv/b' }), guard('move_file', { path: '/srv/c' }), guard('move_file', { path: '/srv/d' })]
    await vi.waitFor(() => expect(answers).toHaveLength(4))
    for (const approve of answers) approve({ approved: true, by: 'ana' })
    const [first, second, third, fourth] = await Promise.all(calls)
    expect([first!.decision, third!.decision]).toEqual(['allow', 'allow'])
    expect(first!.severity).toBe('low')
    expect(second).toMatchObject({ decision: 'deny', rule: 'delete-cap', severity: 'high', resolvedBy: 'ana', reason: 'one delete an hour (approved, but the limit was reached before dispatch)' })
    expect(fourth).toMatchObject({ decision: 'deny', rule: 'move-cap', resolvedBy: 'ana', reason: 'one move an hour (approved, but the limit was reached before dispatch)' })
    // the review rule's severity does not stay on a denial the limit made
    expect(fourth).not.toHaveProperty('severity')
  })
})

describe('session labels that cannot be read', () => {
  it('are none for an invalid session id, or when the session store throws', async () => {
    expect(await createGuard(noParams).session('').labels()).toEqual([])
    const down = createGuard(noParams, { sessions: { labels: () => { throw new Error('down') }, add: () => [] } })
    expect(await down.session('s1').labels()).toEqual([])
    const up = createGuard(noParams, { sessions: { labels: () => ['pii'], add: () => [] } })
    expect(await up.session('s1').labels()).toEqual(['pii'])
  })
})

describe('visibleTools when the module cannot answer', () => {
  const without = (m: CompiledPolicy, visibleTools?: CompiledPolicy['visibleTools']): CompiledPolicy => {
    const { visibleTools: _own, ...rest } = m
    return visibleTools ? { ...rest, visibleTools } : rest
  }

  it('a module without visibleTools (built before it) lists every governed tool', () => {
    expect(createGuard(without(visibleClosed)).visibleTools()).toEqual(['a', 'b'])
  })

  it('a list that is not one gives none; names that are not strings are dropped', () => {
    expect(createGuard(without(visibleClosed, () => 'a' as never)).visibleTools()).toEqual([])
    expect(createGuard(without(visibleClosed, () => ['a', 1, null, 'b'] as never)).visibleTools()).toEqual(['a', 'b'])
  })

  it('one that throws: fail mode closed lists none, open lists all; onError is told why', () => {
    const errors: string[] = []
    const onError = (e: Error): void => void errors.push(e.message)
    const throwing = (): string[] => { throw new Error('no answer') }
    expect(createGuard(without(visibleClosed, throwing), { onError }).visibleTools()).toEqual([])
    expect(createGuard(without(visibleOpen, throwing), { onError }).visibleTools()).toEqual(['a', 'b'])
    expect(errors).toEqual(['visibleTools failed (fail mode closed): no answer', 'visibleTools failed (fail mode open): no answer'])
  })
})

describe('limit stores: edge cases', () => {
  const limit = (key: string, max: number): PendingLimit => ({ rule: 'cap', index: 0, action: 'deny', warn: false, max, perMs: 1000, key, message: 'cap' })

  it('warnings stay on a decision whose limits all had room; an empty list of them is left off', async () => {
    const { module } = await compileModule('tools:\n  t: {}\nrules:\n  - id: noted\n    tool: t\n    action: warn\n  - id: cap\n    tool: t\n    action: deny\n    limit: { max: 5, per: 1m }\n')
    expect(await createGuard(module)('t', {})).toMatchObject({ decision: 'allow', warnings: ['noted'] })
    // a hand-written module may give an empty list; the decision then has no `warnings`
    expect(applyLimits({ decision: 'allow', ruleIndex: -1, warnings: [], limits: [limit('', 5)] }, [false])).toEqual({ decision: 'allow' })
  })

  it('memory: a log emptied by a check that counted nothing is freed when its expiry comes up', () => {
    const store = createMemoryStore()
    // eight calls of `early` queue eight expiry entries ahead of `late`'s: a call's sweep (eight
    // entries) stops before reaching `late`
    for (let i = 0; i < 8; i++) store.hit('p', [limit('early', 100)], T + i, true)
    store.hit('p', [limit('late', 100)], T + 10, true)
    store.hit('p', [limit('late', 100)], T + 11, true)
    // both of `late`'s calls have left the window: the check drops them and keeps its log, now empty
    expect(store.hit('p', [limit('late', 100)], T + 1011, false)).toEqual([false])
    expect(store.size()).toBe(1)
    store.hit('p', [limit('other', 100)], T + 1012, false)
    expect(store.size()).toBe(0)
  })

  it('memory: a rule full of keys frees an expired one for a new key, only as many as it needs', () => {
    const store = createMemoryStore({ maxKeysPerRule: 3 })
    // `busy` queues eight stale expiry entries first (so a call's own sweep frees nothing) and stays live
    for (let i = 0; i < 8; i++) store.hit('p', [limit('busy', 100)], T + i, true)
    store.hit('p', [limit('b', 100)], T + 10, true)
    store.hit('p', [limit('d', 100)], T + 11, true)
    store.hit('p', [limit('busy', 100)], T + 20, true)
    expect(store.size()).toBe(3)
    // `b` and `d` have expired, `busy` has not: one of them makes room for `c`, the other waits
    expect(store.hit('p', [limit('c', 100)], T + 1015, true)).toEqual([false])
    expect(store.size()).toBe(3)
  })

  it('memory: calls made while the clock stepped back are counted in time order', () => {
    const store = createMemoryStore()
    const calls = counterLimit({ name: 'calls', perMs: 1000, key: 'k' })
    for (const at of [T + 100, T + 200, T + 150]) store.hit('p', [calls], at, true)
    // one window after T + 160, only the call at T + 200 is still inside it
    expect(store.count!('p', [calls], T + 1160)).toEqual([1])
  })

  it('redis: a count reply that is not one per counter is an error; close() quits only a client it owns', async () => {
    const calls = counterLimit({ name: 'calls', perMs: 1000, key: '' })
    for (const reply of ['OK', [1, 2]]) {
      const store = createRedisStore({ redis: { eval: async () => reply } })
      await expect(store.count!('p', [calls], T)).rejects.toThrow(new Error('unexpected reply from the Redis count script'))
    }
    const quits: string[] = []
    const client = (name: string) => ({ eval: async () => [], quit: async () => void quits.push(name) })
    await createRedisStore({ redis: client('owned'), ownsClient: true }).close?.()
    await createRedisStore({ redis: client('shared') }).close?.()
    // a client without quit() is left as it is
    await expect(createRedisStore({ redis: { eval: async () => [] }, ownsClient: true }).close?.()).resolves.toBeUndefined()
    expect(quits).toEqual(['owned'])
  })
})
