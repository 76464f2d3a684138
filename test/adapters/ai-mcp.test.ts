/**
 * The Vercel AI SDK wrapper, driven by the SDK's own `generateText` loop (ai 7 and ai 6, the two
 * majors the peer range accepts) through its built-in HTTP
 * provider (the AI Gateway protocol, played by a loopback server); the MCP wrapper, driven by the real
 * MCP client over Streamable HTTP on a loopback port; and `protect()` for plain tool lists.
 */
import { randomUUID } from 'node:crypto'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js'
import * as ai7 from 'ai'
import * as ai6 from 'ai-v6'
import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { guardAiTools, rejectInvalidAiToolCalls } from '../../src/adapters/ai-sdk.js'
import { guardMcpServer } from '../../src/adapters/mcp.js'
import { protect } from '../../src/adapters/protect.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import type { CompiledPolicy } from '../../src/types.js'
import { shipped } from '../support/policies.js'
import { startLoopback, type Loopback } from './loopback.js'
import { installedVersion } from './versions.js'

const ai7Version = (): string => installedVersion('ai')
const ai6Version = (): string => installedVersion('ai-v6')

let geminiSafety: CompiledPolicy
beforeAll(async () => {
  geminiSafety = await shipped('gemini-safety')
})

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } }

/** The parts of the `ai` module these tests use, the same in both majors. */
type AiModule = Pick<typeof ai7, 'createGateway' | 'generateText' | 'jsonSchema' | 'stepCountIs' | 'tool'>
const AI_MAJORS: [string, AiModule, string][] = [
  [`ai ${ai7Version()}`, ai7, 'repairToolCall'],
  [`ai ${ai6Version()}`, ai6 as unknown as AiModule, 'experimental_repairToolCall'],
]

for (const [label, { createGateway, generateText, jsonSchema, stepCountIs, tool }, repairOption] of AI_MAJORS) describe(`Vercel AI SDK (${label})`, () => {
  let loop: Loopback
  const turns: unknown[] = []
  beforeAll(async () => {
    // the AI Gateway's language-model endpoint: one scripted LanguageModelV3 result per request
    loop = await startLoopback((req, res) => {
      res.writeHead(req.path === '/language-model' ? 200 : 404, { 'content-type': 'application/json' })
      res.end(JSON.stringify(turns.shift() ?? { error: { message: `no route for ${req.path}` } }))
    })
  })
  afterAll(() => loop.close())

  it('generateText over HTTP runs only the allowed executions; blocked, unknown and malformed calls are recorded', async () => {
    const deleted: string[] = []
    const sink = createMemorySink()
    const guard = createGuard(geminiSafety, { sink })
    const tools = guardAiTools(guard, {
      delete_file: tool({ description: 'Delete a file', inputSchema: jsonSchema<{ path: string }>({ type: 'object', properties: { path: { type: 'string' } }, required: ['path'] }), execute: async ({ path }) => { deleted.push(path); return 'deleted' } }),
    })
    turns.push({
      content: [
        { type: 'tool-call', toolCallId: 'a', toolName: 'delete_file', input: JSON.stringify({ path: '/tmp/a' }) },
        { type: 'tool-call', toolCallId: 'b', toolName: 'delete_file', input: JSON.stringify({ path: '/etc/shadow' }) },
        { type: 'tool-call', toolCallId: 'c', toolName: 'format_disk', input: '{}' },
        { type: 'tool-call', toolCallId: 'd', toolName: 'delete_file', input: '{"path": "/tmp/b", "token": "ghp_0123456789abcdefghijABCDEFGHIJ' },
      ],
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      usage,
      warnings: [],
    }, { content: [{ type: 'text', text: 'done' }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] })
    const gateway = createGateway({ baseURL: loop.url, apiKey: 'test' })
    const result = await generateText({ model: gateway('test/model'), tools, prompt: 'clean up', stopWhen: stepCountIs(2), [repairOption]: rejectInvalidAiToolCalls(guard) } as Parameters<typeof generateText>[0])
    expect(result.text).toBe('done')
    expect(deleted).toEqual(['/tmp/a'])
    const outputs = Object.fromEntries(result.steps[0]!.toolResults.map(r => [r.toolCallId, r.output]))
    expect(outputs['a']).toBe('deleted')
    expect(outputs['b']).toMatchObject({ blocked: true, decision: 'review', approvalId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
    expect(sink.records.map(r => [r.tool, r.decision, r.reason?.replace(/ \(.*$/, '')])).toEqual([
      ['format_disk', 'deny', 'no such tool: `format_disk`'],
      ['delete_file', 'deny', 'malformed arguments: not valid JSON'],
      ['delete_file', 'allow', expect.anything()],
      ['delete_file', 'review', 'Deleting files outside /tmp/ requires human approval'],
    ])
    expect(JSON.stringify(sink.records)).not.toContain('ghp_0123456789abcdefghijABCDEFGHIJ')
    // the second request carried the blocked result back to the model
    const prompt = loop.requests.at(-1)!.body.prompt as { role: string; content: { type: string; toolCallId?: string; output?: { value?: unknown } }[] }[]
    const results = prompt.filter(m => m.role === 'tool').flatMap(m => m.content)
    expect(results.find(p => p.toolCallId === 'b')!.output!.value).toMatchObject({ blocked: true, decision: 'review', reason: expect.stringMatching(/^Tool call needs human approval \(approval id /) })
  })
  it('the guard context is the context the SDK hands the tool (toolsContext in ai 7, experimental_context in ai 6)', async () => {
    const sink = createMemorySink()
    const guard = createGuard(geminiSafety, { sink })
    const tools = guardAiTools(guard, {
      delete_file: tool({ description: 'Delete a file', inputSchema: jsonSchema<{ path: string }>({ type: 'object', properties: { path: { type: 'string' } }, required: ['path'] }), execute: async () => 'deleted' }),
    })
    turns.push({ content: [{ type: 'tool-call', toolCallId: 'a', toolName: 'delete_file', input: JSON.stringify({ path: '/tmp/a' }) }], finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage, warnings: [] })
    const context = { user: 'ana' }
    const contextOption = repairOption === 'repairToolCall' ? { toolsContext: { delete_file: context } } : { experimental_context: context }
    await generateText({ model: createGateway({ baseURL: loop.url, apiKey: 'test' })('test/model'), tools, prompt: 'x', stopWhen: stepCountIs(1), ...contextOption } as Parameters<typeof generateText>[0])
    expect(sink.records.map(r => [r.tool, r.decision, r.context])).toEqual([['delete_file', 'allow', context]])
  })
})

describe('MCP server over Streamable HTTP', () => {
  it('every tools/call is guarded before its handler, however and whenever the tool was registered', async () => {
    const sink = createMemorySink()
    const guard = createGuard(geminiSafety, { sink })
    const server = new McpServer({ name: 'files', version: '1.0.0' })
    const ran: string[] = []
    // registered before the server is guarded
    server.registerTool('send_email', { description: 'Send', inputSchema: { to: z.string(), subject: z.string(), body: z.string() } }, async ({ to }) => {
      ran.push(`email ${to}`)
      return { content: [{ type: 'text' as const, text: 'sent' }] }
    })
    guardMcpServer(guard, server)
    // the deprecated `tool()` form, then its callback replaced through `update()`
    const del = server.tool('delete_file', { path: z.string() }, async ({ path }) => ({ content: [{ type: 'text' as const, text: `old ${path}` }] }))
    del.update({
      callback: async (args: Record<string, unknown>) => {
        ran.push(`delete ${String(args['path'])}`)
        return { content: [{ type: 'text' as const, text: `deleted ${String(args['path'])}` }] }
      },
    })

    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() })
    await server.connect(transport)
    const http = await startLoopback((_req, res, raw) => transport.handleRequest(raw, res), { raw: true })
    const client = new Client({ name: 'agent', version: '1.0.0' })
    await client.connect(new StreamableHTTPClientTransport(new URL(`${http.url}/mcp`)))
    try {
      const ok = await client.callTool({ name: 'delete_file', arguments: { path: '/tmp/x' } })
      const held = await client.callTool({ name: 'delete_file', arguments: { path: '/home/ana/thesis.tex' } })
      const denied = await client.callTool({ name: 'send_email', arguments: { to: 'eve@evil.invalid', subject: 's', body: 'b' } })
      await client.callTool({ name: 'send_email', arguments: { to: 'bo@approved.example.com', subject: 's', body: 'b' } })
      const unknown = await client.callTool({ name: 'format_disk', arguments: {} })
      const malformed = await client.request({ method: 'tools/call', params: { name: 'delete_file', arguments: 'rm -rf /' as never } }, CallToolResultSchema)
      expect(ran).toEqual(['delete /tmp/x', 'email bo@approved.example.com'])
      expect(ok).toMatchObject({ content: [{ type: 'text', text: 'deleted /tmp/x' }] })
      expect(ok.isError).toBeFalsy()
      expect(held.isError).toBe(true)
      const approvalId = (held._meta as Record<string, unknown>)['vetoc/approvalId']
      expect(approvalId).toMatch(/^[0-9a-f-]{36}$/)
      expect((held.content as { text: string }[])[0]!.text).toBe(`Tool call needs human approval (approval id ${approvalId}): Deleting files outside /tmp/ requires human approval`)
      expect(denied).toMatchObject({ isError: true, _meta: { 'vetoc/decision': 'deny', 'vetoc/rule': 'email-approved-domain-only' } })
      expect(unknown).toMatchObject({ isError: true, content: [{ text: 'Tool call blocked by policy: the tool is not governed by policy `gemini-safety`; unknown tools get deny' }] })
      expect(malformed).toMatchObject({ isError: true, content: [{ text: 'Tool call blocked by policy: malformed arguments: not a JSON object' }] })
      expect(sink.records.map(r => [r.tool, r.decision])).toEqual([
        ['delete_file', 'allow'], ['delete_file', 'review'], ['send_email', 'deny'], ['send_email', 'allow'], ['format_disk', 'deny'], ['delete_file', 'deny'],
      ])
    } finally {
      await client.close()
      await server.close()
      await http.close()
    }
  })

  it('refuses an object it cannot guard instead of leaving it unguarded', () => {
    const guard = createGuard(geminiSafety)
    expect(() => guardMcpServer(guard, {})).toThrow('guardMcpServer needs an McpServer or a Server from @modelcontextprotocol/sdk')
    expect(() => guardMcpServer(guard, { setRequestHandler() {} })).toThrow(/unsupported @modelcontextprotocol\/sdk version/)
  })
})

describe('protect(tools)', () => {
  it('wraps plain tool definitions: blocked, malformed and failing calls resolve to outcomes and leave records', async () => {
    const sink = createMemorySink()
    const guard = createGuard(geminiSafety, { sink })
    const sent: string[] = []
    const [email, del] = protect(guard, [
      { name: 'send_email', description: 'Send', parameters: {}, handler: (a: { to: string; subject: string; body: string }) => { sent.push(a.to); return 'ok' } },
      { name: 'delete_file', description: 'Delete', parameters: {}, handler: (_a: { path: string }): string => { throw new Error('read-only file system') } },
    ])
    expect(await email!.handler({ to: 'ana@approved.example.com', subject: 's', body: 'b' })).toBe('ok')
    expect(await email!.handler('{"to":"ben@approved.example.com","subject":"s","body":"b"}')).toBe('ok')
    expect(await email!.handler({ to: 'x@evil.invalid', subject: 's', body: 'b' })).toEqual({ blocked: true, decision: expect.objectContaining({ decision: 'deny', rule: 'email-approved-domain-only' }), message: 'Tool call blocked by policy: Email recipients must be on approved.example.com' })
    expect(await email!.handler('{"to": ')).toMatchObject({ blocked: true, decision: { decision: 'deny', reason: expect.stringMatching(/^malformed arguments: not valid JSON/) } })
    expect(await del!.handler({ path: '/tmp/a' })).toEqual({ blocked: false, decision: expect.objectContaining({ decision: 'allow' }), error: 'read-only file system', message: 'Tool error: read-only file system' })
    expect(sent).toEqual(['ana@approved.example.com', 'ben@approved.example.com'])
    expect(sink.records.map(r => r.decision)).toEqual(['allow', 'allow', 'deny', 'deny', 'allow'])
  })
})
