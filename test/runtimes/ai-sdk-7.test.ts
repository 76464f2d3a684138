/**
 * Vercel AI SDK 7's `toolApproval` option with vetoc deciding, driven by the SDK's own
 * `MockLanguageModelV4`: allow runs, deny is a denied output with the reason, review is the SDK's
 * approval request, parallel calls are each decided once.
 */
import { describe, expect, it } from 'vitest'
import { generateText, jsonSchema, tool } from 'ai'
import { MockLanguageModelV4 } from 'ai/test'
import { vetocToolApproval } from '../../src/adapters/ai-sdk-approval.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import { shipped } from '../support/policies.js'

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } }

function model(calls: { id: string; name: string; input: string }[]) {
  return new MockLanguageModelV4({
    doGenerate: [
      { content: calls.map(c => ({ type: 'tool-call' as const, toolCallId: c.id, toolName: c.name, input: c.input })), finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage, warnings: [] },
      { content: [{ type: 'text' as const, text: 'done' }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] },
    ] as never,
  })
}

describe('Vercel AI SDK 7: toolApproval', () => {
  it('allow runs, deny answers with the reason, review asks for the SDK\'s approval; parallel calls are each decided once', async () => {
    const policy = await shipped('gemini-safety')
    const sink = createMemorySink()
    const ran: string[] = []
    const tools = {
      send_email: tool({ inputSchema: jsonSchema<{ to: string; subject: string; body: string }>({ type: 'object', properties: { to: { type: 'string' }, subject: { type: 'string' }, body: { type: 'string' } }, required: ['to', 'subject', 'body'] }), execute: async ({ to }) => { ran.push(`email ${to}`); return `sent to ${to}` } }),
      delete_file: tool({ inputSchema: jsonSchema<{ path: string }>({ type: 'object', properties: { path: { type: 'string' } } }), execute: async ({ path }) => { ran.push(`delete ${path}`); return `deleted ${path}` } }),
    }
    const result = await generateText({
      model: model([
        { id: 'a', name: 'send_email', input: JSON.stringify({ to: 'ana@approved.example.com', subject: 's', body: 'b' }) },
        { id: 'b', name: 'send_email', input: JSON.stringify({ to: 'eve@evil.invalid', subject: 's', body: 'b' }) },
        { id: 'c', name: 'delete_file', input: JSON.stringify({ path: '/srv/a' }) },
      ]),
      tools,
      toolApproval: vetocToolApproval(createGuard(policy, { sink })),
      prompt: 'go',
    })
    expect(ran).toEqual(['email ana@approved.example.com'])
    const parts = result.steps.flatMap(s => s.content) as { type: string; toolCallId?: string; reason?: string; toolCall?: { toolCallId: string } }[]
    expect(JSON.stringify(parts)).toContain('Email recipients must be on approved.example.com')
    expect(parts.some(p => p.type === 'tool-approval-request' && p.toolCall?.toolCallId === 'c')).toBe(true)
    expect(sink.records.map(r => [r.tool, r.decision]).sort()).toEqual([['delete_file', 'review'], ['send_email', 'allow'], ['send_email', 'deny']])
  })
})
