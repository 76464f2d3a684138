/**
 * `npx tsx examples/runtimes/mastra.ts`: a Mastra agent (the AI SDK's own test model, no network)
 * guarded by the gemini-safety policy. One call is allowed, one denied with the reason, and one is
 * suspended for review until it is resumed as approved by ops.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Mastra } from '@mastra/core'
import { Agent } from '@mastra/core/agent'
import { InMemoryStore } from '@mastra/core/storage'
import { createTool } from '@mastra/core/tools'
import { z } from 'zod'
import { compile } from '../../compiler/index.js'
import { guardMastraTools, type VetocReviewSuspension } from '../../src/adapters/mastra.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import type { CompiledPolicy } from '../../src/types.js'
import { scriptedModel } from './scripted-model.js'

const out = compile(readFileSync('policies/gemini-safety.policy.yaml', 'utf8'), { filename: 'gemini-safety.policy.yaml' })
const file = join(mkdtempSync(join(tmpdir(), 'vetoc-mastra-')), 'policy.mjs')
writeFileSync(file, out.code)
const policy = (await import(pathToFileURL(file).href)) as CompiledPolicy

const sink = createMemorySink()
const tools = {
  send_email: createTool({ id: 'send_email', description: 'Send an email', inputSchema: z.object({ to: z.string(), subject: z.string(), body: z.string() }), execute: async ({ to }) => `sent to ${to}` }),
  delete_file: createTool({ id: 'delete_file', description: 'Delete a file', inputSchema: z.object({ path: z.string() }), execute: async ({ path }) => `deleted ${path}` }),
}
const { model } = scriptedModel([[
  { id: '1', name: 'send_email', input: { to: 'team@approved.example.com', subject: 'Report', body: 'All green' } },
  { id: '2', name: 'send_email', input: { to: 'rival@competitor.invalid', subject: 'Pricing', body: 'sheet' } },
  { id: '3', name: 'delete_file', input: { path: '/var/log/app/old.log' } },
]])
const agent = new Agent({ id: 'assistant', name: 'assistant', instructions: 'Help.', model, tools: guardMastraTools(createGuard(policy, { sink }), tools) })
// a Mastra with storage keeps the suspended run for `resumeGenerate`
const mastra = new Mastra({ agents: { assistant: agent }, storage: new InMemoryStore() })

const first = await mastra.getAgent('assistant').generate('Send the report and clean up.')
if (first.finishReason === 'suspended') {
  const paused = first.suspendPayload as { toolCallId: string; suspendPayload: VetocReviewSuspension }
  console.log(`REVIEW ${paused.suspendPayload.tool} (approval id ${paused.suspendPayload.approvalId}): ${paused.suspendPayload.reason} — approving as ops`)
  await mastra.getAgent('assistant').resumeGenerate({ approved: true, by: 'ops' }, { runId: first.runId!, toolCallId: paused.toolCallId })
}
for (const r of sink.records) console.log(`${r.decision.toUpperCase().padEnd(6)} ${r.tool} ${JSON.stringify(r.args)}${r.resolvedBy ? ` (by ${r.resolvedBy})` : ''}${r.reason && r.decision !== 'allow' ? ` — ${r.reason}` : ''}`)
