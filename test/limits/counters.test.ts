/**
 * Context counters (`context: { hourly_calls: { count: { per: 1h } } }`): the guard fills the field
 * from its limit store before evaluation and counts each allowed call after it, so a context-based
 * policy needs no caller-computed counts. Memory store and a real redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyze } from '../../compiler/analyze.js'
import { createGuard } from '../../src/guard.js'
import { keyDigest } from '../../src/limits/keys.js'
import { createRedisStore } from '../../src/limits/redis.js'
import type { CompiledPolicy } from '../../src/types.js'
import { compileModule } from '../support/compiled.js'
import { expectDiagnostic } from '../support/diagnostics.js'
import { describeWithRedis, fastFailClient, startRedis, type RedisProcess } from '../support/redis.js'

const POLICY = `name: counted
tools:
  send_sms:
    parameters: { type: object, properties: { to: { type: string }, body: { type: string } }, required: [to, body] }
  fetch: {}
context:
  hourly_calls: { count: { per: 1h } }
  recipient_hourly_count: { count: { per: 1h, tool: send_sms, key: args.to } }
  user: string
rules:
  - id: hourly_call_cap
    when: "context.hourly_calls >= 3"
    action: deny
    message: hourly budget spent
  - id: one_sms_per_recipient
    tool: send_sms
    when: "context.recipient_hourly_count >= 1"
    action: deny
  - id: blocked_body
    tool: send_sms
    when: "args.body.includes('spam')"
    action: deny
  - id: second_fetch_needs_review
    tool: fetch
    when: "context.hourly_calls >= 1 && context.user == 'intern'"
    action: review
`

let counted: CompiledPolicy
beforeAll(async () => {
  counted = (await compileModule(POLICY, 'counted.policy.yaml')).module
})

describe('context counters in the compiled module', () => {
  it('`counters` names the counters that apply to a call, with their keys', () => {
    expect(counted.counters!('send_sms', { to: '+1', body: 'x' })).toEqual([
      { name: 'hourly_calls', perMs: 3_600_000, key: '' },
      { name: 'recipient_hourly_count', perMs: 3_600_000, key: '+1' },
    ])
    expect(counted.counters!('fetch', {})).toEqual([{ name: 'hourly_calls', perMs: 3_600_000, key: '' }])
    expect(counted.counters!('unknown', {})).toBeNull()
  })
  it('`evaluate` alone reads whatever the caller put in the context', () => {
    expect(counted.evaluate('send_sms', { to: '+1', body: 'x' }, { hourly_calls: 3 })).toMatchObject({ decision: 'deny', rule: 'hourly_call_cap' })
    expect(counted.evaluate('send_sms', { to: '+1', body: 'x' }, {})).toMatchObject({ decision: 'allow' })
  })
})

describe('the guard fills and counts them (memory store)', () => {
  it('counts allowed calls only, per key, and the caller cannot supply its own count', async () => {
    let now = 1_000_000
    const guard = createGuard(counted, { clock: () => now })
    expect(await guard('send_sms', { to: '+1', body: 'hi' }, { hourly_calls: -100 })).toMatchObject({ decision: 'allow' })
    // the recipient counter holds per recipient; the denial is not counted
    expect(await guard('send_sms', { to: '+1', body: 'again' })).toMatchObject({ decision: 'deny', rule: 'one_sms_per_recipient' })
    expect(await guard('send_sms', { to: '+2', body: 'spam!' })).toMatchObject({ decision: 'deny', rule: 'blocked_body' })
    expect(await guard('send_sms', { to: '+2', body: 'hi' })).toMatchObject({ decision: 'allow' })
    expect(await guard('fetch', {})).toMatchObject({ decision: 'allow' })
    // three allowed calls this hour: the fourth is over the budget, whatever the caller claims
    expect(await guard('fetch', {}, { hourly_calls: 0 })).toMatchObject({ decision: 'deny', rule: 'hourly_call_cap', reason: 'hourly budget spent' })
    // an hour after the first call, it has aged out of the window
    now += 3_600_000
    expect(await guard('fetch', {})).toMatchObject({ decision: 'allow' })
  })
  it('an approved review is counted; the guard passes the filled context to the approver', async () => {
    const seen: unknown[] = []
    const guard = createGuard(counted, { clock: () => 5, approvals: req => { seen.push(req.context); return { approved: true, by: 'lead' } } })
    expect(await guard('fetch', {}, { user: 'intern' })).toMatchObject({ decision: 'allow' })
    expect(await guard('fetch', {}, { user: 'intern' })).toMatchObject({ decision: 'allow', rule: 'second_fetch_needs_review', resolvedBy: 'lead' })
    // the approved call was counted: the next approver sees two calls this hour
    expect(await guard('fetch', {}, { user: 'intern' })).toMatchObject({ decision: 'allow', resolvedBy: 'lead' })
    expect(seen).toEqual([{ user: 'intern', hourly_calls: 1 }, { user: 'intern', hourly_calls: 2 }])
    expect(await guard('fetch', {}, { user: 'ana' })).toMatchObject({ decision: 'deny', rule: 'hourly_call_cap' })
  })
  it('a store that cannot count ends in the fail mode', async () => {
    const guard = createGuard(counted, { store: { hit: () => [] } })
    expect(await guard('fetch', {})).toMatchObject({ decision: 'deny', reason: expect.stringMatching(/^limit store unavailable \(fail mode closed\): the store cannot read counters/) })
  })
})

describe('counter declarations are checked', () => {
  it('a misspelled tool, a bad window and a key the schema lacks are errors', () => {
    const src = (count: string): string => POLICY.replace('{ count: { per: 1h, tool: send_sms, key: args.to } }', count)
    expectDiagnostic(src('{ count: { per: 1h, tool: send_smss } }'), { code: 'unknown-tool', help: 'did you mean `send_sms`?' })
    expectDiagnostic(src('{ count: { per: hourly } }'), { code: 'invalid-value', underline: 'hourly' })
    expectDiagnostic(src('{ count: { per: 1h, tool: send_sms, key: args.too } }'), { code: 'unknown-field', underline: 'args.too', help: 'did you mean `to`?' })
    expectDiagnostic(src('{ count: { per: 1h, tool: send_sms, kee: args.to } }'), { code: 'unknown-key', underline: 'kee', help: 'did you mean `key`?' })
    expectDiagnostic(src('{ cout: { per: 1h } }'), { code: 'unknown-key', underline: 'cout', help: 'did you mean `count`?' })
  })
  it('a counter is a number that may be absent to `evaluate`: arithmetic on it must be guarded', () => {
    const bad = POLICY.replace('"context.hourly_calls >= 3"', '"context.hourly_calls + 1 > 3"')
    expectDiagnostic(bad, { code: 'type-mismatch', underline: 'context.hourly_calls + 1', message: /can fail at run time/ })
    const ok = POLICY.replace('"context.hourly_calls >= 3"', '"(context.hourly_calls ?? 0) + 1 > 3"')
    expect(analyze(ok, { filename: 'p.yaml' }).diagnostics.filter(d => d.severity === 'error')).toEqual([])
  })
})

describeWithRedis('with a real redis-server', () => {
  let server: RedisProcess
  beforeAll(async () => {
    server = await startRedis()
  }, 20_000)
  afterAll(() => server?.stop())

  it('two guards sharing Redis see each other’s counts', async () => {
    const a = fastFailClient(server.url)
    const b = fastFailClient(server.url)
    await Promise.all([a, b].map(r => new Promise(resolve => r.once('ready', resolve))))
    const one = createGuard(counted, { store: createRedisStore({ redis: a }), clock: () => 10_000 })
    const two = createGuard(counted, { store: createRedisStore({ redis: b }), clock: () => 10_000 })
    expect(await one('send_sms', { to: '+1', body: 'x' })).toMatchObject({ decision: 'allow' })
    expect(await two('send_sms', { to: '+1', body: 'x' })).toMatchObject({ decision: 'deny', rule: 'one_sms_per_recipient' })
    expect(await two('fetch', {})).toMatchObject({ decision: 'allow' })
    expect(await one('fetch', {})).toMatchObject({ decision: 'allow' })
    expect(await two('fetch', {})).toMatchObject({ decision: 'deny', rule: 'hourly_call_cap' })
    const keys = (await a.keys('vetoc:*')).sort()
    // each counter's log, under a digest of its key, and each counter's index of live keys
    expect(keys).toEqual([`vetoc:{counted}:#count:hourly_calls:${keyDigest('')}`, `vetoc:{counted}:#count:recipient_hourly_count:${keyDigest('+1')}`, 'vetoc:{counted}:#keys:#count:hourly_calls', 'vetoc:{counted}:#keys:#count:recipient_hourly_count'].sort())
    a.disconnect()
    b.disconnect()
  })
})
