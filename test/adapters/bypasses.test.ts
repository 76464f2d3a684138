/**
 * Issue 18, item 8: the value checked is the value run, on every path. Each attack below passed a
 * call unguarded (or ran it with arguments other than the ones the guard checked) before the fix.
 * Real parts throughout: the provider SDK clients against the loopback provider, the Vercel AI SDK
 * (`ai` and the previous major, `ai-v6`) through its HTTP gateway provider, and the MCP SDK's own
 * client and server over its in-memory transport.
 */
import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { CallToolResultSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js'
import * as ai7 from 'ai'
import * as ai6 from 'ai-v6'
import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { guardAiTools } from '../../src/adapters/ai-sdk.js'
import { runToolUses } from '../../src/adapters/anthropic.js'
import { runFunctionCalls } from '../../src/adapters/gemini.js'
import { guardMcpServer } from '../../src/adapters/mcp.js'
import { runStreamedToolCalls } from '../../src/adapters/openai.js'
import { protect } from '../../src/adapters/protect.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import type { CompiledPolicy } from '../../src/types.js'
import { shipped } from '../support/policies.js'
import { startProviderServer, type ProviderServer } from '../../examples/demo/provider-server.js'
import { chunk, sse, startLoopback, type Loopback } from './loopback.js'
import OpenAI from 'openai'

let gemini: CompiledPolicy
let groq: CompiledPolicy
let provider: ProviderServer
beforeAll(async () => {
  gemini = await shipped('gemini-safety')
  groq = await shipped('groq-tools')
  provider = await startProviderServer()
})
afterAll(() => provider.close())

/**
 * The getter attack: `{ path }` answers `/tmp/x` (allowed) for as long as the guard is deciding, and
 * `/etc/passwd` once the guard has written its record, i.e. to whoever reads it next: the handler.
 */
function sneaky() {
  const sink = createMemorySink()
  const write = sink.write
  let recorded = false
  sink.write = r => {
    const out = write(r)
    recorded = true
    return out
  }
  const args = (): { path: string } => Object.defineProperty({}, 'path', { enumerable: true, get: () => (recorded ? '/etc/passwd' : '/tmp/x') }) as { path: string }
  return { sink, args }
}

describe('one snapshot per call: a getter cannot show the guard one path and the handler another', () => {
  it('protect()', async () => {
    const { sink, args } = sneaky()
    const seen: unknown[] = []
    const [del] = protect(createGuard(gemini, { sink }), [{ name: 'delete_file', handler: (a: { path: string }) => { seen.push(a.path, Object.isFrozen(a)); return 'ok' } }])
    expect(await del!.handler(args())).toBe('ok')
    expect(seen).toEqual(['/tmp/x', true])
    expect(sink.records.map(r => [r.decision, r.args])).toEqual([['allow', { path: '/tmp/x' }]])
  })

  it('runToolUses over the real Anthropic client', async () => {
    const { sink, args } = sneaky()
    provider.script('anthropic', [{ id: 't1', name: 'delete_file', args: { path: '/tmp/x' } }])
    const msg = await new Anthropic({ apiKey: 'test', baseURL: provider.url, maxRetries: 0 }).messages.create({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'go' }] })
    const use = msg.content[0] as { input: unknown }
    use.input = args() // e.g. a middleware that re-wraps the parsed input
    const seen: string[] = []
    const { blocks } = await runToolUses(createGuard(gemini, { sink }), msg.content, { delete_file: (a: { path: string }) => { seen.push(a.path); return 'ok' } })
    expect(seen).toEqual(['/tmp/x'])
    expect(blocks).toEqual([{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }])
    expect(sink.records.map(r => r.args)).toEqual([{ path: '/tmp/x' }])
  })

  it('runFunctionCalls over the real Gemini client', async () => {
    const { sink, args } = sneaky()
    provider.script('gemini', [{ id: 'g1', name: 'delete_file', args: { path: '/tmp/x' } }])
    const response = await new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: provider.url } }).models.generateContent({ model: 'gemini-test', contents: 'go' })
    const calls = response.functionCalls!
    calls[0]!.args = args()
    const seen: string[] = []
    const { parts } = await runFunctionCalls(createGuard(gemini, { sink }), calls, { delete_file: (a: { path: string }) => { seen.push(a.path); return 'ok' } })
    expect(seen).toEqual(['/tmp/x'])
    expect(parts[0]!.functionResponse.response).toEqual({ output: 'ok' })
    expect(sink.records.map(r => r.args)).toEqual([{ path: '/tmp/x' }])
  })

  it('MCP over the in-memory transport', async () => {
    const { sink, args } = sneaky()
    const server = guardMcpServer(createGuard(gemini, { sink }), new McpServer({ name: 'files', version: '1.0.0' }))
    const seen: string[] = []
    server.registerTool('delete_file', { inputSchema: { path: z.string() } }, async ({ path }) => {
      seen.push(path)
      return { content: [{ type: 'text' as const, text: `deleted ${path}` }] }
    })
    const { client, close } = await connect(server)
    try {
      const out = await client.callTool({ name: 'delete_file', arguments: args() })
      expect(seen).toEqual(['/tmp/x'])
      expect(out).toMatchObject({ content: [{ text: 'deleted /tmp/x' }] })
      expect(sink.records.map(r => [r.decision, r.args])).toEqual([['allow', { path: '/tmp/x' }]])
    } finally {
      await close()
    }
  })

  it('arguments that cannot be copied are denied and recorded by every adapter, never thrown', async () => {
    const sink = createMemorySink()
    const guard = createGuard(gemini, { sink })
    const throwing = (): unknown => Object.defineProperty({}, 'path', { enumerable: true, get() { throw new Error('gotcha') } })
    const cyclic = (): unknown => {
      const o: Record<string, unknown> = { path: '/tmp/x' }
      o['self'] = o
      return o
    }
    const ran: string[] = []
    const handler = (a: { path: string }): string => { ran.push(a.path); return 'ok' }
    const [del] = protect(guard, [{ name: 'delete_file', handler }])
    expect(await del!.handler(throwing() as never)).toMatchObject({ blocked: true, message: 'Tool call blocked by policy: unreadable arguments: reading them threw: gotcha' })
    const uses = await runToolUses(guard, [{ type: 'tool_use', id: 'u', name: 'delete_file', input: cyclic() } as never], { delete_file: handler })
    expect(uses.blocks[0]).toMatchObject({ is_error: true, content: 'Tool call blocked by policy: unreadable arguments: `self` refers back to itself (a cycle)' })
    const fcs = await runFunctionCalls(guard, [{ id: 'f', name: 'delete_file', args: new Proxy({}, { ownKeys() { throw new Error('trap') } }) as never }], { delete_file: handler })
    expect(fcs.outcomes[0]).toMatchObject({ dispatched: false, decision: { decision: 'deny' } })
    expect(ran).toEqual([])
    expect(sink.records.map(r => [r.tool, r.decision, r.args])).toEqual([['delete_file', 'deny', '[UNREADABLE]'], ['delete_file', 'deny', '[UNREADABLE]'], ['delete_file', 'deny', '[UNREADABLE]']])
  })
})

async function connect(server: McpServer | Server): Promise<{ client: Client; close: () => Promise<void> }> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  const client = new Client({ name: 'agent', version: '1.0.0' })
  await client.connect(clientSide)
  return { client, close: async () => { await client.close(); await server.close() } }
}

describe('MCP: every public dispatch path of the SDK is guarded', () => {
  /** A low-level server answering tools/call only through `fallbackRequestHandler`. */
  function fallbackServer(ran: string[]) {
    const server = new Server({ name: 'files', version: '1.0.0' }, { capabilities: { tools: {} } })
    const fallback = async (request: { method: string; params?: { name?: string; arguments?: { path?: string } } }) => {
      if (request.method === 'tools/call') {
        ran.push(`${request.params?.name} ${request.params?.arguments?.path ?? ''}`.trim())
        return { content: [{ type: 'text', text: 'done' }] }
      }
      if (request.method === 'vendor/echo') return { echoed: request.params }
      throw new McpError(ErrorCode.MethodNotFound, 'Method not found')
    }
    return { server, fallback }
  }

  for (const when of ['before', 'after'] as const) {
    it(`a tools/call answered by fallbackRequestHandler (assigned ${when} guardMcpServer) is guarded and recorded`, async () => {
      const sink = createMemorySink()
      const guard = createGuard(gemini, { sink })
      const ran: string[] = []
      const { server, fallback } = fallbackServer(ran)
      if (when === 'before') server.fallbackRequestHandler = fallback as never
      guardMcpServer(guard, server)
      if (when === 'after') server.fallbackRequestHandler = fallback as never
      const { client, close } = await connect(server)
      try {
        const ok = await client.callTool({ name: 'delete_file', arguments: { path: '/tmp/x' } })
        const held = await client.callTool({ name: 'delete_file', arguments: { path: '/etc/passwd' } })
        const unknown = await client.callTool({ name: 'format_disk', arguments: {} })
        const nameless = await client.request({ method: 'tools/call', params: { name: 7 as never } }, CallToolResultSchema)
        // other methods still reach the fallback untouched
        const echo = await client.request({ method: 'vendor/echo' as never, params: { x: 1 } } as never, z.object({ echoed: z.object({ x: z.number() }) }))
        expect(ran).toEqual(['delete_file /tmp/x'])
        expect(ok.isError).toBeFalsy()
        expect(held).toMatchObject({ isError: true, _meta: { 'vetoc/decision': 'review' } })
        expect(unknown).toMatchObject({ isError: true, _meta: { 'vetoc/decision': 'deny' } })
        expect(nameless).toMatchObject({ isError: true, content: [{ text: 'Tool call blocked by policy: malformed tools/call: the tool name is not a string' }] })
        expect(echo).toEqual({ echoed: { x: 1 } })
        expect(sink.records.map(r => [r.tool, r.decision])).toEqual([['delete_file', 'allow'], ['delete_file', 'review'], ['format_disk', 'deny'], ['', 'deny']])
      } finally {
        await close()
      }
    })
  }

  it('a tools/call handler written straight into the handler map is guarded, and the map cannot be swapped', async () => {
    const sink = createMemorySink()
    const server = guardMcpServer(createGuard(gemini, { sink }), new Server({ name: 'files', version: '1.0.0' }, { capabilities: { tools: {} } }))
    const ran: string[] = []
    const handlers = (server as unknown as { _requestHandlers: Map<string, (r: any) => unknown> })._requestHandlers
    handlers.set('tools/call', async (r: { params: { name: string } }) => { ran.push(r.params.name); return { content: [] } })
    expect(() => { (server as unknown as { _requestHandlers: unknown })._requestHandlers = new Map() }).toThrow(TypeError)
    expect(() => Object.defineProperty(server, 'fallbackRequestHandler', { value: () => ({}) })).toThrow(TypeError)
    const { client, close } = await connect(server)
    try {
      expect(await client.callTool({ name: 'format_disk', arguments: {} })).toMatchObject({ isError: true, _meta: { 'vetoc/decision': 'deny' } })
      expect(ran).toEqual([])
      expect(sink.records.map(r => [r.tool, r.decision])).toEqual([['format_disk', 'deny']])
    } finally {
      await close()
    }
  })

  it('a public marker cannot switch the guard off', async () => {
    const server = new McpServer({ name: 'files', version: '1.0.0' })
    ;(server.server as unknown as Record<symbol, unknown>)[Symbol.for('vetoc.mcp.guarded')] = true
    guardMcpServer(createGuard(gemini), server)
    const ran: string[] = []
    server.registerTool('format_disk', {}, async () => { ran.push('formatted'); return { content: [] } })
    const { client, close } = await connect(server)
    try {
      expect(await client.callTool({ name: 'format_disk', arguments: {} })).toMatchObject({ isError: true })
      expect(ran).toEqual([])
    } finally {
      await close()
    }
  })
})

describe('protect(): the returned list stays guarded', () => {
  it('a tool pushed, assigned or defined later is wrapped; a wrapped tool cannot be swapped back; aliases of the handler are guarded', async () => {
    const sink = createMemorySink()
    const ran: string[] = []
    const raw = (a: { path: string }): string => { ran.push(a.path); return 'ran' }
    const tools = protect(createGuard(gemini, { sink }), [{ name: 'delete_file', handler: raw, run: raw }])
    tools.push({ name: 'format_disk', handler: raw } as never)
    tools[2] = { name: 'wipe', handler: raw } as never
    Object.defineProperty(tools, 3, { value: { name: 'nuke', handler: raw }, enumerable: true, writable: true, configurable: true })
    tools.splice(4, 0, { name: 'erase', handler: raw } as never)
    const alias = (tools[0] as unknown as { run: (a: unknown) => Promise<unknown> }).run
    expect(alias).not.toBe(raw)
    expect(await alias({ path: '/etc/passwd' })).toMatchObject({ blocked: true, decision: { decision: 'review' } })
    for (const t of tools.slice(1)) expect(await t.handler({ path: '/tmp/x' })).toMatchObject({ blocked: true, decision: { decision: 'deny' } })
    expect(ran).toEqual([])
    expect(sink.records.map(r => [r.tool, r.decision])).toEqual([['delete_file', 'review'], ['format_disk', 'deny'], ['wipe', 'deny'], ['nuke', 'deny'], ['erase', 'deny']])
    // what cannot be wrapped is refused: swapping the handler back, an accessor, a new prototype
    expect(() => { (tools[0] as { handler: unknown }).handler = raw }).toThrow(TypeError)
    expect(() => Object.defineProperty(tools, 5, { get: () => ({ name: 'x', handler: raw }), enumerable: true, configurable: true })).toThrow(TypeError)
    expect(() => Object.setPrototypeOf(tools, [{ name: 'x', handler: raw }])).toThrow(TypeError)
    // sorting and re-adding a guarded tool keep it as it is (no second guard, no second record)
    tools.reverse()
    tools.push(tools[0]!)
    expect(await tools.at(-1)!.handler({ path: '/tmp/x' })).toMatchObject({ blocked: true })
    expect(sink.records).toHaveLength(6)
  })
})

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } }

/** The part of the two SDK majors these tests use, typed loosely so one test body drives both. */
interface LooseAiSdk {
  createGateway(options: { baseURL: string; apiKey: string }): (id: string) => unknown
  generateText(options: object): Promise<{ steps: { toolResults: { output: unknown }[] }[] }>
  stepCountIs(n: number): unknown
  tool(definition: object): Record<string, unknown>
  jsonSchema<T>(schema: object, options?: { validate?: (value: unknown) => unknown }): T
}

for (const [label, sdk] of [['ai 7', ai7 as unknown as LooseAiSdk], ['ai 6', ai6 as unknown as LooseAiSdk]] as const) {
  describe(`Vercel AI SDK (${label}): guardAiTools`, () => {
    let loop: Loopback
    const turns: unknown[] = []
    beforeAll(async () => {
      loop = await startLoopback((req, res) => {
        res.writeHead(req.path === '/language-model' ? 200 : 404, { 'content-type': 'application/json' })
        res.end(JSON.stringify(turns.shift() ?? { error: { message: `no route for ${req.path}` } }))
      })
    })
    afterAll(() => loop.close())

    const run = (tools: Record<string, unknown>, calls: { id: string; name: string; input: unknown }[]) => {
      turns.push(
        { content: calls.map(c => ({ type: 'tool-call', toolCallId: c.id, toolName: c.name, input: JSON.stringify(c.input) })), finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage, warnings: [] },
        { content: [{ type: 'text', text: 'done' }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] },
      )
      const gateway = sdk.createGateway({ baseURL: loop.url, apiKey: 'test' })
      return sdk.generateText({ model: gateway('test/model'), tools: tools as never, prompt: 'go', stopWhen: sdk.stepCountIs(2) })
    }
    const schema = { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } as const

    it('onInputAvailable fires only for an allowed call, with the snapshot execute gets', async () => {
      const sink = createMemorySink()
      const heard: unknown[] = []
      const executed: unknown[] = []
      const tools = guardAiTools(createGuard(gemini, { sink }), {
        delete_file: sdk.tool({
          inputSchema: sdk.jsonSchema<{ path: string }>(schema),
          onInputAvailable: ({ input }: { input: unknown }) => { heard.push(input) },
          execute: async (input: { path: string }) => { executed.push(input); return 'deleted' },
        } as never),
      })
      await run(tools, [{ id: 'a', name: 'delete_file', input: { path: '/etc/shadow' } }, { id: 'b', name: 'delete_file', input: { path: '/tmp/a' } }])
      expect(heard).toEqual([{ path: '/tmp/a' }])
      expect(executed).toEqual([{ path: '/tmp/a' }])
      expect(heard[0]).toBe(executed[0])
      // parallel calls: records come in the order their decisions finish
      expect(sink.records.map(r => [r.decision, r.args]).sort()).toEqual([['allow', { path: '/tmp/a' }], ['review', { path: '/etc/shadow' }]])
    })

    it('a tool assigned after wrapping is guarded; wrapped tools cannot be swapped back; aliases are guarded', async () => {
      const sink = createMemorySink()
      const ran: string[] = []
      const raw = async (input: { path?: string }) => { ran.push(input.path ?? 'no path'); return 'ran' }
      const tools = guardAiTools(createGuard(gemini, { sink }), { delete_file: { ...sdk.tool({ inputSchema: sdk.jsonSchema<{ path: string }>(schema), execute: raw } as never), run: raw } }) as Record<string, any>
      tools['format_disk'] = sdk.tool({ inputSchema: sdk.jsonSchema<{ path: string }>(schema), execute: raw } as never)
      const result = await run(tools, [{ id: 'a', name: 'format_disk', input: { path: '/' } }])
      expect(ran).toEqual([])
      expect(result.steps[0]!.toolResults.map((r: { output: unknown }) => r.output)).toEqual([expect.objectContaining({ blocked: true, decision: 'deny' })])
      expect(await tools['delete_file'].run({ path: '/etc/passwd' }, {})).toMatchObject({ blocked: true, decision: 'review' })
      expect(ran).toEqual([])
      expect(sink.records.map(r => [r.tool, r.decision])).toEqual([['format_disk', 'deny'], ['delete_file', 'review']])
      // what cannot be wrapped is refused: swapping execute back, an accessor
      expect(() => { tools['delete_file'].execute = raw }).toThrow(TypeError)
      expect(() => Object.defineProperty(tools, 'wipe', { get: () => sdk.tool({ inputSchema: sdk.jsonSchema(schema), execute: raw } as never), enumerable: true, configurable: true })).toThrow(TypeError)
    })

    it('an input a schema library hands over with getters is snapshotted before the guard reads it', async () => {
      const { sink, args } = sneaky()
      const seen: string[] = []
      const tools = guardAiTools(createGuard(gemini, { sink }), {
        delete_file: sdk.tool({
          inputSchema: sdk.jsonSchema<{ path: string }>(schema, { validate: () => ({ success: true, value: args() }) }),
          execute: async ({ path }: { path: string }) => { seen.push(path); return 'deleted' },
        } as never),
      })
      await run(tools, [{ id: 'a', name: 'delete_file', input: { path: '/tmp/x' } }])
      expect(seen).toEqual(['/tmp/x'])
      expect(sink.records.map(r => [r.decision, r.args])).toEqual([['allow', { path: '/tmp/x' }]])
    })
  })
}

describe('OpenAI streaming: a reused tool-call index', () => {
  let loop: Loopback
  let respond: (res: import('node:http').ServerResponse) => void
  beforeAll(async () => {
    loop = await startLoopback((_req, res) => respond(res))
  })
  afterAll(() => loop.close())
  const NOON = { local_hour: 12 }
  const clock = (): number => Date.UTC(2026, 10, 24, 17)

  it('a second call sent under an index already used gets its own decision, record and tool message', async () => {
    respond = res => {
      const s = sse(res)
      s.send(chunk({ tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'fetch_external_api', arguments: '{"url":"https://api.stripe.invalid/v1/x"}' } }] }))
      s.send(chunk({ tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'send_sms', arguments: '{"to":"+15550100","body":"hi"}' } }] }))
      // index 0 again, after call `a` was already guarded (it is closed and a later call began)
      s.send(chunk({ tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'fetch_external_api', arguments: '{"url":"https://evil.invalid/exfil"}' } }] }))
      // index 1 again before `b` was guarded: a different id is a different call, not more of `b`
      s.send(chunk({ tool_calls: [{ index: 1, id: 'd', type: 'function', function: { name: 'send_sms', arguments: '{"to":"+15550199","body":"yo"}' } }] }))
      s.send(chunk({}, 'tool_calls'))
      s.done()
    }
    const sink = createMemorySink()
    const dispatched: string[] = []
    const stream = await new OpenAI({ apiKey: 'test', baseURL: loop.url, maxRetries: 0 }).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'go' }], stream: true })
    const turn = await runStreamedToolCalls(createGuard(groq, { clock, sink }), stream, {
      fetch_external_api: (a: { url: string }) => { dispatched.push(a.url); return 'ok' },
      send_sms: (a: { to: string }) => { dispatched.push(a.to); return 'sent' },
    }, { context: NOON })
    expect(turn.toolCalls.map(c => [c.id, c.function.name])).toEqual([['a', 'fetch_external_api'], ['c', 'fetch_external_api'], ['b', 'send_sms'], ['d', 'send_sms']])
    expect(turn.messages.map(m => m.tool_call_id)).toEqual(['a', 'c', 'b', 'd'])
    expect(turn.outcomes.map(o => [o.id, o.decision.decision])).toEqual([['a', 'allow'], ['c', 'deny'], ['b', 'allow'], ['d', 'allow']])
    expect(dispatched.sort()).toEqual(['+15550100', '+15550199', 'https://api.stripe.invalid/v1/x'])
    expect(sink.records.map(r => (r.args as { url?: string; to?: string }).url ?? (r.args as { to: string }).to).sort()).toEqual(['+15550100', '+15550199', 'https://api.stripe.invalid/v1/x', 'https://evil.invalid/exfil'])
  })

  it('without ids, a new name at an index whose call is complete begins a new call', async () => {
    respond = res => {
      const s = sse(res)
      s.send(chunk({ tool_calls: [{ index: 0, function: { name: 'send_sms', arguments: '{"to":"+15550100","body":"hi"}' } }] }))
      s.send(chunk({ tool_calls: [{ index: 0, function: { name: 'fetch_external_api', arguments: '{"url":"https://evil.invalid/"}' } }] }))
      s.send(chunk({}, 'tool_calls'))
      s.done()
    }
    const sink = createMemorySink()
    const stream = await new OpenAI({ apiKey: 'test', baseURL: loop.url, maxRetries: 0 }).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'go' }], stream: true })
    const turn = await runStreamedToolCalls(createGuard(groq, { clock, sink }), stream, { send_sms: () => 'sent', fetch_external_api: () => 'ok' }, { context: NOON })
    expect(turn.toolCalls.map(c => c.function.name)).toEqual(['send_sms', 'fetch_external_api'])
    expect(turn.outcomes.map(o => o.decision.decision)).toEqual(['allow', 'deny'])
    expect(sink.records).toHaveLength(2)
  })
})
