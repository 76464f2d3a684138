/**
 * The OpenAI Agents SDK, driven offline: the real `Agent` and `run()` with the SDK's own chat
 * completions model over the real `openai` client, against the loopback server that plays the
 * provider. Allow, deny with the reason, review approved and rejected through the run state,
 * parallel calls and malformed arguments, each ending in a decision and a record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent, run, tool, ToolGuardrailFunctionOutputFactory, OpenAIChatCompletionsModel } from '@openai/agents'
import OpenAI from 'openai'
import { z } from 'zod'
import { guardAgentTools } from '../../src/adapters/openai-agents.js'
import { createGuard, type Guard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import type { CompiledPolicy } from '../../src/types.js'
import { startProviderServer, type ProviderServer } from '../../examples/demo/provider-server.js'
import { shipped } from '../support/policies.js'

let policy: CompiledPolicy
let provider: ProviderServer
beforeAll(async () => {
  policy = await shipped('gemini-safety')
  provider = await startProviderServer()
})
afterAll(async () => {
  await provider.close()
})

function agentWith(guard: Guard, ran: string[]) {
  const tools = guardAgentTools(guard, [
    tool({ name: 'send_email', description: 'Send an email', parameters: z.object({ to: z.string(), subject: z.string(), body: z.string() }), execute: async ({ to }) => { ran.push(`email ${to}`); return `sent to ${to}` } }),
    tool({ name: 'delete_file', description: 'Delete a file', parameters: z.object({ path: z.string() }), execute: async ({ path }) => { ran.push(`delete ${path}`); return `deleted ${path}` } }),
  ], { ToolGuardrailFunctionOutputFactory }, { session: 'thread-1' })
  const client = new OpenAI({ apiKey: 'test', baseURL: `${provider.url}/v1`, maxRetries: 0 })
  return new Agent({ name: 'assistant', instructions: 'help', tools, model: new OpenAIChatCompletionsModel(client, 'gpt-test') })
}

/** The text the model was sent back for each tool call id, from the last chat request. */
function toolReplies(): Record<string, string> {
  const last = provider.requests.filter(r => r.path.endsWith('/chat/completions')).at(-1)!
  return Object.fromEntries((last.body.messages as { role: string; tool_call_id?: string; content: string }[]).filter(m => m.role === 'tool').map(m => [m.tool_call_id!, String(m.content)]))
}

describe('OpenAI Agents SDK: guardAgentTools', () => {
  it('allow runs, deny gives the model the reason, parallel calls are each decided once', async () => {
    const sink = createMemorySink()
    const ran: string[] = []
    const agent = agentWith(createGuard(policy, { sink }), ran)
    provider.script('openai', [
      { id: 'c1', name: 'send_email', args: { to: 'ana@approved.example.com', subject: 's', body: 'b' } },
      { id: 'c2', name: 'send_email', args: { to: 'eve@evil.invalid', subject: 's', body: 'b' } },
      { id: 'c3', name: 'delete_file', args: { path: '/tmp/x' } },
    ])
    provider.script('openai', [])
    const result = await run(agent, 'do it')
    expect((result.interruptions ?? []).map(i => JSON.stringify(i.rawItem))).toEqual([])
    expect(ran.sort()).toEqual(['delete /tmp/x', 'email ana@approved.example.com'])
    const replies = toolReplies()
    expect(replies['c1']).toContain('sent to ana@approved.example.com')
    expect(replies['c2']).toContain('Tool call blocked by policy: Email recipients must be on approved.example.com')
    expect(replies['c3']).toContain('deleted /tmp/x')
    const decisions = sink.records.map(r => [r.tool, r.decision, r.rule]).sort()
    expect(decisions).toContainEqual(['send_email', 'deny', 'email-approved-domain-only'])
    expect(decisions).toContainEqual(['send_email', 'allow', undefined])
    expect(decisions).toContainEqual(['delete_file', 'allow', undefined])
    // each call decided once
    expect(sink.records).toHaveLength(3)
  })

  it('malformed arguments never run: the SDK holds them for approval and, approved, answers the parse error itself', async () => {
    const sink = createMemorySink()
    const ran: string[] = []
    const agent = agentWith(createGuard(policy, { sink }), ran)
    provider.script('openai', [{ id: 'm1', name: 'delete_file', args: {}, rawArgs: '{"path": ' }])
    provider.script('openai', [])
    const first = await run(agent, 'delete')
    // the SDK holds arguments it cannot parse for approval without asking the tool's policy
    expect(first.interruptions).toHaveLength(1)
    for (const i of first.interruptions) first.state.approve(i)
    await run(agent, first.state)
    expect(ran).toEqual([])
    // no tool hook sees the call (see the adapter's note): the SDK answers it
    expect(toolReplies()['m1']).toMatch(/error occurred while parsing tool arguments/)
  })

  it('a review is the runtime\'s interruption: approved it runs with the approval recorded, rejected it does not run', async () => {
    const sink = createMemorySink()
    const ran: string[] = []
    const agent = agentWith(createGuard(policy, { sink }), ran)
    provider.script('openai', [
      { id: 'r1', name: 'delete_file', args: { path: '/srv/keep' } },
      { id: 'r2', name: 'delete_file', args: { path: '/srv/old' } },
    ])
    provider.script('openai', [])
    const first = await run(agent, 'clean up')
    expect(ran).toEqual([])
    expect(first.interruptions.map(i => (i.rawItem as { callId: string }).callId).sort()).toEqual(['r1', 'r2'])
    expect(sink.records.map(r => r.decision)).toEqual(['review', 'review'])
    for (const i of first.interruptions) {
      if ((i.rawItem as { callId: string }).callId === 'r2') first.state.approve(i)
      else first.state.reject(i)
    }
    await run(agent, first.state)
    expect(ran).toEqual(['delete /srv/old'])
    const approved = sink.records.find(r => r.decision === 'allow')
    expect(approved).toMatchObject({ tool: 'delete_file', resolvedBy: 'agents-sdk', channel: 'agents-sdk', args: { path: '/srv/old' } })
    expect(approved!.approvalId).toBe(sink.records.find(r => r.decision === 'review' && (r.args as { path: string }).path === '/srv/old')!.approvalId)
  })
})
