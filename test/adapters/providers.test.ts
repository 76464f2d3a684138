/**
 * The adapters driven by the real provider SDK clients (`openai`, `groq-sdk`, `@google/genai`,
 * `@anthropic-ai/sdk`) against local HTTP servers that play the provider: the demo's scripted
 * provider for whole turns, and a bare loopback server where a test shapes the stream bytes itself.
 */
import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import Groq from 'groq-sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGuard } from '../../src/guard.js'
import { runToolUses } from '../../src/adapters/anthropic.js'
import { protectGemini } from '../../src/adapters/gemini.js'
import { runStreamedToolCalls, runToolCalls } from '../../src/adapters/openai.js'
import { createMemorySink, verifyLog } from '../../src/records/index.js'
import type { CompiledPolicy } from '../../src/types.js'
import { shipped } from '../support/policies.js'
import { startProviderServer, type ProviderServer } from '../../examples/demo/provider-server.js'
import { barrier, chunk, sse, startLoopback, type Loopback } from './loopback.js'

let server: ProviderServer
let groqTools: CompiledPolicy
let geminiSafety: CompiledPolicy
const NOON = { local_hour: 12 }
/** noon in New York, inside the shipped SMS hours */
const clock = (): number => Date.UTC(2026, 10, 24, 17)

beforeAll(async () => {
  server = await startProviderServer()
  groqTools = await shipped('groq-tools')
  geminiSafety = await shipped('gemini-safety')
})
afterAll(() => server.close())

function recorder(rendezvous?: () => Promise<void>) {
  const dispatched: string[] = []
  const handlers = {
    fetch_external_api: async (a: { url: string }) => {
      await rendezvous?.()
      dispatched.push(`fetch ${a.url}`)
      return { status: 200 }
    },
    send_sms: async (a: { to: string }) => {
      await rendezvous?.()
      dispatched.push(`sms ${a.to}`)
      return 'sent'
    },
  }
  return { dispatched, handlers }
}

const BATCH = [
  { id: 'c1', name: 'fetch_external_api', args: { url: 'https://api.stripe.invalid/v1/charges' } },
  { id: 'c2', name: 'fetch_external_api', args: { url: 'https://evil.invalid/exfil' } },
  { id: 'c3', name: 'send_sms', args: { to: '+15550100', body: 'hi' } },
  { id: 'c4', name: 'fetch_external_api', args: { url: 'https://api.twilio.invalid/x', api_key: 'sk-live-abcdefghijkl' } },
  { id: 'c5', name: 'drop_database', args: {} },
  { id: 'c6', name: 'send_sms', args: null, rawArgs: '{"to": "+1555", "body": ' },
]

const CLIENTS = [
  ['openai', (url: string) => new OpenAI({ apiKey: 'test', baseURL: `${url}/v1`, maxRetries: 0 })],
  ['groq-sdk', (url: string) => new Groq({ apiKey: 'test', baseURL: url, maxRetries: 0 }) as unknown as OpenAI],
] as const

describe('OpenAI-compatible chat completions', () => {
  for (const [label, makeClient] of CLIENTS) {
    it(`${label}: a parallel batch with mixed outcomes dispatches exactly the allowed calls, concurrently`, async () => {
      const client = makeClient(server.url)
      const sink = createMemorySink()
      const guard = createGuard(groqTools, { sink, clock })
      server.script('openai', BATCH)
      const completion = await client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'go' }] })
      // both allowed handlers wait for each other: a sequential dispatcher would time out here
      const { dispatched, handlers } = recorder(barrier(2))
      const { messages, outcomes } = await runToolCalls(guard, completion.choices[0]!.message.tool_calls, handlers, { context: NOON })
      expect(dispatched.sort()).toEqual(['fetch https://api.stripe.invalid/v1/charges', 'sms +15550100'])
      expect(outcomes.map(o => [o.id, o.decision.decision, o.decision.rule ?? null, o.dispatched])).toEqual([
        ['c1', 'allow', null, true],
        ['c2', 'deny', 'api_domain_allowlist', false],
        ['c3', 'allow', null, true],
        ['c4', 'deny', 'no_model_supplied_api_keys', false],
        ['c5', 'deny', null, false],
        ['c6', 'deny', null, false],
      ])
      expect(messages.map(m => m.tool_call_id)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6'])
      expect(messages[0]).toEqual({ role: 'tool', tool_call_id: 'c1', content: '{"status":200}' })
      expect(messages[1]!.content).toBe('Tool call blocked by policy: External API host not in allowlist')
      expect(messages[4]!.content).toBe('Tool call blocked by policy: the tool is not governed by policy `groq-tools`; unknown tools get deny')
      expect(messages[5]!.content).toMatch(/^Tool call blocked by policy: malformed arguments: not valid JSON/)
      // every proposed call left a record, the key is redacted, and the chain verifies
      expect(sink.records.map(r => r.tool).sort()).toEqual(BATCH.map(b => b.name).sort())
      expect(sink.records.find(r => r.tool === 'send_sms' && r.decision === 'deny')).toMatchObject({ args: '{"to": "+1555", "body": ' })
      expect(JSON.stringify(sink.records)).not.toContain('sk-live-abcdefghijkl')
      expect(verifyLog(sink.records.map(r => JSON.stringify(r)).join('\n'))).toMatchObject({ ok: true, count: 6 })
    })

    it(`${label}: the tool messages go back through the SDK with a configurable blocked message`, async () => {
      const client = makeClient(server.url)
      const guard = createGuard(groqTools, { clock })
      server.script('openai', BATCH.slice(0, 2))
      server.script('openai', [])
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'go' }]
      const first = await client.chat.completions.create({ model: 'llama', messages })
      const assistant = first.choices[0]!.message
      const { handlers } = recorder()
      const { messages: replies } = await runToolCalls(guard, assistant.tool_calls, handlers, { context: NOON, blockedMessage: (d, tool) => `NO ${tool}: ${d.rule}` })
      const second = await client.chat.completions.create({ model: 'llama', messages: [...messages, assistant, ...replies] })
      expect(second.choices[0]!.message.content).toBe('Nothing to do.')
      const sent = server.requests.at(-1)!.body.messages
      expect(sent.slice(2)).toEqual([
        { role: 'tool', tool_call_id: 'c1', content: '{"status":200}' },
        { role: 'tool', tool_call_id: 'c2', content: 'NO fetch_external_api: api_domain_allowlist' },
      ])
    })
  }
})

describe('OpenAI-compatible streaming', () => {
  let loop: Loopback
  let respond: (res: import('node:http').ServerResponse) => Promise<void> | void
  beforeAll(async () => {
    loop = await startLoopback((_req, res) => respond(res))
  })
  afterAll(() => loop.close())

  for (const [label, makeClient] of CLIENTS) {
    it(`${label}: sequential deltas are assembled, each call guarded once`, async () => {
      const client = makeClient(server.url)
      const sink = createMemorySink()
      const guard = createGuard(groqTools, { clock, sink })
      server.script('openai', BATCH.slice(0, 3))
      const stream = await client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'go' }], stream: true })
      const { dispatched, handlers } = recorder()
      const turn = await runStreamedToolCalls(guard, stream, handlers, { context: NOON })
      expect(turn.toolCalls.map(c => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual(BATCH.slice(0, 3).map(b => [b.id, b.name, b.args]))
      expect(turn.outcomes.map(o => o.decision.decision)).toEqual(['allow', 'deny', 'allow'])
      expect(dispatched.sort()).toEqual(['fetch https://api.stripe.invalid/v1/charges', 'sms +15550100'])
      expect(sink.records.map(r => r.args)).toEqual(BATCH.slice(0, 3).map(b => b.args))
    })

    it(`${label}: interleaved deltas of a parallel batch are guarded with their complete arguments`, async () => {
      respond = res => {
        const s = sse(res)
        s.send(chunk({ role: 'assistant', content: '' }))
        s.send(chunk({ tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'fetch_external_api', arguments: '' } }] }))
        s.send(chunk({ tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'send_sms', arguments: '' } }] }))
        s.send(chunk({ tool_calls: [{ index: 2, id: 'c', type: 'function', function: { name: 'fetch_external_api', arguments: '{"url":' } }] }))
        s.send(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"url":"https://api.str' } }] }))
        s.send(chunk({ tool_calls: [{ index: 1, function: { arguments: '{"to":"+1555' } }] }))
        s.send(chunk({ tool_calls: [{ index: 2, function: { arguments: '"https://evil.invalid/"}' } }] }))
        s.send(chunk({ tool_calls: [{ index: 0, function: { arguments: 'ipe.invalid/v1/x"}' } }] }))
        s.send(chunk({ tool_calls: [{ index: 1, function: { arguments: '0100","body":"hi"}' } }] }))
        s.send(chunk({}, 'tool_calls'))
        s.done()
      }
      const sink = createMemorySink()
      const guard = createGuard(groqTools, { clock, sink })
      const stream = await makeClient(loop.url).chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'go' }], stream: true })
      const { dispatched, handlers } = recorder(barrier(2))
      const turn = await runStreamedToolCalls(guard, stream, handlers, { context: NOON })
      expect(turn.outcomes.map(o => [o.id, o.decision.decision, o.decision.rule ?? null])).toEqual([['a', 'allow', null], ['b', 'allow', null], ['c', 'deny', 'api_domain_allowlist']])
      expect(dispatched.sort()).toEqual(['fetch https://api.stripe.invalid/v1/x', 'sms +15550100'])
      // one record per call, each with the complete arguments (records land in guard-completion order)
      expect(sink.records.map(r => JSON.stringify([r.tool, r.args])).sort()).toEqual([
        ['fetch_external_api', { url: 'https://api.stripe.invalid/v1/x' }],
        ['fetch_external_api', { url: 'https://evil.invalid/' }],
        ['send_sms', { to: '+15550100', body: 'hi' }],
      ].map(x => JSON.stringify(x)))
      expect(turn.messages.map(m => m.tool_call_id)).toEqual(['a', 'b', 'c'])
    })

    it(`${label}: a complete call is dispatched while the stream is still running`, async () => {
      const events: string[] = []
      let firstRan!: () => void
      const ran = new Promise<void>(resolve => (firstRan = resolve))
      respond = async res => {
        const s = sse(res)
        s.send(chunk({ tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'send_sms', arguments: '{"to":"+15550100","body":"hi"}' } }] }))
        s.send(chunk({ tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'send_sms', arguments: '' } }] }))
        // hold the rest of the stream until the first call has run (or give up after 3 s)
        await Promise.race([ran, new Promise(resolve => setTimeout(resolve, 3000))])
        events.push('rest of stream sent')
        s.send(chunk({ tool_calls: [{ index: 1, function: { arguments: '{"to":"+15550199","body":"yo"}' } }] }))
        s.send(chunk({}, 'tool_calls'))
        s.done()
      }
      const guard = createGuard(groqTools, { clock })
      const stream = await makeClient(loop.url).chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'go' }], stream: true })
      const turn = await runStreamedToolCalls(guard, stream, { send_sms: (a: { to: string }) => { events.push(`sms ${a.to}`); if (a.to === '+15550100') firstRan(); return 'ok' } }, { context: NOON })
      expect(events).toEqual(['sms +15550100', 'rest of stream sent', 'sms +15550199'])
      expect(turn.outcomes.map(o => o.dispatched)).toEqual([true, true])
    })

    it(`${label}: a stream that breaks off rejects only after the calls already started have finished`, async () => {
      respond = res => {
        const s = sse(res)
        s.send(chunk({ tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'send_sms', arguments: '{"to":"+15550100","body":"hi"}' } }] }))
        s.send(chunk({ tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'send_sms', arguments: '{"to":' } }] }))
        setTimeout(() => res.destroy(), 20)
      }
      const sink = createMemorySink()
      const guard = createGuard(groqTools, { clock, sink })
      const stream = await makeClient(loop.url).chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'go' }], stream: true })
      const sent: string[] = []
      const err = await runStreamedToolCalls(guard, stream, { send_sms: async (a: { to: string }) => { await new Promise(r => setTimeout(r, 50)); sent.push(a.to); return 'ok' } }, { context: NOON }).then(() => undefined, (e: unknown) => e)
      expect(err).toBeInstanceOf(Error)
      expect(sent).toEqual(['+15550100'])
      expect(sink.records.map(r => [r.tool, r.decision])).toEqual([['send_sms', 'allow']])
    })
  }
})

describe('Gemini functionCall → functionResponse', () => {
  it('@google/genai: protectGemini declares the tools; denied and review calls are answered with the reason and approval id', async () => {
    const ai = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: server.url } })
    const sent: string[] = []
    const sink = createMemorySink()
    const guard = createGuard(geminiSafety, { sink })
    const { tools, handle } = protectGemini(guard, [
      { name: 'send_email', description: 'Send an email', parametersJsonSchema: { type: 'object' }, handler: (a: { to: string }) => { sent.push(a.to); return 'queued' } },
      { name: 'delete_file', description: 'Delete a file', parametersJsonSchema: { type: 'object' }, handler: () => 'deleted' },
    ])
    server.script('gemini', [
      { id: 'g1', name: 'send_email', args: { to: 'ana@approved.example.com', subject: 's', body: 'b' } },
      { id: 'g2', name: 'send_email', args: { to: 'eve@evil.invalid', subject: 's', body: 'b' } },
      { id: 'g3', name: 'delete_file', args: { path: '/etc/passwd' } },
      { id: 'g4', name: 'wire_money', args: { amount: 5 } },
    ])
    server.script('gemini', [])
    const contents: any[] = [{ role: 'user', parts: [{ text: 'go' }] }]
    const response = await ai.models.generateContent({ model: 'gemini-test', contents, config: { tools } })
    expect(server.requests.at(-1)!.body.tools).toEqual([{ functionDeclarations: [
      { name: 'send_email', description: 'Send an email', parametersJsonSchema: { type: 'object' } },
      { name: 'delete_file', description: 'Delete a file', parametersJsonSchema: { type: 'object' } },
    ] }])
    const { parts } = await handle(response.functionCalls)
    expect(sent).toEqual(['ana@approved.example.com'])
    expect(parts[0]).toEqual({ functionResponse: { id: 'g1', name: 'send_email', response: { output: 'queued' } } })
    expect(parts[1]!.functionResponse.response).toEqual({ decision: 'deny', error: 'Tool call blocked by policy: Email recipients must be on approved.example.com' })
    const review = parts[2]!.functionResponse.response
    expect(review).toMatchObject({ decision: 'review', approvalId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
    expect(review['error']).toBe(`Tool call needs human approval (approval id ${review['approvalId']}): Deleting files outside /tmp/ requires human approval`)
    expect(parts[3]!.functionResponse.response).toMatchObject({ decision: 'deny' })
    // parallel calls: records come in the order their decisions finish
    expect(sink.records.map(r => [r.tool, r.decision]).sort()).toEqual([['delete_file', 'review'], ['send_email', 'allow'], ['send_email', 'deny'], ['wire_money', 'deny']])
    // the next turn carries the responses back through the SDK
    contents.push(response.candidates![0]!.content, { role: 'user', parts })
    const next = await ai.models.generateContent({ model: 'gemini-test', contents, config: { tools } })
    expect(next.text).toBe('Nothing to do.')
    const last = server.requests.at(-1)!.body.contents.at(-1)
    expect(last.parts.map((p: any) => [p.functionResponse.id, p.functionResponse.response.decision ?? 'ran'])).toEqual([['g1', 'ran'], ['g2', 'deny'], ['g3', 'review'], ['g4', 'deny']])
    expect(last.parts[2].functionResponse.response.approvalId).toBe(review['approvalId'])
  })
})

describe('Anthropic tool_use → tool_result', () => {
  it('@anthropic-ai/sdk: blocked and failed calls become is_error results, sent back through the SDK', async () => {
    const client = new Anthropic({ apiKey: 'test', baseURL: server.url, maxRetries: 0 })
    const sink = createMemorySink()
    const guard = createGuard(geminiSafety, { sink })
    server.script('anthropic', [
      { id: 't1', name: 'delete_file', args: { path: '/tmp/x' } },
      { id: 't2', name: 'delete_file', args: { path: 7 } },
      { id: 't3', name: 'send_email', args: { to: 'bo@approved.example.com', subject: 's', body: 'b' } },
    ])
    server.script('anthropic', [])
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'go' }]
    const msg = await client.messages.create({ model: 'claude-test', max_tokens: 64, messages })
    const deleted: string[] = []
    const { blocks } = await runToolUses(guard, msg.content, {
      delete_file: (a: { path: string }) => { deleted.push(a.path); return 'ok' },
      send_email: () => { throw new Error('SMTP down') },
    })
    expect(deleted).toEqual(['/tmp/x'])
    expect(blocks).toEqual([
      { type: 'tool_result', tool_use_id: 't1', content: 'ok' },
      { type: 'tool_result', tool_use_id: 't2', content: 'Tool call blocked by policy: invalid arguments for `delete_file`: `path` must be string', is_error: true },
      { type: 'tool_result', tool_use_id: 't3', content: 'Tool error: SMTP down', is_error: true },
    ])
    expect(sink.records.map(r => r.decision)).toEqual(['allow', 'deny', 'allow'])
    const next = await client.messages.create({ model: 'claude-test', max_tokens: 64, messages: [...messages, { role: 'assistant', content: msg.content }, { role: 'user', content: blocks }] })
    expect(next.content).toEqual([{ type: 'text', text: 'Nothing to do.' }])
    expect(server.requests.at(-1)!.body.messages.at(-1).content).toEqual(blocks)
  })
})
