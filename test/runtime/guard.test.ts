import { beforeAll, describe, expect, it } from 'vitest'
import { ApprovalQueue, type ApprovalRequest } from '../../src/approvals/index.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import type { CompiledPolicy } from '../../src/types.js'
import { compileModule } from '../support/compiled.js'
import { shipped } from '../support/policies.js'

let gemini: CompiledPolicy
beforeAll(async () => {
  gemini = await shipped('gemini-safety')
})

describe('guard', () => {
  it('returns the compiled decision and records it', async () => {
    const sink = createMemorySink()
    const guard = createGuard(gemini, { sink, clock: () => Date.UTC(2026, 10, 24, 12) })
    expect(await guard('send_email', { to: 'eve@evil.invalid', subject: 's', body: 'b' })).toEqual({ decision: 'deny', rule: 'email-approved-domain-only', reason: 'Email recipients must be on approved.example.com', severity: 'high' })
    expect(sink.records[0]).toMatchObject({ seq: 0, time: '2026-11-24T12:00:00.000Z', policy: 'gemini-safety', digest: gemini.policy.digest, tool: 'send_email', decision: 'deny', rule: 'email-approved-domain-only' })
  })

  it('never throws: a throwing context hook, a hanging store and hostile args end in the fail mode', async () => {
    const hook = createGuard(gemini, { context: () => { throw new Error('directory down') } })
    expect(await hook('delete_file', { path: '/tmp/a' })).toEqual({ decision: 'deny', reason: 'guard error (fail mode closed): directory down' })
    const hostile = Object.defineProperty({}, 'path', { enumerable: true, get() { throw new Error('getter') } })
    expect(await createGuard(gemini)('delete_file', hostile)).toMatchObject({ decision: 'deny' })
    const limited = await compileModule('tools:\n  t: {}\nrules:\n  - id: cap\n    tool: t\n    action: deny\n    limit: { max: 1, per: 1m }\n')
    const hanging = createGuard(limited.module, { store: { hit: () => new Promise<boolean[]>(() => {}) }, storeTimeoutMs: 50 })
    expect(await hanging('t', {})).toEqual({ decision: 'deny', reason: 'limit store unavailable (fail mode closed): the limit store did not answer within 50 ms' })
  })

  it('a store promise that throws from `then` or rejects ends in the fail mode and leaves no timer', async () => {
    const limited = await compileModule('tools:\n  t: {}\nrules:\n  - id: cap\n    tool: t\n    action: deny\n    limit: { max: 1, per: 1m }\n')
    const { getActiveResourcesInfo } = process
    const timers = (): number => getActiveResourcesInfo().filter(r => r === 'Timeout').length
    const before = timers()
    class Trap<T> extends Promise<T> {
      override then(): never {
        throw new Error('then trap')
      }
    }
    const trapped = createGuard(limited.module, { store: { hit: () => new Trap<boolean[]>(() => {}) }, storeTimeoutMs: 60_000 })
    expect(await trapped('t', {})).toEqual({ decision: 'deny', reason: 'limit store unavailable (fail mode closed): then trap' })
    const rejecting = createGuard(limited.module, { store: { hit: () => Promise.reject(new Error('down')) }, storeTimeoutMs: 60_000 })
    expect(await rejecting('t', {})).toEqual({ decision: 'deny', reason: 'limit store unavailable (fail mode closed): down' })
    const answering = createGuard(limited.module, { store: { hit: () => Promise.resolve([false]) }, storeTimeoutMs: 60_000 })
    expect(await answering('t', {})).toMatchObject({ decision: 'allow' })
    // none of the three left its 60 s timer running (it would hold the process open for a minute)
    expect(timers()).toBe(before)
  })

  it('a clock that throws or gives anything but a finite number is replaced by the system clock', async () => {
    const limited = await compileModule('tools:\n  t: {}\nrules:\n  - id: cap\n    tool: t\n    action: deny\n    limit: { max: 1, per: 1m }\n')
    const clocks: (() => unknown)[] = [() => { throw new Error('no time') }, () => NaN, () => Infinity, () => '1 2', () => undefined, () => 1n]
    for (const clock of clocks) {
      const sink = createMemorySink()
      const guard = createGuard(limited.module, { sink, clock: clock as () => number })
      const before = Date.now()
      // the window counts at the system's time: one call allowed, the next denied
      expect([(await guard('t', {})).decision, (await guard('t', {})).decision]).toEqual(['allow', 'deny'])
      const recorded = Date.parse(sink.records[0]!.time)
      expect(recorded >= before - 1 && recorded <= Date.now()).toBe(true)
    }
  })

  it('validates params overrides at setup and applies them per call', async () => {
    const { module } = await compileModule('params:\n  cap: { type: number, default: 1 }\ntools:\n  t: {}\nrules:\n  - id: over\n    tool: t\n    action: deny\n    when: "args.n > params.cap"\n')
    expect(() => createGuard(module, { params: { cap: 'ten' } })).toThrow('param `cap` of policy `test` must be a number')
    expect(() => createGuard(module, { params: { cpa: 3 } })).toThrow(/unknown param `cpa`/)
    expect((await createGuard(module)('t', { n: 2 })).decision).toBe('deny')
    expect((await createGuard(module, { params: { cap: 5 } })('t', { n: 2 })).decision).toBe('allow')
  })
})

describe('review', () => {
  it('the built-in queue approves and denies; the record shows who resolved it', async () => {
    const sink = createMemorySink()
    const queue = new ApprovalQueue()
    const guard = createGuard(gemini, { approvals: queue, sink })
    queue.onRequest(r => {
      if (r.args && (r.args as { path: string }).path === '/srv/a') queue.approve(r.approvalId, 'ana')
      else queue.deny(r.approvalId, 'bob')
    })
    const a = await guard('delete_file', { path: '/srv/a' })
    const b = await guard('delete_file', { path: '/srv/b' })
    expect(a).toMatchObject({ decision: 'allow', rule: 'require-approval-deletes', resolvedBy: 'ana', approvalId: expect.any(String) })
    expect(b).toMatchObject({ decision: 'deny', resolvedBy: 'bob' })
    expect(sink.records.map(r => [r.decision, r.resolvedBy, r.approvalId])).toEqual([['allow', 'ana', a.approvalId], ['deny', 'bob', b.approvalId]])
    expect(queue.pending()).toEqual([])
  })
  it('a timeout denies by default, or ends with the configured outcome; the record says so', async () => {
    const sink = createMemorySink()
    const guard = createGuard(gemini, { approvals: () => new Promise(() => {}), approvalTimeoutMs: 20, sink })
    const d = await guard('delete_file', { path: '/srv/a' })
    expect(d).toMatchObject({ decision: 'deny', resolvedBy: 'timeout', rule: 'require-approval-deletes', reason: 'Deleting files outside /tmp/ requires human approval (approval timed out after 20 ms: deny)' })
    expect(sink.records[0]).toMatchObject({ decision: 'deny', resolvedBy: 'timeout', approvalId: d.approvalId })
    const lenient = createGuard(gemini, { approvals: () => new Promise(() => {}), approvalTimeoutMs: 20, onApprovalTimeout: 'allow' })
    expect(await lenient('delete_file', { path: '/srv/a' })).toMatchObject({ decision: 'allow', resolvedBy: 'timeout' })
  })
  it('a timed-out request leaves the queue: a late approve() is refused, and handlers see the abort', async () => {
    const queue = new ApprovalQueue()
    const seen: ApprovalRequest[] = []
    queue.onRequest(r => void seen.push(r))
    const guard = createGuard(gemini, { approvals: queue, approvalTimeoutMs: 30 })
    const pending = guard('delete_file', { path: '/srv/a' })
    await new Promise(r => setTimeout(r, 5))
    expect(queue.pending().map(r => r.tool)).toEqual(['delete_file'])
    const d = await pending
    expect(d).toMatchObject({ decision: 'deny', resolvedBy: 'timeout' })
    expect(seen[0]!.signal?.aborted).toBe(true)
    expect(queue.pending()).toEqual([])
    expect(queue.approve(d.approvalId!, 'late')).toBe(false)
  })
  it('a throwing or nonsensical approval handler ends in the fail-mode decision, recorded', async () => {
    const sink = createMemorySink()
    const guard = createGuard(gemini, { sink, approvals: () => { throw new Error('approvals service down') } })
    expect(await guard('delete_file', { path: '/srv/a' })).toMatchObject({ decision: 'deny', resolvedBy: 'error', reason: 'approval handler failed (fail mode closed): approvals service down' })
    const odd = createGuard(gemini, { sink, approvals: () => 'maybe' as never })
    expect(await odd('delete_file', { path: '/srv/a' })).toMatchObject({ decision: 'deny', resolvedBy: 'error' })
    expect(sink.records.map(r => [r.decision, r.resolvedBy])).toEqual([['deny', 'error'], ['deny', 'error']])
  })
  it('without a handler the review is handed back with an approval id', async () => {
    expect(await createGuard(gemini)('delete_file', { path: '/srv/a' })).toMatchObject({ decision: 'review', approvalId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
  })
})
