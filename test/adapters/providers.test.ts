/**
 * The adapters driven by the real provider SDK clients, against a local server that plays the
 * provider over HTTP.
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

function recorder() {
  const dispatched: string[] = []
  const handlers = {
    fetch_external_api: async (a: { url: string }) => { dispatched.push(`fetch ${a.url}`); return { status: 200 } },
    send_sms: async (a: { to: string }) => { dispatched.push(`sms ${a.to}`); return 'sent' },
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

describe('OpenAI-compatible chat completions', () => {
  for (const [label, makeClient] of [
    ['openai', () => new OpenAI({ apiKey: 'test', baseURL: `${server.url}/v1`, maxRetries: 0 })],
    ['groq-sdk', () => new Groq({ apiKey: 'test', baseURL: server.url, maxRetries: 0 })],
  ] as const) {
    it(`${label}: a parallel batch with mixed outcomes dispatches exactly the allowed calls`, async () => {
      const client = makeClient() as OpenAI
      const sink = createMemorySink()
      const guard = createGuard(groqTools, { sink, clock })
      server.script('openai', BATCH)
      const completion = await client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'go' }], tools: [] as never })
      const { dispatched, handlers } = recorder()
      const { messages, outcomes } = await runToolCalls(guard, completion.choices[0]!.message.tool_calls as never, handlers, { context: NOON })
      expect(dispatched.sort()).toEqual(['fetch https://api.stripe.invalid/v1/charges', 'sms +15550100'])
      expect(outcomes.map(o => [o.id, o.decision.decision, o.decision.rule ?? null])).toEqual([
        ['c1', 'allow', null],
        ['c2', 'deny', 'api_domain_allowlist'],
        ['c3', 'allow', null],
        ['c4', 'deny', 'no_model_supplied_api_keys'],
        ['c5', 'deny', null],
        ['c6', 'deny', null],
      ])
      expect(messages.map(m => m.tool_call_id)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6'])
      expect(messages[0]).toEqual({ role: 'tool', tool_call_id: 'c1', content: '{"status":200}' })
      expect(messages[1]!.content).toBe('Tool call blocked by policy: External API host not in allowlist')
      expect(messages[5]!.content).toMatch(/^Tool call blocked by policy: malformed arguments: not valid JSON/)
      // every proposed call left a record, the key is redacted, and the chain verifies
      expect(sink.records.map(r => r.tool).sort()).toEqual(BATCH.map(b => b.name).sort())
      expect(JSON.stringify(sink.records)).not.toContain('sk-live-abcdefghijkl')
      expect(verifyLog(sink.records.map(r => JSON.stringify(r)).join('\n'))).toEqual({ ok: true, count: 6 })
    })
  }

  it('streamed tool-call deltas are assembled and each call guarded once complete', async () => {
    const client = new OpenAI({ apiKey: 'test', baseURL: `${server.url}/v1`, maxRetries: 0 })
    const guard = createGuard(groqTools, { clock })
    server.script('openai', BATCH.slice(0, 3))
    const stream = await client.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'go' }], stream: true })
    const { dispatched, handlers } = recorder()
    const turn = await runStreamedToolCalls(guard, stream, handlers, { context: NOON })
    expect(turn.toolCalls.map(c => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual(BATCH.slice(0, 3).map(b => [b.id, b.name, b.args]))
    expect(turn.outcomes.map(o => o.decision.decision)).toEqual(['allow', 'deny', 'allow'])
    expect(dispatched.sort()).toEqual(['fetch https://api.stripe.invalid/v1/charges', 'sms +15550100'])
  })

  it('a throwing handler and a throwing sink end in decisions, never a rejection', async () => {
    const errors: string[] = []
    const guard = createGuard(groqTools, { clock, sink: { write() { throw new Error('disk full') }, flush: async () => {} }, onError: e => void errors.push(e.message) })
    const out = await runToolCalls(guard, [{ id: 'x', type: 'function', function: { name: 'send_sms', arguments: '{"to":"+1","body":"b"}' } }], { send_sms: () => { throw new Error('carrier down') } }, { context: NOON })
    expect(out.outcomes[0]).toMatchObject({ dispatched: true, error: 'carrier down', decision: { decision: 'allow' } })
    expect(out.messages[0]!.content).toBe('Tool error: carrier down')
    expect(errors).toEqual(['decision record not written: disk full'])
  })
})

describe('Gemini functionCall → functionResponse', () => {
  it('@google/genai: denied and review calls are answered with the reason and approval id', async () => {
    const ai = new GoogleGenAI({ apiKey: 'test', httpOptions: { baseUrl: server.url } })
    const sent: string[] = []
    const guard = createGuard(geminiSafety)
    const { tools, handle } = protectGemini(guard, [
      { name: 'send_email', description: 'Send an email', parametersJsonSchema: { type: 'object' }, handler: (a: { to: string }) => { sent.push(a.to); return 'queued' } },
      { name: 'delete_file', description: 'Delete a file', parametersJsonSchema: { type: 'object' }, handler: () => 'deleted' },
    ])
    server.script('gemini', [
      { id: 'g1', name: 'send_email', args: { to: 'ana@approved.example.com', subject: 's', body: 'b' } },
      { id: 'g2', name: 'send_email', args: { to: 'eve@evil.invalid', subject: 's', body: 'b' } },
      { id: 'g3', name: 'delete_file', args: { path: '/etc/passwd' } },
    ])
    const response = await ai.models.generateContent({ model: 'gemini-test', contents: 'go', config: { tools: tools as never } })
    expect(server.requests.at(-1)!.body.tools[0].functionDeclarations.map((d: { name: string }) => d.name)).toEqual(['send_email', 'delete_file'])
    const { parts } = await handle(response.functionCalls)
    expect(sent).toEqual(['ana@approved.example.com'])
    expect(parts[0]).toEqual({ functionResponse: { id: 'g1', name: 'send_email', response: { output: 'queued' } } })
    expect(parts[1]!.functionResponse.response).toMatchObject({ decision: 'deny', error: 'Tool call blocked by policy: Email recipients must be on approved.example.com' })
    expect(parts[2]!.functionResponse.response).toMatchObject({ decision: 'review', approvalId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
  })
})

describe('Anthropic tool_use → tool_result', () => {
  it('@anthropic-ai/sdk: blocked calls become is_error results', async () => {
    const client = new Anthropic({ apiKey: 'test', baseURL: server.url, maxRetries: 0 })
    const guard = createGuard(geminiSafety)
    server.script('anthropic', [
      { id: 't1', name: 'delete_file', args: { path: '/tmp/x' } },
      { id: 't2', name: 'delete_file', args: { path: 7 } },
    ])
    const msg = await client.messages.create({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'go' }] })
    const deleted: string[] = []
    const { blocks } = await runToolUses(guard, msg.content, { delete_file: (a: { path: string }) => { deleted.push(a.path); return 'ok' } })
    expect(deleted).toEqual(['/tmp/x'])
    expect(blocks).toEqual([
      { type: 'tool_result', tool_use_id: 't1', content: 'ok' },
      { type: 'tool_result', tool_use_id: 't2', content: 'Tool call blocked by policy: invalid arguments for `delete_file`: `path` must be string', is_error: true },
    ])
  })
})
