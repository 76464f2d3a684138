/**
 * Every way a tool call can go wrong ends in a decision and a record, never in an unhandled
 * rejection: malformed arguments, unknown tools, throwing handlers, throwing sinks (and a user's
 * `onError` that throws too), across the adapters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runToolUses } from '../../src/adapters/anthropic.js'
import { runFunctionCalls } from '../../src/adapters/gemini.js'
import { runStreamedToolCalls, runToolCalls, type ChatCompletionChunkLike } from '../../src/adapters/openai.js'
import { protect } from '../../src/adapters/protect.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink, verifyLog, type RecordSink } from '../../src/records/index.js'
import type { CompiledPolicy } from '../../src/types.js'
import { shipped } from '../support/policies.js'

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
let groq: CompiledPolicy
let gemini: CompiledPolicy
const clock = (): number => Date.UTC(2026, 10, 24, 17)
const NOON = { local_hour: 12 }

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled)
  groq = await shipped('groq-tools')
  gemini = await shipped('gemini-safety')
})
afterAll(() => {
  process.off('unhandledRejection', onUnhandled)
})

const circular = (): unknown => {
  const o: Record<string, unknown> = {}
  o['self'] = o
  return o
}
const handlers = {
  send_sms: (a: { to: string; body?: string }) => {
    if (a.to === '+1sync') throw new Error('carrier down')
    if (a.to === '+1async') return Promise.reject(new Error('carrier timeout'))
    if (a.to === '+1circular') return circular()
    if (a.to === '+1nonerror') throw 'a string, not an Error' // eslint-disable-line no-throw-literal -- exercising hostile handlers
    return 'sent'
  },
}
const CALLS = [
  { id: 'malformed', type: 'function', function: { name: 'send_sms', arguments: '{"to": "+1", "body": ' } },
  { id: 'not-object', type: 'function', function: { name: 'send_sms', arguments: '[1, 2]' } },
  { id: 'unknown', type: 'function', function: { name: 'launch_rockets', arguments: '{}' } },
  { id: 'throws', type: 'function', function: { name: 'send_sms', arguments: '{"to":"+1sync","body":"b"}' } },
  { id: 'rejects', type: 'function', function: { name: 'send_sms', arguments: '{"to":"+1async","body":"b"}' } },
  { id: 'circular', type: 'function', function: { name: 'send_sms', arguments: '{"to":"+1circular","body":"b"}' } },
  { id: 'non-error', type: 'function', function: { name: 'send_sms', arguments: '{"to":"+1nonerror","body":"b"}' } },
  { id: 'no-function', type: 'function' },
] as const

describe('failures end in decisions and records', () => {
  it('OpenAI-compatible batch: malformed and non-object arguments, unknown tools, throwing and rejecting handlers', async () => {
    const sink = createMemorySink()
    const guard = createGuard(groq, { sink, clock })
    const { outcomes, messages } = await runToolCalls(guard, CALLS as never, handlers, { context: NOON })
    expect(outcomes.map(o => [o.id, o.decision.decision, o.dispatched, o.error ?? null])).toEqual([
      ['malformed', 'deny', false, null],
      ['not-object', 'deny', false, null],
      ['unknown', 'deny', false, null],
      ['throws', 'allow', true, 'carrier down'],
      ['rejects', 'allow', true, 'carrier timeout'],
      ['circular', 'allow', true, null],
      ['non-error', 'allow', true, 'a string, not an Error'],
      ['no-function', 'deny', false, null],
    ])
    expect(messages.map(m => m.content)).toEqual([
      expect.stringMatching(/^Tool call blocked by policy: malformed arguments: not valid JSON/),
      'Tool call blocked by policy: malformed arguments: not a JSON object',
      'Tool call blocked by policy: the tool is not governed by policy `groq-tools`; unknown tools get deny',
      'Tool error: carrier down',
      'Tool error: carrier timeout',
      '[object Object]',
      'Tool error: a string, not an Error',
      expect.stringMatching(/^Tool call blocked by policy: /),
    ])
    expect(sink.records).toHaveLength(CALLS.length)
    expect(sink.records.map(r => r.tool).sort()).toEqual(['', 'launch_rockets', ...Array(6).fill('send_sms')])
    expect(verifyLog(sink.records.map(r => JSON.stringify(r)).join('\n'))).toMatchObject({ ok: true, count: CALLS.length })
  })

  it('malformed arguments are recorded raw with secrets redacted, or not at all when the policy names redact paths', async () => {
    const sink = createMemorySink()
    const guard = createGuard(groq, { sink, clock })
    const { outcomes } = await runToolCalls(guard, [
      { id: 'a', function: { name: 'send_sms', arguments: '{"to": "+1", "body": "key sk-proj-0123456789abcdefghijKLMN' } },
      { id: 'b', function: { name: 'fetch_external_api', arguments: '{"url": "https://api.stripe.invalid/", "api_key": "plain-words' } },
    ], handlers, { context: NOON })
    expect(outcomes.map(o => o.decision.decision)).toEqual(['deny', 'deny'])
    expect(sink.records.map(r => r.args)).toEqual(['{"to": "+1", "body": "key [REDACTED]', '[REDACTED]'])
    // nothing of the key reaches the record or the model (the parser's message, which may quote part of the input, is redacted too)
    expect(JSON.stringify(sink.records)).not.toContain('sk-proj-0123456789abcdefghijKLMN')
    expect(JSON.stringify(outcomes)).not.toContain('sk-proj-0123456789abcdefghijKLMN')
  })

  it('streamed, Anthropic, Gemini and protect() paths', async () => {
    const sink = createMemorySink()
    // one guard per adapter (the policy caps one SMS per recipient per hour), all on one sink
    const fresh = () => createGuard(groq, { sink, clock })
    let guard = fresh()
    async function* stream(): AsyncGenerator<ChatCompletionChunkLike> {
      yield { choices: [{ delta: { tool_calls: [{ index: 0, id: 's1', function: { name: 'send_sms', arguments: '{"to":' } }] } }] }
      yield { choices: [{ delta: { tool_calls: [{ index: 1, id: 's2', function: { name: 'nope', arguments: '{}' } }] } }] }
      yield { choices: [{ delta: { tool_calls: [{ index: 2, id: 's3', function: { name: 'send_sms', arguments: '{"to":"+1sync","body":"b"}' } }] }, finish_reason: 'tool_calls' }] }
    }
    const streamed = await runStreamedToolCalls(guard, stream(), handlers, { context: NOON })
    expect(streamed.outcomes.map(o => [o.decision.decision, o.error ?? null])).toEqual([['deny', null], ['deny', null], ['allow', 'carrier down']])
    guard = fresh()
    const uses: { type: string }[] = [{ type: 'tool_use', id: 'a1', name: 'send_sms', input: { to: '+1async', body: 'b' } }, { type: 'tool_use', id: 'a2', name: 'rm', input: {} }] as { type: string; id: string; name: string; input: unknown }[]
    const anthropic = await runToolUses(guard, uses, handlers, { context: NOON })
    expect(anthropic.blocks.map(b => [b.is_error, b.content])).toEqual([[true, 'Tool error: carrier timeout'], [true, expect.stringMatching(/unknown tools get deny$/)]])
    guard = fresh()
    const gem = await runFunctionCalls(guard, [{ id: 'g1', name: 'send_sms', args: { to: '+1sync', body: 'b' } }, { name: 'rm' }], handlers, { context: NOON })
    expect(gem.parts.map(p => p.functionResponse.response)).toEqual([{ error: 'carrier down' }, expect.objectContaining({ decision: 'deny' })])
    guard = fresh()
    const [sms] = protect(guard, [{ name: 'send_sms', handler: handlers.send_sms }], { context: NOON })
    expect(await sms!.handler('{"to": ')).toMatchObject({ blocked: true })
    expect(await sms!.handler({ to: '+1async', body: 'b' })).toMatchObject({ blocked: false, error: 'carrier timeout' })
    expect(sink.records).toHaveLength(3 + 2 + 2 + 2)
    expect(verifyLog(sink.records.map(r => JSON.stringify(r)).join('\n'))).toMatchObject({ ok: true, count: 9 })
  })

  it('a sink that throws never costs a decision: the error goes to onError and the next records still chain', async () => {
    const inner = createMemorySink()
    let writes = 0
    const flaky: RecordSink = {
      write(r) {
        if (++writes % 2 === 1) throw new Error(`disk full (write ${writes})`)
        return inner.write(r)
      },
      flush: () => Promise.reject(new Error('flush failed')),
      close: () => Promise.reject(new Error('close failed')),
    }
    const errors: string[] = []
    const guard = createGuard(groq, { sink: flaky, clock, onError: e => void errors.push(e.message) })
    const { outcomes } = await runToolCalls(guard, CALLS.slice(0, 4) as never, handlers, { context: NOON })
    expect(outcomes.map(o => o.decision.decision)).toEqual(['deny', 'deny', 'deny', 'allow'])
    expect(inner.records).toHaveLength(2)
    expect(errors.filter(e => e.startsWith('decision record not written: disk full'))).toHaveLength(2)
    await guard.flush()
    await guard.close()
    expect(errors.slice(-2)).toEqual(['decision log flush failed: flush failed', 'close failed: close failed'])
    expect(verifyLog(inner.records.map(r => JSON.stringify(r)).join('\n'))).toMatchObject({ ok: true, count: 2 })
  })

  it('even when the application\'s own onError throws, the guard decides and the adapters answer every call', async () => {
    const guard = createGuard(gemini, { sink: { write() { throw new Error('disk full') }, flush: async () => {} }, onError: () => { throw new Error('logger crashed') } })
    const { outcomes } = await runToolCalls(guard, [
      { id: 'a', function: { name: 'delete_file', arguments: '{"path":"/tmp/a"}' } },
      { id: 'b', function: { name: 'delete_file', arguments: '{"path":' } },
    ], { delete_file: () => 'deleted' })
    // the record failure was reported to onError, whose own failure cannot change the decision
    expect(outcomes.map(o => [o.decision.decision, o.dispatched])).toEqual([['allow', true], ['deny', false]])
    expect(outcomes[1]!.decision.reason).toMatch(/^malformed arguments: not valid JSON/)
    await expect(guard('delete_file', { path: '/etc/x' })).resolves.toMatchObject({ decision: 'review' })
  })

  it('saw no unhandled rejection', async () => {
    await new Promise(r => setTimeout(r, 50))
    expect(unhandled).toEqual([])
  })
})
