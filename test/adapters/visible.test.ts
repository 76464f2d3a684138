/**
 * SPEC 4.2 visible tools at run time: `guard.visibleTools(context)`, the `onlyVisibleTools` option
 * of the adapters that build tool lists, `visibleToolList` for lists the application sends itself,
 * and MCP `tools/list` filtered per caller (the real MCP client over Streamable HTTP). A hidden tool
 * called anyway is still guarded and denied. Also: records show the canonical arguments.
 */
import { randomUUID } from 'node:crypto'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { guardAiTools } from '../../src/adapters/ai-sdk.js'
import { visibleToolList } from '../../src/adapters/common.js'
import { protectGemini } from '../../src/adapters/gemini.js'
import { guardMcpServer } from '../../src/adapters/mcp.js'
import { protect } from '../../src/adapters/protect.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import { compileModule } from '../support/compiled.js'
import { startLoopback } from './loopback.js'

const POLICY = `unknown_tools: allow
tools:
  read_file:
    parameters: { type: object, properties: { path: { type: string } }, required: [path] }
    normalize: { path: path }
  drop_table:
    parameters: { type: object, properties: { table: { type: string } }, required: [table] }
  wire_money:
    parameters: { type: object, properties: { amount: { type: number } }, required: [amount] }
context:
  role: string
params:
  payments_enabled: { type: boolean, default: false }
rules:
  - id: admins-drop-tables
    tool: drop_table
    when: "context.role !== 'admin'"
    action: deny
  - id: payments-off
    tool: wire_money
    when: "!params.payments_enabled"
    action: deny
  - id: no-etc
    tool: read_file
    when: "args.path.startsWith('/etc/')"
    action: deny
`

async function setup(params?: Record<string, unknown>) {
  const { module } = await compileModule(POLICY, 'visible.policy.yaml')
  const sink = createMemorySink()
  return { guard: createGuard(module, { sink, ...(params ? { params } : {}) }), sink, module }
}

describe('guard.visibleTools', () => {
  it('lists the tools some call could be allowed for, under the context and the guard params', async () => {
    const { guard } = await setup()
    expect(guard.visibleTools()).toEqual(['read_file'])
    expect(guard.visibleTools({ role: 'admin' })).toEqual(['read_file', 'drop_table'])
    const paying = (await setup({ payments_enabled: true })).guard
    expect(paying.visibleTools({ role: 'admin' })).toEqual(['read_file', 'drop_table', 'wire_money'])
    // hostile contexts end in a list, never an exception
    expect(guard.visibleTools('nonsense')).toEqual(['read_file'])
    // a throwing getter fails the static rule of `drop_table`: fail mode closed hides it
    expect(guard.visibleTools(Object.defineProperty({}, 'role', { enumerable: true, get() { throw new Error('boom') } }))).toEqual(['read_file'])
  })

  it('still denies a call to a hidden tool', async () => {
    const { guard } = await setup()
    expect(guard.visibleTools({ role: 'intern' })).not.toContain('drop_table')
    expect(await guard('drop_table', { table: 'users' }, { role: 'intern' })).toMatchObject({ decision: 'deny', rule: 'admins-drop-tables' })
  })

  it('records the canonical arguments rules read', async () => {
    const { guard, sink } = await setup()
    expect(await guard('read_file', { path: '/tmp/../etc/shadow' })).toMatchObject({ decision: 'deny', rule: 'no-etc' })
    expect(sink.records.at(-1)!.args).toEqual({ path: '/etc/shadow' })
  })
})

describe('adapters with onlyVisibleTools', () => {
  const handler = () => 'ok'
  it('protect, protectGemini and guardAiTools leave hidden tools out of the list', async () => {
    const { guard } = await setup()
    const tools = [{ name: 'read_file', handler }, { name: 'drop_table', handler }, { name: 'wire_money', handler }, { name: 'ungoverned', handler }]
    expect(protect(guard, tools, { onlyVisibleTools: true }).map(t => t.name)).toEqual(['read_file', 'ungoverned'])
    expect(protect(guard, tools, { onlyVisibleTools: true, context: { role: 'admin' } }).map(t => t.name)).toEqual(['read_file', 'drop_table', 'ungoverned'])
    expect(protect(guard, tools).map(t => t.name)).toHaveLength(4)
    const gemini = protectGemini(guard, tools, { onlyVisibleTools: true })
    expect(gemini.tools[0]!.functionDeclarations.map(d => d.name)).toEqual(['read_file', 'ungoverned'])
    // the handlers of hidden tools are still guarded
    expect((await gemini.handle([{ name: 'drop_table', args: { table: 'x' } }])).outcomes[0]!.decision.decision).toBe('deny')
    const ai = guardAiTools(guard, { read_file: { execute: handler }, drop_table: { execute: handler } }, { onlyVisibleTools: true })
    expect(Object.keys(ai)).toEqual(['read_file'])
  })

  it('visibleToolList filters the lists an application sends to OpenAI-compatible and Anthropic APIs', async () => {
    const { guard } = await setup()
    const openai = [{ type: 'function', function: { name: 'read_file' } }, { type: 'function', function: { name: 'drop_table' } }]
    expect(visibleToolList(guard, openai)).toEqual([openai[0]])
    const anthropic = [{ name: 'drop_table', input_schema: {} }, { name: 'wire_money', input_schema: {} }, { name: 'read_file', input_schema: {} }]
    expect(visibleToolList(guard, anthropic, { role: 'admin' }).map(t => t.name)).toEqual(['drop_table', 'read_file'])
    expect(visibleToolList(guard, [null, 5, { type: 'x' }])).toEqual([null, 5, { type: 'x' }])
  })
})

describe('MCP tools/list per caller', () => {
  it('each caller sees the tools its context allows; a hidden tool called anyway is denied', async () => {
    const { guard, sink } = await setup()
    const server = new McpServer({ name: 'db', version: '1.0.0' })
    const ran: string[] = []
    for (const name of ['read_file', 'drop_table', 'wire_money']) {
      server.registerTool(name, { description: name, inputSchema: { path: z.string().optional(), table: z.string().optional(), amount: z.number().optional() } }, async () => {
        ran.push(name)
        return { content: [{ type: 'text' as const, text: 'done' }] }
      })
    }
    guardMcpServer(guard, server, { onlyVisibleTools: true, callerContext: extra => ({ role: (extra as { requestInfo?: { headers?: Record<string, unknown> } }).requestInfo?.headers?.['x-role'] }) })
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() })
    await server.connect(transport)
    const http = await startLoopback((_req, res, raw) => transport.handleRequest(raw, res), { raw: true })
    const client = new Client({ name: 'agent', version: '1.0.0' })
    let role = 'intern'
    await client.connect(new StreamableHTTPClientTransport(new URL(`${http.url}/mcp`), { fetch: (url, init) => fetch(url, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers).entries()), 'x-role': role } }) }))
    try {
      expect((await client.listTools()).tools.map(t => t.name)).toEqual(['read_file'])
      role = 'admin'
      expect((await client.listTools()).tools.map(t => t.name)).toEqual(['read_file', 'drop_table'])
      role = 'intern'
      const hidden = await client.callTool({ name: 'drop_table', arguments: { table: 'users' } })
      expect(hidden).toMatchObject({ isError: true, _meta: { 'vetoc/decision': 'deny', 'vetoc/rule': 'admins-drop-tables' } })
      expect(ran).toEqual([])
      expect(sink.records.at(-1)).toMatchObject({ tool: 'drop_table', decision: 'deny', context: { role: 'intern' } })
    } finally {
      await client.close()
      await server.close()
      await http.close()
    }
  })
})
