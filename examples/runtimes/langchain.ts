/**
 * `npx tsx examples/runtimes/langchain.ts`: a LangChain.js agent (LangChain's own fake tool-calling
 * model, no network) guarded by the gemini-safety policy. One call is allowed, one denied, and one
 * pauses for review until it is resumed as approved.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Command, MemorySaver } from '@langchain/langgraph'
import { createAgent, FakeToolCallingModel, tool } from 'langchain'
import { z } from 'zod'
import { compile } from '../../compiler/index.js'
import { vetocMiddleware } from '../../src/adapters/langchain.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import type { CompiledPolicy } from '../../src/types.js'

const out = compile(readFileSync('policies/gemini-safety.policy.yaml', 'utf8'), { filename: 'gemini-safety.policy.yaml' })
const file = join(mkdtempSync(join(tmpdir(), 'vetoc-langchain-')), 'policy.mjs')
writeFileSync(file, out.code)
const policy = (await import(pathToFileURL(file).href)) as CompiledPolicy

const sink = createMemorySink()
const agent = createAgent({
  model: new FakeToolCallingModel({ toolCalls: [[
    { id: '1', name: 'send_email', args: { to: 'team@approved.example.com', subject: 'Report', body: 'All green' } },
    { id: '2', name: 'send_email', args: { to: 'rival@competitor.invalid', subject: 'Pricing', body: 'sheet' } },
    { id: '3', name: 'delete_file', args: { path: '/var/log/app/old.log' } },
  ], []] }),
  tools: [
    tool(async ({ to }: { to: string }) => `sent to ${to}`, { name: 'send_email', description: 'Send an email', schema: z.object({ to: z.string(), subject: z.string(), body: z.string() }) }),
    tool(async ({ path }: { path: string }) => `deleted ${path}`, { name: 'delete_file', description: 'Delete a file', schema: z.object({ path: z.string() }) }),
  ],
  middleware: [vetocMiddleware(createGuard(policy, { sink }))],
  checkpointer: new MemorySaver(),
})

const config = { configurable: { thread_id: 'example' } }
const paused = await agent.invoke({ messages: [{ role: 'user', content: 'Send the report and clean up.' }] }, config)
for (const i of (paused as { __interrupt__?: { value: { tool: string; approvalId: string; reason?: string } }[] }).__interrupt__ ?? []) {
  console.log(`REVIEW ${i.value.tool} (approval id ${i.value.approvalId}): ${i.value.reason} — approving as ops`)
}
await agent.invoke(new Command({ resume: { approved: true, by: 'ops' } }), config)
for (const r of sink.records) console.log(`${r.decision.toUpperCase().padEnd(6)} ${r.tool} ${JSON.stringify(r.args)}${r.resolvedBy ? ` (by ${r.resolvedBy})` : ''}${r.reason && r.decision !== 'allow' ? ` — ${r.reason}` : ''}`)
