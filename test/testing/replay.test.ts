/**
 * `vetoc replay`: a log written by the real demo, re-decided by a copy of a shipped policy with one
 * threshold changed, reports exactly the calls that threshold changes.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'
import { run } from '../../src/cli.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink, type DecisionRecord } from '../../src/records/index.js'
import { importModule } from '../../src/testing/run.js'
import { replayLog } from '../../src/testing/replay.js'

const ROOT = resolve(import.meta.dirname, '../..')

async function vetoc(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const status = await run(args, { stdout: s => (stdout += s), stderr: s => (stderr += s) })
  return { status, stdout, stderr }
}

async function load(source: string) {
  const out = compile(source, { filename: 'p.policy.yaml' })
  expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
  return importModule(out.code, out.digest!)
}

const GROQ = readFileSync(join(ROOT, 'policies/groq-tools.policy.yaml'), 'utf8')

describe('vetoc replay', () => {
  const d = mkdtempSync(join(tmpdir(), 'vetoc-replay-'))
  const log = join(d, 'decisions.jsonl')
  beforeAll(() => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/demo/run.ts'], { cwd: ROOT, env: { ...process.env, VETOC_DEMO_LOG: log }, encoding: 'utf8' })
    expect(r.status, r.stdout + r.stderr).toBe(0)
  })

  it('the recorded policy itself changes nothing', async () => {
    const r = await vetoc('replay', log, '--policy', 'policies/groq-tools.policy.yaml', '--expect-no-change')
    expect(r.stdout).toBe('0 of 7 decisions would change\n')
    expect(r.status).toBe(0)
    expect((await vetoc('replay', log, '--policy', 'policies/gemini-safety.policy.yaml', '--expect-no-change')).stdout).toBe('0 of 5 decisions would change\n')
  })

  it('one SMS per recipient becomes two: exactly the demo’s second SMS to +15550100 changes', async () => {
    const candidate = GROQ.replace('limit: { max: 1, per: 1h, key: args.to }', 'limit: { max: 2, per: 1h, key: args.to }')
    expect(candidate).not.toBe(GROQ)
    writeFileSync(join(d, 'candidate.policy.yaml'), candidate)
    const r = await vetoc('replay', log, '--policy', join(d, 'candidate.policy.yaml'), '--expect-no-change')
    const lines = r.stdout.trim().split('\n')
    expect(lines[0]).toBe('1 of 7 decisions would change')
    expect(lines[1]).toBe('send_sms deny -> allow [no rule] 1')
    expect(lines[2]).toContain('"body":"Reminder: your order shipped"')
    expect(lines).toHaveLength(3)
    expect(r.status).toBe(1)
    expect((await vetoc('replay', log, '--policy', join(d, 'candidate.policy.yaml'))).status).toBe(0)
  })

  it('a candidate that extends a pack is read with the pack: the pack’s rule changes the decisions', async () => {
    mkdirSync(join(d, 'packs'), { recursive: true })
    writeFileSync(join(d, 'packs/no-sms.policy.yaml'), 'name: no-sms\nrules:\n  - { id: pack-no-sms, tool: send_sms, action: deny, message: no SMS at all }\n')
    writeFileSync(join(d, 'with-pack.policy.yaml'), GROQ.replace(/^name: (.*)$/m, 'name: $1\nextends: [./packs/no-sms.policy.yaml]'))
    const r = await vetoc('replay', log, '--policy', join(d, 'with-pack.policy.yaml'))
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(/^\d+ of 7 decisions would change\n/)
    expect(r.stdout).toMatch(/send_sms allow -> deny \[pack-no-sms\] \d+/)
  })

  it('later SMS hours change the 21:00 message; reviews compare as reviews', async () => {
    writeFileSync(join(d, 'late.policy.yaml'), GROQ.replace('to: "20:00"', 'to: "22:00"'))
    const r = await vetoc('replay', log, '--policy', join(d, 'late.policy.yaml'))
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['1 of 7 decisions would change', 'send_sms deny -> allow [no rule] 1'])
    const gemini = readFileSync(join(ROOT, 'policies/gemini-safety.policy.yaml'), 'utf8').replace('action: require_approval', 'action: block')
    writeFileSync(join(d, 'strict.policy.yaml'), gemini)
    const s = await vetoc('replay', log, '--policy', join(d, 'strict.policy.yaml'))
    expect(s.stdout.split('\n').slice(0, 2)).toEqual(['2 of 5 decisions would change', 'delete_file review -> deny [require-approval-deletes] 2'])
  })

  it('redacted arguments replay as the text `[REDACTED]`; capture: full replays the real value', async () => {
    const original = await load(GROQ)
    const redactedSink = createMemorySink()
    const fullSink = createMemorySink()
    for (const [sink, capture] of [[redactedSink, 'redacted'], [fullSink, 'full']] as const) {
      const g = createGuard(original, { sink, capture, clock: () => Date.parse('2026-11-24T18:00:00Z') })
      await g('fetch_external_api', { url: 'https://api.stripe.invalid/v1', api_key: 'sk-live-51Hdemo0123456789' })
      await g.flush()
    }
    const [red] = redactedSink.records as DecisionRecord[]
    const [full] = fullSink.records as DecisionRecord[]
    expect(red!.args).toEqual({ url: 'https://api.stripe.invalid/v1', api_key: '[REDACTED]' })
    expect(full!.args).toEqual({ url: 'https://api.stripe.invalid/v1', api_key: 'sk-live-51Hdemo0123456789' })
    expect(full!.capture).toBe('full')
    expect(red!.capture).toBeUndefined()
    // a candidate that only denies live keys cannot see one in a redacted record
    const candidate = await load(GROQ.replace('when: "args.api_key != null"', "when: \"args.api_key != null && args.api_key.startsWith('sk-live-')\""))
    const asText = (r: DecisionRecord): string => `${JSON.stringify(r)}\n`
    expect((await replayLog(asText(full!), candidate)).changed).toBe(0)
    const fromRedacted = await replayLog(asText(red!), candidate)
    expect(fromRedacted.changed).toBe(1)
    expect(fromRedacted.changes[0]).toMatchObject({ tool: 'fetch_external_api', from: 'deny', to: 'allow' })
  })

  it('hostile lines are skipped or re-decided, never thrown', async () => {
    const candidate = await load(GROQ)
    const lines = [
      'not json',
      'null',
      '[]',
      JSON.stringify({ policy: 'groq-tools', tool: { toString: 1 }, decision: 'allow' }),
      JSON.stringify({ policy: 'groq-tools', tool: '__proto__', decision: 'deny', args: {}, time: 'yesterday' }),
      JSON.stringify({ policy: 'groq-tools', tool: 'send_sms', decision: 'allow', args: '[UNREADABLE]', time: '2026-11-24T18:00:00Z' }),
      JSON.stringify({ policy: 'groq-tools', tool: 'send_sms', decision: 'allow', args: { to: 'x'.repeat(100_000), body: { __proto__: 1 } }, context: { constructor: 1 } }),
      JSON.stringify({ policy: 'other', tool: 'send_sms', decision: 'allow', args: {} }),
    ].join('\n')
    const r = await replayLog(lines, candidate)
    expect(r.skipped).toBe(5)
    expect(r.total).toBe(3)
    // the unknown tool was denied and still is; the unreadable and the malformed call change to deny
    expect(r.changes.map(c => [c.tool, c.from, c.to, c.count])).toEqual([['send_sms', 'allow', 'deny', 2]])
    const usage = await vetoc('replay', join(d, 'missing.jsonl'), '--policy', 'policies/groq-tools.policy.yaml')
    expect(usage.status).toBe(2)
    expect((await vetoc('replay', log)).stderr).toContain('needs `--policy')
  })
})
