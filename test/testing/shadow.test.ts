/** Shadow mode: a candidate evaluated on every call, never deciding, its disagreements recorded. */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'
import { run } from '../../src/cli.js'
import { createGuard } from '../../src/guard.js'
import { createFileSink, createMemorySink, verifyLog, type DecisionRecord } from '../../src/records/index.js'
import { importModule } from '../../src/testing/run.js'
import type { CompiledPolicy } from '../../src/types.js'

const GROQ = readFileSync('policies/groq-tools.policy.yaml', 'utf8')

async function load(source: string): Promise<CompiledPolicy> {
  const out = compile(source, { filename: 'p.policy.yaml' })
  expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
  return importModule(out.code, out.digest!)
}

describe('shadow mode', () => {
  it('never decides, and records each disagreement with both decisions and both rules', async () => {
    const live = await load(GROQ)
    // the candidate: two SMS per recipient, and no SMS at all after 18:00
    const candidate = await load(GROQ.replace('limit: { max: 1, per: 1h, key: args.to }', 'limit: { max: 2, per: 1h, key: args.to }').replace('to: "20:00"', 'to: "18:00"'))
    const sink = createMemorySink()
    let t = Date.parse('2026-11-24T18:00:00Z') // 13:00 in New York
    const guard = createGuard(live, { sink, shadow: candidate, clock: () => t })
    const sms = { to: '+15550100', body: 'hi' }
    expect((await guard('send_sms', sms)).decision).toBe('allow')
    expect((await guard('send_sms', sms)).decision).toBe('deny') // live: one per hour; candidate: allows a second
    expect((await guard('send_sms', sms)).decision).toBe('deny') // both deny the third
    t = Date.parse('2026-11-24T23:30:00Z') // 18:30 in New York
    expect((await guard('send_sms', { to: '+15550199', body: 'x' })).decision).toBe('allow') // candidate: outside hours
    await guard.flush()
    const records = sink.records as DecisionRecord[]
    expect(records.map(r => r.shadow ?? null)).toEqual([
      null,
      { policy: 'groq-tools', digest: candidate.policy.digest, live: { decision: 'deny', rule: 'sms_per_recipient_cap' }, candidate: { decision: 'allow', reason: 'no rule matched; the default of policy `groq-tools` is allow' } },
      null,
      { policy: 'groq-tools', digest: candidate.policy.digest, live: { decision: 'allow' }, candidate: { decision: 'deny', rule: 'sms_business_hours', reason: 'SMS may only be sent between 09:00 and 20:00 New York time' } },
    ])
  })

  it('a candidate that throws or is not a policy never changes a decision', async () => {
    const live = await load(GROQ)
    const errors: string[] = []
    const broken = { policy: live.policy, evaluate: () => { throw new Error('boom') } } as unknown as CompiledPolicy
    const guard = createGuard(live, { shadow: broken, onError: e => errors.push(e.message), clock: () => Date.parse('2026-11-24T18:00:00Z') })
    expect((await guard('send_sms', { to: '1', body: 'x' })).decision).toBe('allow')
    expect(errors).toEqual(['shadow policy not evaluated: boom'])
    expect(() => createGuard(live, { shadow: {} as CompiledPolicy })).toThrow(/`shadow` needs a compiled policy/)
  })

  it('with a shadow, the live decision is returned as it is: no review is raised for an allow or a deny', async () => {
    const live = await load(GROQ)
    const guard = createGuard(live, { shadow: await load(GROQ), clock: () => Date.parse('2026-11-24T18:00:00Z') })
    expect(await guard('send_sms', { to: '+15550100', body: 'hi' })).toEqual({ decision: 'allow', reason: 'no rule matched; the default of policy `groq-tools` is allow' })
    expect(await guard('send_sms', { to: '+15550100', body: 'hi' })).toEqual({ decision: 'deny', rule: 'sms_per_recipient_cap', reason: 'SMS rate limit reached for this recipient', severity: 'medium' })
  })

  it('vetoc log disagreements lists them from a log that still verifies', async () => {
    const d = mkdtempSync(join(tmpdir(), 'vetoc-shadow-'))
    const file = join(d, 'decisions.jsonl')
    const live = await load(GROQ)
    const candidate = await load(GROQ.replace('limit: { max: 1, per: 1h, key: args.to }', 'limit: { max: 2, per: 1h, key: args.to }'))
    const guard = createGuard(live, { sink: createFileSink(file), shadow: candidate, clock: () => Date.parse('2026-11-24T18:00:00Z') })
    for (let i = 0; i < 3; i++) await guard('send_sms', { to: '+15550100', body: 'hi' })
    await guard('fetch_external_api', { url: 'https://evil.invalid/' })
    await guard.close()
    expect(verifyLog(readFileSync(file, 'utf8')).ok).toBe(true)
    let stdout = ''
    const status = await run(['log', 'disagreements', file], { stdout: s => (stdout += s), stderr: () => {} })
    expect(status).toBe(0)
    expect(stdout).toBe(`${file}:2 send_sms deny [sms_per_recipient_cap] -> allow (candidate groq-tools)\n1 of 4 records disagree\n`)
  })
})
