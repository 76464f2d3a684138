/**
 * `npx tsx examples/runtimes/claude-agent.ts`: a Claude Agent SDK agent guarded by the gemini-safety
 * policy. The SDK spawns its bundled Claude Code, whose model is played by the local provider server
 * (no network, no keys; a throwaway home so no user settings are read). One call is allowed, one
 * denied with the reason, and one reviewed: Claude Code asks the host through `canUseTool`, where the
 * app's approver (here: ops, approving) answers it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createSdkMcpServer, query, tool } from '@anthropic-ai/claude-agent-sdk'
import { z } from 'zod'
import { compile } from '../../compiler/index.js'
import { vetocClaudeOptions } from '../../src/adapters/claude-agent.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import type { CompiledPolicy } from '../../src/types.js'
import { startProviderServer } from '../demo/provider-server.js'

const work = mkdtempSync(join(tmpdir(), 'vetoc-claude-'))
const out = compile(readFileSync('policies/gemini-safety.policy.yaml', 'utf8'), { filename: 'gemini-safety.policy.yaml' })
const file = join(work, 'policy.mjs')
writeFileSync(file, out.code)
const policy = (await import(pathToFileURL(file).href)) as CompiledPolicy

const provider = await startProviderServer()
provider.script('anthropic', [
  { id: 'toolu_1', name: 'mcp__app__send_email', args: { to: 'team@approved.example.com', subject: 'Report', body: 'All green' } },
  { id: 'toolu_2', name: 'mcp__app__send_email', args: { to: 'rival@competitor.invalid', subject: 'Pricing', body: 'sheet' } },
  { id: 'toolu_3', name: 'mcp__app__delete_file', args: { path: '/var/log/app/old.log' } },
])
provider.script('anthropic', [])

const sink = createMemorySink()
const guard = createGuard(policy, { sink })
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] })
const app = createSdkMcpServer({
  name: 'app',
  version: '1.0.0',
  tools: [
    tool('send_email', 'Send an email', { to: z.string(), subject: z.string(), body: z.string() }, async ({ to }) => text(`sent to ${to}`)),
    tool('delete_file', 'Delete a file', { path: z.string() }, async ({ path }) => text(`deleted ${path}`)),
  ],
})
const approve = (review: { tool: string; args: unknown }) => {
  console.log(`REVIEW ${review.tool}: Claude Code asks the host — approving as ops`)
  return { approved: true, by: 'ops' }
}

for await (const message of query({
  prompt: 'Send the report and clean up.',
  options: {
    mcpServers: { app },
    tools: [],
    ...vetocClaudeOptions(guard, { approve }),
    cwd: work,
    settingSources: [],
    persistSession: false,
    env: {
      PATH: process.env['PATH'],
      HOME: work,
      CLAUDE_CONFIG_DIR: join(work, '.claude'),
      ANTHROPIC_BASE_URL: provider.url,
      ANTHROPIC_API_KEY: 'sk-ant-example',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_ERROR_REPORTING: '1',
    },
  },
})) {
  if (message.type === 'system' && message.subtype === 'init') console.log(`session ${message.session_id}`)
}
await provider.close()
rmSync(work, { recursive: true, force: true })
for (const r of sink.records) console.log(`${r.decision.toUpperCase().padEnd(6)} ${r.tool} ${JSON.stringify(r.args)}${r.resolvedBy ? ` (by ${r.resolvedBy})` : ''}${r.reason && r.decision !== 'allow' ? ` — ${r.reason}` : ''}`)
