/**
 * The Vercel AI SDK wrapper, driven by the SDK's own `generateText` loop (the model is the SDK's
 * mock language model: the provider is the one thing outside this machine), and the MCP wrapper,
 * driven by the real MCP client over the SDK's in-memory transport.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { generateText, jsonSchema, tool } from 'ai'
import { MockLanguageModelV3 } from 'ai/test'
import { z } from 'zod'
import { beforeAll, describe, expect, it } from 'vitest'
import { guardAiTools } from '../../src/adapters/ai-sdk.js'
import { guardMcpServer } from '../../src/adapters/mcp.js'
import { protect } from '../../src/adapters/protect.js'
import { createGuard } from '../../src/guard.js'
import type { CompiledPolicy } from '../../src/types.js'
import { shipped } from '../support/policies.js'

let geminiSafety: CompiledPolicy
beforeAll(async () => {
  geminiSafety = await shipped('gemini-safety')
})

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } }

describe('Vercel AI SDK', () => {
  it('generateText runs only the allowed tool executions', async () => {
    const deleted: string[] = []
    const guard = createGuard(geminiSafety)
    const tools = guardAiTools(guard, {
      delete_file: tool({ description: 'Delete a file', inputSchema: jsonSchema<{ path: string }>({ type: 'object', properties: { path: { type: 'string' } }, required: ['path'] }), execute: async ({ path }) => { deleted.push(path); return 'deleted' } }),
    })
    const model = new MockLanguageModelV3({
      doGenerate: async () => ({
        content: [
          { type: 'tool-call', toolCallId: 'a', toolName: 'delete_file', input: JSON.stringify({ path: '/tmp/a' }) },
          { type: 'tool-call', toolCallId: 'b', toolName: 'delete_file', input: JSON.stringify({ path: '/etc/shadow' }) },
        ],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage,
        warnings: [],
      }),
    })
    const result = await generateText({ model, tools, prompt: 'clean up' })
    expect(deleted).toEqual(['/tmp/a'])
    const outputs = Object.fromEntries(result.toolResults.map(r => [r.toolCallId, r.output]))
    expect(outputs['a']).toBe('deleted')
    expect(outputs['b']).toMatchObject({ blocked: true, decision: 'review', approvalId: expect.any(String) })
  })
})

describe('MCP server', () => {
  it('every tools/call is guarded before its handler runs', async () => {
    const guard = createGuard(geminiSafety)
    const server = guardMcpServer(guard, new McpServer({ name: 'files', version: '1.0.0' }))
    const ran: string[] = []
    server.registerTool('delete_file', { description: 'Delete a file', inputSchema: { path: z.string() } }, async ({ path }: { path: string }) => {
      ran.push(path)
      return { content: [{ type: 'text' as const, text: `deleted ${path}` }] }
    })
    const [a, b] = InMemoryTransport.createLinkedPair()
    await server.connect(a)
    const client = new Client({ name: 'agent', version: '1.0.0' })
    await client.connect(b)
    const ok = await client.callTool({ name: 'delete_file', arguments: { path: '/tmp/x' } })
    const held = await client.callTool({ name: 'delete_file', arguments: { path: '/home/ana/thesis.tex' } })
    expect(ran).toEqual(['/tmp/x'])
    expect(ok.isError).toBeFalsy()
    expect(held.isError).toBe(true)
    expect((held.content as { text: string }[])[0]!.text).toMatch(/^Tool call needs human approval \(approval id [0-9a-f-]{36}\): Deleting files outside \/tmp\/ requires human approval$/)
    await client.close()
  })
})

describe('protect(tools)', () => {
  it('wraps plain tool definitions; a blocked call returns its decision instead of running', async () => {
    const guard = createGuard(geminiSafety)
    const sent: string[] = []
    const [email] = protect(guard, [{ name: 'send_email', description: 'Send', parameters: {}, handler: (a: { to: string; subject: string; body: string }) => { sent.push(a.to); return 'ok' } }])
    expect(await email!.handler({ to: 'ana@approved.example.com', subject: 's', body: 'b' })).toBe('ok')
    expect(await email!.handler({ to: 'x@evil.invalid', subject: 's', body: 'b' })).toMatchObject({ blocked: true, decision: { decision: 'deny', rule: 'email-approved-domain-only' } })
    expect(sent).toEqual(['ana@approved.example.com'])
  })
})
