/**
 * Approvals bound to the call (SPEC 4.3): single use, expiring, for one tool, argument digest,
 * session and policy; edited calls are evaluated again; every refusal says why. Each case runs
 * against the memory store and a real redis-server (skipped locally without one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Redis } from 'ioredis'
import { createGuard, type Guard } from '../../src/guard.js'
import { createMemoryPendingStore, createRedisPendingStore, type PendingStore } from '../../src/approvals/index.js'
import { createMemorySink } from '../../src/records/index.js'
import type { CompiledPolicy } from '../../src/types.js'
import { compileModule } from '../support/compiled.js'
import { fastFailClient, startRedis, type RedisProcess } from '../support/redis.js'

const POLICY = `
approval_ttl: 10m
tools:
  delete_file:
    parameters: { type: object, properties: { path: { type: string } }, required: [path] }
rules:
  - id: review-deletes
    tool: delete_file
    when: "!args.path.startsWith('/tmp/')"
    action: review
    message: deleting outside /tmp needs approval
  - id: never-etc
    tool: delete_file
    when: "args.path.startsWith('/etc/')"
    action: deny
    message: never /etc
`

let compiled: CompiledPolicy
let redis: RedisProcess | undefined
const clients: Redis[] = []
beforeAll(async () => {
  compiled = (await compileModule(POLICY)).module
  try {
    redis = await startRedis()
  } catch (e) {
    if (process.env['CI'] === 'true') throw e
  }
})
afterAll(async () => {
  for (const c of clients) c.disconnect()
  await redis?.stop()
})

const stores: [string, () => Promise<PendingStore | undefined>][] = [
  ['memory', async () => createMemoryPendingStore()],
  ['redis', async () => {
    if (!redis) return undefined
    const c = fastFailClient(redis.url)
    clients.push(c)
    if (c.status !== 'ready') await new Promise(resolve => c.once('ready', resolve))
    return createRedisPendingStore({ redis: c, prefix: `t${Math.random().toString(36).slice(2)}` })
  }],
]

describe.each(stores)('approvals bound to the call (%s store)', (_name, makeStore) => {
  let t = Date.UTC(2026, 11, 2, 12)
  const setup = async (): Promise<{ guard: Guard; pending: PendingStore; sink: ReturnType<typeof createMemorySink> } | undefined> => {
    const pending = await makeStore()
    if (!pending) return undefined
    const sink = createMemorySink()
    return { guard: createGuard(compiled, { pending, sink, clock: () => t }), pending, sink }
  }
  const approve = (pending: PendingStore, id: string, extra: Record<string, unknown> = {}) =>
    pending.answer(id, { approved: true, by: 'ana@ops', channel: 'page', at: t, ...extra }, t)

  it('an approved review allows exactly that call, once; the record says who, how and when', async (ctx) => {
    const s = await setup()
    if (!s) return ctx.skip()
    const d = await s.guard('delete_file', { path: '/srv/a' })
    expect(d).toMatchObject({ decision: 'review', approvalId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
    expect((await s.pending.list(t)).map(p => p.approvalId)).toEqual([d.approvalId])
    expect(await approve(s.pending, d.approvalId!)).toEqual({ ok: true })
    expect(await s.pending.list(t)).toEqual([])
    const ok = await s.guard('delete_file', { path: '/srv/a' }, undefined, { approval: d.approvalId! })
    expect(ok).toMatchObject({ decision: 'allow', resolvedBy: 'ana@ops', channel: 'page', approvalId: d.approvalId })
    expect(s.sink.records.at(-1)).toMatchObject({ decision: 'allow', resolvedBy: 'ana@ops', channel: 'page', resolvedAt: new Date(t).toISOString(), approvalId: d.approvalId })
    // a second use of the same approval is refused, and says so
    const again = await s.guard('delete_file', { path: '/srv/a' }, undefined, { approval: d.approvalId! })
    expect(again).toMatchObject({ decision: 'deny', reason: expect.stringContaining('the approval was already used') })
  })

  it('an approval aimed at a different call is refused without burning it', async (ctx) => {
    const s = await setup()
    if (!s) return ctx.skip()
    const d = await s.guard('delete_file', { path: '/srv/a' }, undefined, { session: 's1' })
    await approve(s.pending, d.approvalId!)
    const other = await s.guard('delete_file', { path: '/srv/b' }, undefined, { session: 's1', approval: d.approvalId! })
    expect(other).toMatchObject({ decision: 'deny', reason: expect.stringContaining('it was given for different arguments') })
    const session = await s.guard('delete_file', { path: '/srv/a' }, undefined, { session: 's2', approval: d.approvalId! })
    expect(session).toMatchObject({ decision: 'deny', reason: expect.stringContaining('it was given in another session') })
    // the same arguments in another key order are the same call
    expect(await s.guard('delete_file', { path: '/srv/a' }, undefined, { session: 's1', approval: d.approvalId! })).toMatchObject({ decision: 'allow' })
  })

  it('an expired approval is refused; an unanswered one is the same review again', async (ctx) => {
    const s = await setup()
    if (!s) return ctx.skip()
    const d = await s.guard('delete_file', { path: '/srv/a' })
    expect(await s.guard('delete_file', { path: '/srv/a' }, undefined, { approval: d.approvalId! })).toMatchObject({ decision: 'review', approvalId: d.approvalId })
    await approve(s.pending, d.approvalId!)
    t += 10 * 60_000 + 1
    expect(await s.guard('delete_file', { path: '/srv/a' }, undefined, { approval: d.approvalId! })).toMatchObject({ decision: 'deny', reason: expect.stringContaining('the approval id expired') })
    // answering after expiry is refused too
    const late = await s.guard('delete_file', { path: '/srv/c' })
    t += 10 * 60_000 + 1
    expect(await approve(s.pending, late.approvalId!)).toEqual({ ok: false, refusal: 'expired' })
  })

  it('two answers racing: one wins, the other is refused; a forged or unknown id is refused', async (ctx) => {
    const s = await setup()
    if (!s) return ctx.skip()
    const d = await s.guard('delete_file', { path: '/srv/a' })
    const [a, b] = await Promise.all([approve(s.pending, d.approvalId!), s.pending.answer(d.approvalId!, { approved: false, by: 'bob', channel: 'webhook', at: t }, t)])
    expect([a, b].filter(r => r.ok)).toHaveLength(1)
    expect([a, b].find(r => !r.ok)).toEqual({ ok: false, refusal: 'answered' })
    expect(await s.guard('delete_file', { path: '/srv/a' }, undefined, { approval: '00000000-0000-4000-8000-000000000000' })).toMatchObject({ decision: 'deny', reason: expect.stringContaining('no such approval id') })
    expect(await s.guard('delete_file', { path: '/srv/a' }, undefined, { approval: 'x'.repeat(100_000) })).toMatchObject({ decision: 'deny', reason: expect.stringContaining('not an approval id') })
    // an answer that names the digest of other arguments is refused
    const e = await s.guard('delete_file', { path: '/srv/e' })
    expect(await approve(s.pending, e.approvalId!, { argsDigest: 'f'.repeat(64) })).toEqual({ ok: false, refusal: 'mismatch' })
  })

  it('an edited call is evaluated again: one the policy denies is denied, the record keeps both', async (ctx) => {
    const s = await setup()
    if (!s) return ctx.skip()
    const d = await s.guard('delete_file', { path: '/srv/a' })
    await approve(s.pending, d.approvalId!, { args: { path: '/etc/passwd' } })
    const out = await s.guard('delete_file', { path: '/srv/a' }, undefined, { approval: d.approvalId! })
    expect(out).toMatchObject({ decision: 'deny', rule: 'never-etc', editedArgs: { path: '/etc/passwd' }, reason: 'edited by ana@ops, then denied: never /etc' })
    expect(s.sink.records.at(-1)).toMatchObject({ args: { path: '/srv/a' }, editedArgs: { path: '/etc/passwd' }, decision: 'deny' })
    const e = await s.guard('delete_file', { path: '/srv/b' })
    await approve(s.pending, e.approvalId!, { args: { path: '/srv/b.bak' } })
    expect(await s.guard('delete_file', { path: '/srv/b' }, undefined, { approval: e.approvalId! })).toMatchObject({ decision: 'allow', editedArgs: { path: '/srv/b.bak' } })
    // invalid edited arguments fail validation
    const f = await s.guard('delete_file', { path: '/srv/f' })
    await approve(s.pending, f.approvalId!, { args: { path: 42 } })
    expect(await s.guard('delete_file', { path: '/srv/f' }, undefined, { approval: f.approvalId! })).toMatchObject({ decision: 'deny', reason: expect.stringContaining('edited by ana@ops, then denied') })
  })

  it('a waiting review is answered through the store by another party (a page, a webhook, another worker)', async (ctx) => {
    const pending = await makeStore()
    if (!pending) return ctx.skip()
    const sink = createMemorySink()
    const guard = createGuard(compiled, { pending, sink, waitForApproval: true, approvalPollMs: 20, approvalTimeoutMs: 5_000 })
    const call = guard('delete_file', { path: '/srv/w' })
    let listed: { approvalId: string }[] = []
    for (let i = 0; i < 100 && listed.length === 0; i++) {
      listed = await pending.list(Date.now())
      if (listed.length === 0) await new Promise(r => setTimeout(r, 10))
    }
    expect(await pending.answer(listed[0]!.approvalId, { approved: true, by: 'carol', channel: 'page', at: Date.now() }, Date.now())).toEqual({ ok: true })
    expect(await call).toMatchObject({ decision: 'allow', resolvedBy: 'carol', channel: 'page' })
    // the id was used by the waiting call: presenting it again is refused
    expect(await guard('delete_file', { path: '/srv/w' }, undefined, { approval: listed[0]!.approvalId })).toMatchObject({ decision: 'deny', reason: expect.stringContaining('already used') })
  })
})

describe('approvals: the code channel', () => {
  it('a handler may approve an edited call; a timed-out review refuses a late answer', async () => {
    const guard = createGuard(compiled, { approvals: () => ({ approved: true, by: 'dave', args: { path: '/tmp/safe' } }) })
    expect(await guard('delete_file', { path: '/srv/a' })).toMatchObject({ decision: 'allow', resolvedBy: 'dave', channel: 'code', editedArgs: { path: '/tmp/safe' } })
    const pending = createMemoryPendingStore()
    const slow = createGuard(compiled, { pending, approvals: () => new Promise(() => {}), approvalTimeoutMs: 20 })
    const d = await slow('delete_file', { path: '/srv/a' })
    expect(d).toMatchObject({ decision: 'deny', resolvedBy: 'timeout' })
    expect(pending.answer(d.approvalId!, { approved: true, by: 'late', channel: 'page', at: Date.now() }, Date.now())).toEqual({ ok: false, refusal: 'answered' })
  })
})

describe('approvals: adapters run the edited call', () => {
  it('protect() hands the handler the arguments the approver edited, not the model\'s', async () => {
    const { protect } = await import('../../src/adapters/protect.js')
    const guard = createGuard(compiled, { approvals: () => ({ approved: true, by: 'erin', args: { path: '/srv/a.bak' } }) })
    const seen: string[] = []
    const [del] = protect(guard, [{ name: 'delete_file', handler: (a: { path: string }) => { seen.push(a.path); return 'ok' } }])
    expect(await del!.handler({ path: '/srv/a' })).toBe('ok')
    expect(seen).toEqual(['/srv/a.bak'])
  })
})
