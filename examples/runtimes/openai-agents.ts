/**
 * `npx tsx examples/runtimes/openai-agents.ts`: an OpenAI Agents SDK agent, its model played by the
 * local provider server (no network, no keys), guarded by the gemini-safety policy. One call is
 * allowed, one denied with the reason, and one interrupts for approval until the run state approves it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Agent, OpenAIChatCompletionsModel, run, setTracingDisabled, tool, ToolGuardrailFunctionOutputFactory } from '@openai/agents'
import OpenAI from 'openai'
import { z } from 'zod'
import { compile } from '../../compiler/index.js'
import { guardAgentTools } from '../../src/adapters/openai-agents.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import type { CompiledPolicy } from '../../src/types.js'
import { startProviderServer } from '../demo/provider-server.js'

const out = compile(readFileSync('policies/gemini-safety.policy.yaml', 'utf8'), { filename: 'gemini-safety.policy.yaml' })
const file = join(mkdtempSync(join(tmpdir(), 'vetoc-agents-')), 'policy.mjs')
writeFileSync(file, out.code)
const policy = (await import(pathToFileURL(file).href)) as CompiledPolicy

// no traces leave this machine
setTracingDisabled(true)
const provider = await startProviderServer()
provider.script('openai', [
  { id: 'c1', name: 'send_email', args: { to: 'team@approved.example.com', subject: 'Report', body: 'All green' } },
  { id: 'c2', name: 'send_email', args: { to: 'rival@competitor.invalid', subject: 'Pricing', body: 'sheet' } },
  { id: 'c3', name: 'delete_file', args: { path: '/var/log/app/old.log' } },
])
provider.script('openai', [])
const sink = createMemorySink()
const tools = guardAgentTools(createGuard(policy, { sink }), [
  tool({ name: 'send_email', description: 'Send an email', parameters: z.object({ to: z.string(), subject: z.string(), body: z.string() }), execute: async ({ to }) => `sent to ${to}` }),
  tool({ name: 'delete_file', description: 'Delete a file', parameters: z.object({ path: z.string() }), execute: async ({ path }) => `deleted ${path}` }),
], { ToolGuardrailFunctionOutputFactory }, { session: 'example-thread', approver: 'ops' })
const client = new OpenAI({ apiKey: 'example', baseURL: `${provider.url}/v1`, maxRetries: 0 })
const agent = new Agent({ name: 'assistant', instructions: 'Send the report and clean up.', tools, model: new OpenAIChatCompletionsModel(client, 'example-model') })

const first = await run(agent, 'Send the report and clean up.')
for (const item of first.interruptions) {
  console.log(`REVIEW ${(item.rawItem as { name: string }).name}: waiting in the run state — approving as ops`)
  first.state.approve(item)
}
await run(agent, first.state)
await provider.close()
for (const r of sink.records) console.log(`${r.decision.toUpperCase().padEnd(6)} ${r.tool} ${JSON.stringify(r.args)}${r.resolvedBy ? ` (by ${r.resolvedBy})` : ''}${r.reason && r.decision !== 'allow' ? ` — ${r.reason}` : ''}`)
