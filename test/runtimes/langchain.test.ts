/**
 * LangChain.js `createAgent` driven offline by LangChain's own `FakeToolCallingModel`: the vetoc
 * middleware allows, denies with a ToolMessage the model reads, pauses a review with `interrupt()`
 * until it is resumed (approved, denied or edited), decides parallel calls each once, and denies
 * malformed arguments, each with a record.
 */
import { describe, expect, it } from 'vitest'
import { Command, MemorySaver } from '@langchain/langgraph'
import { createAgent, FakeToolCallingModel, tool, type ToolMessage } from 'langchain'
import { z } from 'zod'
import { vetocMiddleware } from '../../src/adapters/langchain.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import { shipped } from '../support/policies.js'

async function setup(toolCalls: { id: string; name: string; args: Record<string, unknown> }[][]) {
  const policy = await shipped('gemini-safety')
  const sink = createMemorySink()
  const ran: string[] = []
  const tools = [
    tool(async ({ to }: { to: string }) => { ran.push(`email ${to}`); return `sent to ${to}` }, { name: 'send_email', description: 'Send an email', schema: z.object({ to: z.string(), subject: z.string(), body: z.string() }) }),
    tool(async ({ path }: { path: string }) => { ran.push(`delete ${path}`); return `deleted ${path}` }, { name: 'delete_file', description: 'Delete a file', schema: z.object({ path: z.string() }) }),
  ]
  const agent = createAgent({
    model: new FakeToolCallingModel({ toolCalls: [...toolCalls, []] }),
    tools,
    middleware: [vetocMiddleware(createGuard(policy, { sink }))],
    checkpointer: new MemorySaver(),
  })
  return { agent, sink, ran }
}

const toolMessages = (state: { messages: unknown[] }): Record<string, string> =>
  Object.fromEntries((state.messages as ToolMessage[]).filter(m => m.getType?.() === 'tool').map(m => [m.tool_call_id, String(m.content)]))

describe('LangChain.js: vetocMiddleware', () => {
  it('allow runs, deny answers with the reason, parallel calls are each decided once', async () => {
    const { agent, sink, ran } = await setup([[
      { id: 'a', name: 'send_email', args: { to: 'ana@approved.example.com', subject: 's', body: 'b' } },
      { id: 'b', name: 'send_email', args: { to: 'eve@evil.invalid', subject: 's', body: 'b' } },
      { id: 'c', name: 'delete_file', args: { path: '/tmp/x' } },
    ]])
    const out = await agent.invoke({ messages: [{ role: 'user', content: 'go' }] }, { configurable: { thread_id: 't1' } })
    expect(ran.sort()).toEqual(['delete /tmp/x', 'email ana@approved.example.com'])
    const replies = toolMessages(out)
    expect(replies['b']).toBe('Tool call blocked by policy: Email recipients must be on approved.example.com')
    expect(replies['a']).toBe('sent to ana@approved.example.com')
    expect(sink.records.map(r => [r.tool, r.decision]).sort()).toEqual([['delete_file', 'allow'], ['send_email', 'allow'], ['send_email', 'deny']])
  })

  it('a review pauses the graph; resumed approved it runs, recorded as approved; resumed denied it does not', async () => {
    const { agent, sink, ran } = await setup([[{ id: 'r', name: 'delete_file', args: { path: '/srv/old' } }]])
    const config = { configurable: { thread_id: 't2' } }
    const paused = await agent.invoke({ messages: [{ role: 'user', content: 'clean' }] }, config)
    const interrupts = (paused as { __interrupt__?: { value: { type: string; approvalId: string; tool: string } }[] }).__interrupt__ ?? []
    expect(interrupts.map(i => [i.value.type, i.value.tool])).toEqual([['vetoc.review', 'delete_file']])
    expect(ran).toEqual([])
    await agent.invoke(new Command({ resume: { approved: true, by: 'ana' } }), config)
    expect(ran).toEqual(['delete /srv/old'])
    expect(sink.records.map(r => [r.decision, r.resolvedBy, r.channel])).toEqual([['review', undefined, undefined], ['allow', 'ana', 'langchain']])
    expect(sink.records[1]!.approvalId).toBe(interrupts[0]!.value.approvalId)

    const second = await setup([[{ id: 'r', name: 'delete_file', args: { path: '/srv/keep' } }]])
    const c2 = { configurable: { thread_id: 't3' } }
    await second.agent.invoke({ messages: [{ role: 'user', content: 'clean' }] }, c2)
    const done = await second.agent.invoke(new Command({ resume: { approved: false, by: 'bo' } }), c2)
    expect(second.ran).toEqual([])
    expect(toolMessages(done)['r']).toContain('denied by bo')
    expect(second.sink.records.at(-1)).toMatchObject({ decision: 'deny', resolvedBy: 'bo', channel: 'langchain' })
  })

  it('an edited call is evaluated again: the policy denying it wins; malformed arguments are denied and recorded', async () => {
    const { agent, sink, ran } = await setup([[{ id: 'e', name: 'send_email', args: { to: 'ana@approved.example.com', subject: 's', body: 'b' } }, { id: 'r', name: 'delete_file', args: { path: '/srv/a' } }]])
    const config = { configurable: { thread_id: 't4' } }
    await agent.invoke({ messages: [{ role: 'user', content: 'x' }] }, config)
    await agent.invoke(new Command({ resume: { approved: true, by: 'ana', args: { path: 42 } } }), config)
    expect(ran).toEqual(['email ana@approved.example.com'])
    expect(sink.records.at(-1)).toMatchObject({ tool: 'delete_file', decision: 'deny', editedArgs: { path: 42 } })

    const bad = await setup([[{ id: 'm', name: 'delete_file', args: 'not an object' as never }]])
    const out = await bad.agent.invoke({ messages: [{ role: 'user', content: 'x' }] }, { configurable: { thread_id: 't5' } })
    expect(bad.ran).toEqual([])
    expect(toolMessages(out)['m']).toMatch(/^Tool call blocked by policy: malformed arguments/)
    expect(bad.sink.records.map(r => r.decision)).toEqual(['deny'])
  })
})
