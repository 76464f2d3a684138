/** The scripted runtime examples run as their headers say, and show all three decisions. */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

describe.each(['examples/runtimes/openai-agents.ts', 'examples/runtimes/langchain.ts', 'examples/runtimes/claude-agent.ts', 'examples/runtimes/mastra.ts'])('%s', file => {
  it('allows, denies with the reason, and runs the review once it is approved', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 120_000 })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain('ALLOW  send_email {"to":"team@approved.example.com"')
    expect(r.stdout).toContain('DENY   send_email {"to":"rival@competitor.invalid","subject":"Pricing","body":"sheet"} — Email recipients must be on approved.example.com')
    expect(r.stdout).toContain('REVIEW delete_file {"path":"/var/log/app/old.log"}')
    expect(r.stdout).toContain('ALLOW  delete_file {"path":"/var/log/app/old.log"} (by ops)')
  }, 150_000)
})
