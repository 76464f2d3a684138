import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ApprovalQueue } from '../../src/approvals.js'
import { createGuard } from '../../src/guard.js'
import { createFileSink, createMemorySink, exportLog, redact, verifyLog } from '../../src/records/index.js'
import type { CompiledPolicy } from '../../src/types.js'
import { compileModule } from '../support/compiled.js'
import { shipped } from '../support/policies.js'

let gemini: CompiledPolicy
let groq: CompiledPolicy
beforeAll(async () => {
  gemini = await shipped('gemini-safety')
  groq = await shipped('groq-tools')
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
  it('a timeout ends with the configured outcome', async () => {
    const guard = createGuard(gemini, { approvals: () => new Promise(() => {}), approvalTimeoutMs: 20 })
    expect(await guard('delete_file', { path: '/srv/a' })).toMatchObject({ decision: 'deny', resolvedBy: 'timeout' })
    const lenient = createGuard(gemini, { approvals: () => new Promise(() => {}), approvalTimeoutMs: 20, onApprovalTimeout: 'allow' })
    expect(await lenient('delete_file', { path: '/srv/a' })).toMatchObject({ decision: 'allow', resolvedBy: 'timeout' })
  })
  it('without a handler the review is handed back with an approval id', async () => {
    expect(await createGuard(gemini)('delete_file', { path: '/srv/a' })).toMatchObject({ decision: 'review', approvalId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
  })
})

describe('decision records', () => {
  it('are chained: editing one byte of a record names that record', async () => {
    const sink = createMemorySink()
    const guard = createGuard(groq, { sink, clock: () => Date.UTC(2026, 10, 24, 17) })
    for (const to of ['+1', '+2', '+3']) await guard('send_sms', { to, body: 'x' }, { local_hour: 12 })
    const text = sink.records.map(r => JSON.stringify(r)).join('\n')
    expect(verifyLog(text)).toEqual({ ok: true, count: 3 })
    expect(verifyLog(text.replace('"+2"', '"+9"'))).toEqual({ ok: false, line: 2, reason: 'its content does not match its hash (the record was edited)' })
    const lines = text.split('\n')
    expect(verifyLog([lines[0], lines[2]].join('\n'))).toMatchObject({ ok: false, line: 2 })
  })
  it('redact marked arguments and values that look like credentials', () => {
    expect(redact({ url: 'https://x', api_key: 'abc', nested: { auth: 'Bearer abcdefghijklmnop', tok: 'gsk_0123456789abcdef' }, note: 'hello' }, ['url'])).toEqual({ url: '[REDACTED]', api_key: '[REDACTED]', nested: { auth: '[REDACTED]', tok: '[REDACTED]' }, note: 'hello' })
  })
  it('a file log is buffered, flushed, continues its chain on reopen, and exports', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vetoc-log-')), 'decisions.jsonl')
    const g1 = createGuard(groq, { sink: file })
    await g1('fetch_external_api', { url: 'https://evil.invalid/' })
    await g1.close()
    const g2 = createGuard(groq, { sink: createFileSink(file) })
    await g2('fetch_external_api', { url: 'https://api.stripe.invalid/v1', api_key: 'sk-live-0123456789' })
    await g2.close()
    const text = readFileSync(file, 'utf8')
    expect(verifyLog(text)).toEqual({ ok: true, count: 2 })
    expect(text).not.toContain('sk-live-0123456789')
    const csv = exportLog(text, { format: 'csv', decision: 'deny' }).trim().split('\n')
    expect(csv[0]).toBe('seq,time,policy,tool,decision,rule,reason,severity,approvalId,resolvedBy,args,hash')
    expect(csv.slice(1).map(l => l.split(',')[5])).toEqual(['api_domain_allowlist', 'no_model_supplied_api_keys'])
    writeFileSync(file, text.replace('"deny"', '"allow"'))
    expect(verifyLog(readFileSync(file, 'utf8'))).toMatchObject({ ok: false, line: 1 })
  })
})
