/**
 * `npm run demo` end to end: its session part shows a secret read then an outbound send denied by
 * the label, an injected page withheld and the next send denied, and a redacted result; the record
 * chain verifies.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { verifyLog } from '../src/records/index.js'

describe('npm run demo', () => {
  it('runs the scripted session steps and writes a verifiable log', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'vetoc-demo-test-')), 'decisions.jsonl')
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'examples/demo/run.ts'], { encoding: 'utf8', env: { ...process.env, VETOC_DEMO_LOG: log }, timeout: 240_000 })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    const out = run.stdout
    expect(out).toMatch(/conversation-1\] ALLOW {2}read_vault[^\n]*\n {4}result redact → model sees "\{\\"key\\":\\"stripe\\",\\"value\\":\\"\[REDACTED\]\\"\}" \[redact-credentials\] \+labels secret/)
    expect(out).toMatch(/conversation-1\] DENY {3}send_email [^\n]*\[no-exfil-after-secret\]/)
    expect(out).toMatch(/conversation-2\] ALLOW {2}fetch_url \{"url":"https:\/\/forum[^\n]*\n {4}result deny → model sees "Tool result withheld by policy: [^\n]*\[injected-page\] \+labels injected, untrusted/)
    expect(out).toMatch(/conversation-2\] DENY {3}send_email [^\n]*\[no-send-after-injection\]/)
    expect(out).not.toContain('sk_live_51Hdemo0123456789abcdefXYZ')
    const records = readFileSync(log, 'utf8').trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>)
    expect(verifyLog(readFileSync(log, 'utf8')).ok).toBe(true)
    expect(records.filter(r => r['session'] === 'conversation-2').map(r => [r['tool'], r['on'] ?? 'call', r['result'] ?? r['decision']])).toEqual([
      ['fetch_url', 'call', 'allow'], ['fetch_url', 'result', 'pass'], ['fetch_url', 'call', 'allow'], ['fetch_url', 'result', 'deny'], ['send_email', 'call', 'deny'],
    ])
  }, 300_000)
})
