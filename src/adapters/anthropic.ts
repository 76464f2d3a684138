/**
 * Anthropic messages (`@anthropic-ai/sdk`): `tool_use` blocks → `tool_result` blocks, with
 * `is_error: true` and the reason when a call was blocked or its handler failed. For a streamed
 * message, pass the content of `stream.finalMessage()`.
 */
import type { Guard } from '../guard.js'
import { contentOf, guardAndRun, type AdapterOptions, type CallOutcome, type ToolHandler } from './common.js'

export interface ToolUseBlock {
  type: 'tool_use'
  id: string
  name: string
  input: unknown
}

export interface ToolResultBlock {
  type: 'tool_result'
  tool_use_id: string
  content: string
  is_error?: boolean
}

export interface ToolUsesResult {
  /** one per `tool_use`, in order: the content of the next `user` message */
  blocks: ToolResultBlock[]
  outcomes: CallOutcome[]
}

/** Guards every `tool_use` block of `content` and runs the allowed ones in parallel. */
export async function runToolUses(guard: Guard, content: readonly { type: string }[], handlers: Readonly<Record<string, ToolHandler>>, options: AdapterOptions = {}): Promise<ToolUsesResult> {
  const uses = content.filter((b): b is ToolUseBlock => b.type === 'tool_use')
  // `input` is read once: a getter cannot hand the `undefined` test one value and the guard another
  const outcomes = await Promise.all(uses.map(u => {
    const input = u.input
    return guardAndRun(guard, u.name, input === undefined ? {} : input, handlers, options, u.id)
  }))
  const blocks = outcomes.map((o): ToolResultBlock => {
    const failed = !o.dispatched || o.error !== undefined || o.resultDecision?.action === 'deny'
    return { type: 'tool_result', tool_use_id: o.id ?? '', content: contentOf(o, options), ...(failed ? { is_error: true } : {}) }
  })
  return { blocks, outcomes }
}
