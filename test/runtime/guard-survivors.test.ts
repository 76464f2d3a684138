/**
 * The guard's paths the mutation run found undecided: what a record holds (redaction paths per
 * tool, `capture: 'full'`, `shell` arguments as text), the pending review's members, the approval
 * poll's default, the limit re-check at approval time, the shadow candidate's reason, what the
 * evaluation is given (session, context counters), when the limit store is asked, the decision's
 * members, and closing a guard whose sink and stores have no `close`.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { createMemoryPendingStore, newApprovalId, type PendingStore } from '../../src/approvals/index.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink, REDACTED } from '../../src/records/index.js'
import type { CompiledPolicy, EvaluateOptions, Evaluation, PendingLimit } from '../../src/types.js'
import { compileModule } from '../support/compiled.js'

const T = Date.UTC(2026, 5, 1, 12)
const SECRET = 'sk-proj-4fJ9aQ2LmN7pR3sT6vW8xY1zB5cD0eF'

/** A hand-written module for tool `t` deciding by `evaluate` (no approval_ttl, no redact). */
const hand = (evaluate: CompiledPolicy['evaluate'], more: Partial<CompiledPolicy> = {}): CompiledPolicy => ({
  policy: { name: 'hand', digest: 'h'.repeat(64), default: 'allow', unknownTools: 'deny', failMode: 'closed', rules: [], tools: ['t'], redact: {}, params: {} },
  evaluate,
  ...more,
})
const allowAll = hand(() => ({ decision: 'allow', ruleIndex: -1 }))

let plain: CompiledPolicy
let shell: CompiledPolicy
beforeAll(async () => {
  plain = (await compileModule('tools:\n  t: {}\n')).module
  shell = (await compileModule('tools:\n  run:\n    parameters: { type: object, properties: { cmd: { type: string } }, required: [cmd] }\n    normalize: { cmd: shell }\nrules: []\n')).module
})

describe('what the record holds', () => {
  it('an argument no redact path names is kept, whatever its key (no path is added by default)', async () => {
    const sink = createMemorySink()
    const guard = createGuard(plain, { sink, redact: { other: ['memo'] } })
    // a governed tool and one the policy does not know
    await guard('t', { 'Stryker was here': 'kept', memo: 'kept' })
    await guard('zz', { 'Stryker was here': 'kept', memo: 'kept' })
    expect(sink.records.map(r => r.args)).toEqual([{ 'Stryker was here': 'kept', memo: 'kept' }, { 'Stryker was here': 'kept', memo: 'kept' }])
  })

  it('an ungoverned tool\'s record takes the guard\'s `*` and per-tool paths', async () => {
    const sink = createMemorySink()
    const guard = createGuard(plain, { sink, redact: { '*': ['memo'], zz: ['note'] } })
    expect((await guard('zz', { memo: 'a', note: 'b', other: 'c' })).decision).toBe('deny')
    expect(sink.records.map(r => r.args)).toEqual([{ memo: REDACTED, note: REDACTED, other: 'c' }])
  })

  it('capture: full keeps arguments as given and says so', async () => {
    const sink = createMemorySink()
    await createGuard(plain, { sink, capture: 'full', redact: { t: ['memo'] } })('t', { memo: 'm', key: SECRET })
    expect(sink.records.map(r => [r.args, r.capture])).toEqual([[{ memo: 'm', key: SECRET }, 'full']])
  })

  it('a `shell` argument is recorded as its text, not its words', async () => {
    const sink = createMemorySink()
    await createGuard(shell, { sink })('run', { cmd: 'rm -rf /tmp/x' })
    expect(sink.records.map(r => r.args)).toEqual([{ cmd: 'rm -rf /tmp/x' }])
  })

  it('without a sink, a rejection reports no error', () => {
    const errors: string[] = []
    const guard = createGuard(plain, { onError: e => void errors.push(e.message) })
    expect(guard.reject('t', {}, 'no')).toEqual({ decision: 'deny', reason: 'no' })
    expect(errors).toEqual([])
  })
})

describe('the pending review', () => {
  const pendingOf = async (m: CompiledPolicy) => {
    const guard = createGuard(m, { clock: () => T })
    const d = await guard('t', {})
    return (await guard.pending.get(d.approvalId!))!
  }

  it('carries the rule and reason of the decision, and no such members when it has none', async () => {
    const withBoth = await pendingOf(hand(() => ({ decision: 'review', rule: 'r', reason: 'why', ruleIndex: 0 })))
    expect([withBoth.rule, withBoth.reason]).toEqual(['r', 'why'])
    const bare = await pendingOf(hand(() => ({ decision: 'review', ruleIndex: -1 })))
    expect(Object.keys(bare).sort()).toEqual(['approvalId', 'args', 'binding', 'createdAt', 'expiresAt', 'policy', 'tool'])
  })

  it('a waiting guard polls a store without onAnswer every 200 ms by default', async () => {
    const inner = createMemoryPendingStore()
    let takes = 0
    const pending: PendingStore = { add: p => inner.add(p), list: n => inner.list(n), get: id => inner.get(id), answer: (id, a, n) => inner.answer(id, a, n), take: (id, n) => (takes++, inner.take(id, n)) }
    const guard = createGuard(hand(() => ({ decision: 'review', rule: 'r', ruleIndex: 0 })), { pending, waitForApproval: true, approvalTimeoutMs: 120 })
    expect(await guard('t', {})).toMatchObject({ decision: 'deny', resolvedBy: 'timeout' })
    // no poll within 120 ms: the one take is the timeout's own
    expect(takes).toBe(1)
  })

  it('an approval id given as a list holding an id is not one', async () => {
    const guard = createGuard(hand(() => ({ decision: 'review', rule: 'r', ruleIndex: 0 })))
    expect(await guard('t', {}, undefined, { approval: [newApprovalId()] as never })).toEqual({ decision: 'deny', rule: 'r', reason: 'review (approval refused: not an approval id)' })
  })
})

describe('review: after the approval', () => {
  const limit = (rule: string, index: number, action: PendingLimit['action']): PendingLimit => ({ rule, index, action, warn: false, max: 1, perMs: 1000, key: '', message: `${rule} cap` })
  // none full when the review is raised (nothing counted), every one full when it is approved
  const fillsOnApproval = { hit: (_p: string, ls: readonly PendingLimit[], _n: number, consume: boolean) => ls.map(() => consume) }

  it('the first full deny limit in file order denies; a full review limit does not', async () => {
    const m = hand(() => ({ decision: 'review', rule: 'r', reason: 'check', ruleIndex: 0, limits: [limit('late', 3, 'deny'), limit('soft', 1, 'review'), limit('early', 2, 'deny')] }))
    const guard = createGuard(m, { store: fillsOnApproval, approvals: () => ({ approved: true, by: 'ana' }) })
    expect(await guard('t', {})).toMatchObject({ decision: 'deny', rule: 'early', reason: 'early cap (approved, but the limit was reached before dispatch)' })
  })

  it('a call without limits never asks the store when approved', async () => {
    const store = { hit: () => Promise.reject(new Error('store down')) }
    const guard = createGuard(hand(() => ({ decision: 'review', rule: 'r', ruleIndex: 0 })), { store, approvals: () => ({ approved: true, by: 'ana' }) })
    expect(await guard('t', {})).toMatchObject({ decision: 'allow', reason: 'review (approved by ana)' })
  })

  it('edits denied by a decision without a rule keep the review\'s rule', async () => {
    const m = hand((_t, args) => ((args as { p?: string }).p === 'bad' ? { decision: 'deny', ruleIndex: -1 } : { decision: 'review', rule: 'r', ruleIndex: 0 }))
    const guard = createGuard(m, { approvals: () => ({ approved: true, by: 'ana', args: { p: 'bad' } }) })
    expect(await guard('t', { p: 'ok' })).toMatchObject({ decision: 'deny', rule: 'r', reason: 'edited by ana, then denied: denied' })
  })
})

describe('shadow disagreements', () => {
  it('the candidate\'s reason is redacted; agreement and a reason-less disagreement report no error', async () => {
    const candidate = hand((_t, args) => {
      const a = args as { c: string }
      if (a.c === 'agree') return { decision: 'allow', ruleIndex: -1 }
      return a.c === 'secret' ? { decision: 'deny', rule: 'c', reason: `uses ${SECRET}`, ruleIndex: 0 } : { decision: 'deny', rule: 'c', ruleIndex: 0 }
    })
    const sink = createMemorySink()
    const errors: string[] = []
    const guard = createGuard(allowAll, { sink, shadow: candidate, onError: e => void errors.push(e.message) })
    for (const c of ['agree', 'secret', 'none']) expect((await guard('t', { c })).decision).toBe('allow')
    expect(sink.records.map(r => r.shadow?.candidate ?? null)).toEqual([null, { decision: 'deny', rule: 'c', reason: `uses ${REDACTED}` }, { decision: 'deny', rule: 'c' }])
    expect(sink.records[2]!.shadow!.candidate).not.toHaveProperty('reason')
    expect(errors).toEqual([])
  })
})

describe('what the evaluation is given', () => {
  const seeing = () => {
    const seen: { ctx: unknown; options: EvaluateOptions | undefined }[] = []
    const evaluate = (_t: string, _a: unknown, ctx?: unknown, options?: EvaluateOptions): Evaluation => (seen.push({ ctx, options }), { decision: 'allow', ruleIndex: -1 })
    return { seen, evaluate }
  }

  it('a session only when the call names one', async () => {
    const { seen, evaluate } = seeing()
    const guard = createGuard(hand(evaluate), { sessions: { labels: () => ['pii'], add: () => [] } })
    await guard('t', {})
    await guard('t', {}, undefined, { session: 's1' })
    expect(seen.map(s => s.options?.session ?? null)).toEqual([null, { id: 's1', labels: ['pii'] }])
    expect(seen[0]!.options).not.toHaveProperty('session')
  })

  it('no counters: the store is not asked to count', async () => {
    const { seen, evaluate } = seeing()
    const guard = createGuard(hand(evaluate, { counters: () => [] }), { store: { hit: () => [] } })
    expect(await guard('t', {}, 'ab')).toEqual({ decision: 'allow' })
    expect(seen.map(s => s.ctx)).toEqual(['ab'])
  })

  it('counters fill an object context; a primitive context gives only the counts', async () => {
    const { seen, evaluate } = seeing()
    const guard = createGuard(hand(evaluate, { counters: () => [{ name: 'calls', perMs: 1000, key: '' }] }), { clock: () => T })
    await guard('t', {}, 'ab')
    await guard('t', {}, { role: 'x' })
    expect(seen.map(s => s.ctx)).toEqual([{ calls: 0 }, { role: 'x', calls: 1 }])
  })
})

describe('when the limit store is asked', () => {
  const down = { hit: () => { throw new Error('store down') }, count: () => [0] }

  it('not for an allowed call without limits or counters, nor for a denied call with only counters', async () => {
    expect(await createGuard(allowAll, { store: down })('t', {})).toEqual({ decision: 'allow' })
    const denied = hand(() => ({ decision: 'deny', rule: 'r', reason: 'no', ruleIndex: 0 }), { counters: () => [{ name: 'calls', perMs: 1000, key: '' }] })
    expect(await createGuard(denied, { store: down })('t', {})).toEqual({ decision: 'deny', rule: 'r', reason: 'no' })
  })
})

describe('the decision\'s members', () => {
  it('only those the evaluation gave', async () => {
    expect(await createGuard(allowAll)('t', {})).toStrictEqual({ decision: 'allow' })
    const full = hand(() => ({ decision: 'deny', rule: 'r', reason: 'why', severity: 'high', warnings: ['w'], ruleIndex: 0 }))
    expect(await createGuard(full)('t', {})).toStrictEqual({ decision: 'deny', rule: 'r', reason: 'why', severity: 'high', warnings: ['w'] })
  })
})

describe('the guard object', () => {
  it('policy and pending are enumerable', () => {
    expect(Object.keys(createGuard(plain))).toEqual(expect.arrayContaining(['policy', 'pending']))
  })

  it('labels of an invalid session id are none, without asking the store', async () => {
    let asked = 0
    const guard = createGuard(plain, { sessions: { labels: () => (asked++, ['pii']), add: () => [] } })
    expect(await guard.session('').labels()).toEqual([])
    expect(asked).toBe(0)
  })

  it('flush and close report no error when the sink, store and session store have no close, or there is no sink', async () => {
    const errors: string[] = []
    const onError = (e: Error): void => void errors.push(e.message)
    const guard = createGuard(plain, { sink: createMemorySink(), store: { hit: () => [] }, sessions: { labels: () => [], add: () => [] }, onError })
    await guard.close()
    const bare = createGuard(plain, { onError })
    await bare.flush()
    await bare.close()
    expect(errors).toEqual([])
  })
})
