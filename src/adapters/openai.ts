/**
 * OpenAI-compatible chat completions (OpenAI, Groq, any compatible base URL): guard every entry of
 * `message.tool_calls`, dispatch the allowed ones in parallel, and build the `role: "tool"` messages
 * for the next turn. Also streamed responses: tool-call deltas are assembled and each call is guarded
 * as soon as it is complete. No SDK code is imported: the shapes are structural.
 */
import type { Guard } from '../guard.js'
import { contentOf, guardAndRun, type AdapterOptions, type CallOutcome, type ToolHandler } from './common.js'

export interface OpenAIToolCall {
  id: string
  type?: 'function' | string
  function: { name: string; arguments: string }
}

export interface ToolMessage {
  role: 'tool'
  tool_call_id: string
  content: string
}

export interface ToolCallsResult {
  /** one per call, in the order of `tool_calls`: append them to the conversation */
  messages: ToolMessage[]
  outcomes: CallOutcome[]
}

function finish(outcomes: CallOutcome[], options: AdapterOptions): ToolCallsResult {
  return { outcomes, messages: outcomes.map(o => ({ role: 'tool', tool_call_id: o.id ?? '', content: contentOf(o, options) })) }
}

/** Guards and dispatches a batch of tool calls; a denial or review short-circuits only its own call. */
export async function runToolCalls(guard: Guard, toolCalls: readonly OpenAIToolCall[] | null | undefined, handlers: Readonly<Record<string, ToolHandler>>, options: AdapterOptions = {}): Promise<ToolCallsResult> {
  const calls = toolCalls ?? []
  const outcomes = await Promise.all(calls.map(c => guardAndRun(guard, c.function?.name ?? '', c.function?.arguments ?? '', handlers, options, c.id)))
  return finish(outcomes, options)
}

interface ChunkToolCall {
  index: number
  id?: string
  function?: { name?: string; arguments?: string }
}

interface Chunk {
  choices?: { delta?: { content?: string | null; tool_calls?: ChunkToolCall[] }; finish_reason?: string | null }[]
}

export interface StreamedTurn extends ToolCallsResult {
  /** the assistant's text, assembled from the content deltas */
  content: string
  /** the assembled calls, for the assistant message of the conversation */
  toolCalls: OpenAIToolCall[]
}

/**
 * Reads a streamed chat completion (an async iterable of chunks, as the SDKs return with
 * `stream: true`), assembles tool-call deltas by index, and guards each call as soon as it is
 * complete (when a later call starts, or the stream ends) — dispatching while the stream continues.
 */
export async function runStreamedToolCalls(guard: Guard, stream: AsyncIterable<Chunk>, handlers: Readonly<Record<string, ToolHandler>>, options: AdapterOptions = {}): Promise<StreamedTurn> {
  const calls: OpenAIToolCall[] = []
  const started: Promise<CallOutcome>[] = []
  let content = ''
  const start = (i: number): void => {
    const c = calls[i]
    if (c && started[i] === undefined) started[i] = guardAndRun(guard, c.function.name, c.function.arguments, handlers, options, c.id)
  }
  for await (const chunk of stream) {
    const delta = chunk.choices?.[0]?.delta
    if (!delta) continue
    if (typeof delta.content === 'string') content += delta.content
    for (const d of delta.tool_calls ?? []) {
      for (let i = 0; i < d.index; i++) start(i)
      const c = (calls[d.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } })
      if (d.id) c.id = d.id
      if (d.function?.name) c.function.name += d.function.name
      if (d.function?.arguments) c.function.arguments += d.function.arguments
    }
  }
  calls.forEach((_, i) => start(i))
  const outcomes = await Promise.all(started)
  return { ...finish(outcomes, options), content, toolCalls: calls }
}
