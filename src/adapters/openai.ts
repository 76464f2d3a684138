/**
 * OpenAI-compatible chat completions (OpenAI, Groq, any compatible base URL): guard every entry of
 * `message.tool_calls`, dispatch the allowed ones in parallel, and build the `role: "tool"` messages
 * for the next turn. Also streamed responses: tool-call deltas are assembled and each call is guarded
 * once it is complete. No SDK code is imported: the shapes are structural.
 */
import type { Guard } from '../guard.js'
import { contentOf, guardAndRun, type AdapterOptions, type CallOutcome, type ToolHandler } from './common.js'

/** One entry of `message.tool_calls` (function calls; `custom` tool calls are guarded with `{ input }`). */
export interface OpenAIToolCall {
  id: string
  type?: 'function' | 'custom' | (string & {})
  function?: { name: string; arguments: string }
  custom?: { name: string; input: string }
}

export interface ToolMessage {
  role: 'tool'
  tool_call_id: string
  content: string
}

export interface ToolCallsResult {
  /** one per call, in the order of `tool_calls`: append them to the conversation */
  messages: ToolMessage[]
  /** one per call, in the same order */
  outcomes: CallOutcome[]
}

function finish(outcomes: CallOutcome[], options: AdapterOptions): ToolCallsResult {
  return { outcomes, messages: outcomes.map(o => ({ role: 'tool', tool_call_id: o.id ?? '', content: contentOf(o, options) })) }
}

function runOne(guard: Guard, c: OpenAIToolCall, handlers: Readonly<Record<string, ToolHandler>>, options: AdapterOptions): Promise<CallOutcome> {
  if (c.function === undefined && c.custom !== undefined) return guardAndRun(guard, c.custom.name ?? '', { input: c.custom.input }, handlers, options, c.id)
  return guardAndRun(guard, c.function?.name ?? '', c.function?.arguments ?? '', handlers, options, c.id)
}

/**
 * Guards and dispatches a batch of tool calls: every call is guarded, the allowed ones run in
 * parallel (`Promise.all`), and a denial or review short-circuits only its own call. Never rejects.
 */
export async function runToolCalls(guard: Guard, toolCalls: readonly OpenAIToolCall[] | null | undefined, handlers: Readonly<Record<string, ToolHandler>>, options: AdapterOptions = {}): Promise<ToolCallsResult> {
  const outcomes = await Promise.all((toolCalls ?? []).map(c => runOne(guard, c, handlers, options)))
  return finish(outcomes, options)
}

interface ChunkToolCall {
  index?: number
  id?: string | null
  type?: string | null
  function?: { name?: string | null; arguments?: string | null } | null
}

/** The part of a `chat.completion.chunk` this reads (choice 0). */
export interface ChatCompletionChunkLike {
  choices?: readonly { delta?: { content?: string | null; tool_calls?: readonly ChunkToolCall[] | null } | null; finish_reason?: string | null }[]
}

/** A function call assembled from stream deltas. */
export interface AssembledToolCall {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
}

export interface StreamedTurn extends ToolCallsResult {
  /** the assistant's text, assembled from the content deltas */
  content: string
  /** the assembled calls, in index order: put them in the assistant message of the conversation */
  toolCalls: AssembledToolCall[]
}

/** Arguments that are a closed JSON object cannot grow any further. */
function closedObject(text: string): boolean {
  const t = text.trimEnd()
  if (!t.endsWith('}')) return false
  try {
    const v: unknown = JSON.parse(t)
    return v !== null && typeof v === 'object' && !Array.isArray(v)
  } catch {
    return false
  }
}

/** True when a delta carries something: an id, a name, or argument text other than whitespace. */
function carries(d: ChunkToolCall): boolean {
  return Boolean(d.id) || Boolean(d.function?.name) || (typeof d.function?.arguments === 'string' && d.function.arguments.trim() !== '')
}

/**
 * Reads a streamed chat completion (the async iterable of chunks the SDKs return with
 * `stream: true`), assembles tool-call deltas by `index`, and guards each call once it is complete:
 * when the choice finishes or the stream ends, or earlier, when a later call has begun and this one's
 * arguments are a closed JSON object (so dispatch overlaps the rest of the stream). Deltas of several
 * calls may interleave.
 *
 * Every call the stream proposes gets a decision, a record and a tool message. A delta whose `index`
 * was used before begins a new call (rather than being dropped or glued onto the old one) when it
 * carries a different id, when it carries a name while the old call already has a name and closed
 * arguments, or when the old call was already guarded and the delta carries anything (a guarded call
 * is never extended, so `toolCalls` shows exactly what was guarded). If the stream fails, the calls
 * already started finish before the error is rethrown.
 */
export async function runStreamedToolCalls(guard: Guard, stream: AsyncIterable<ChatCompletionChunkLike>, handlers: Readonly<Record<string, ToolHandler>>, options: AdapterOptions = {}): Promise<StreamedTurn> {
  /** the calls in the order they began; `at` orders them by the provider's index, then by arrival */
  const calls: { call: AssembledToolCall; at: number }[] = []
  const started = new Map<number, Promise<CallOutcome>>()
  /** provider index → the call (position in `calls`) its next delta continues */
  const current = new Map<number, number>()
  let last: number | undefined
  let content = ''
  const start = (n: number): void => {
    if (!started.has(n)) started.set(n, runOne(guard, calls[n]!.call, handlers, options))
  }
  const begin = (at: number): number => {
    calls.push({ call: { id: '', type: 'function', function: { name: '', arguments: '' } }, at })
    return calls.length - 1
  }
  try {
    for await (const chunk of stream) {
      const choice = chunk.choices?.[0]
      const delta = choice?.delta
      if (typeof delta?.content === 'string') content += delta.content
      for (const d of delta?.tool_calls ?? []) {
        let n: number | undefined
        if (typeof d.index === 'number') n = current.get(d.index)
        // a provider that omits `index`: a new id starts a new call, anything else continues the last
        else n = d.id && (last === undefined || calls[last]!.call.id !== d.id) ? undefined : last
        if (n !== undefined) {
          const c = calls[n]!.call
          const reused = started.has(n) ? carries(d) : (Boolean(d.id) && c.id !== '' && d.id !== c.id) || (Boolean(d.function?.name) && c.function.name !== '' && closedObject(c.function.arguments))
          if (reused) n = undefined
          else if (started.has(n)) continue // whitespace after a guarded call: nothing to add
        }
        if (n === undefined) {
          n = begin(typeof d.index === 'number' ? d.index : calls.length)
          if (typeof d.index === 'number') current.set(d.index, n)
        }
        last = n
        const c = calls[n]!.call
        if (d.id) c.id = d.id
        if (d.function?.name) c.function.name += d.function.name
        if (d.function?.arguments) c.function.arguments += d.function.arguments
        for (let j = 0; j < n; j++) if (!started.has(j) && calls[j]!.call.function.name !== '' && closedObject(calls[j]!.call.function.arguments)) start(j)
      }
      if (choice?.finish_reason) calls.forEach((_, j) => start(j))
    }
  } catch (e) {
    await Promise.all(started.values())
    throw e
  }
  calls.forEach((_, j) => start(j))
  const order = calls.map((c, j) => ({ j, at: c.at })).sort((a, b) => a.at - b.at || a.j - b.j).map(x => x.j)
  const outcomes = await Promise.all(order.map(j => started.get(j)!))
  return { ...finish(outcomes, options), content, toolCalls: order.map(j => calls[j]!.call) }
}
