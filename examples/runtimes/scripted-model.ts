/**
 * A scripted language model for driving a Mastra agent offline: the AI SDK's own test model
 * (`MockLanguageModelV4` from `ai/test`), answering each turn with the tool calls given for it
 * (then plain text once the script runs out), and keeping every prompt it was sent.
 */
import type { MastraModelConfig } from '@mastra/core/llm'
import { MockLanguageModelV4 } from 'ai/test'

export interface ScriptedCall {
  id: string
  name: string
  /** the arguments as the model writes them: JSON text, or a value to encode */
  input: unknown
}

/** One part of a prompt the model was sent (the AI SDK's prompt messages, loosely typed). */
export interface PromptMessage {
  role: string
  content: unknown
}

const usage = { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } }

export function scriptedModel(turns: ScriptedCall[][]): { model: MastraModelConfig; prompts: PromptMessage[][] } {
  const prompts: PromptMessage[][] = []
  let turn = 0
  const next = (prompt: unknown): { calls: ScriptedCall[]; content: any[]; finishReason: { unified: 'tool-calls' | 'stop'; raw: undefined } } => {
    prompts.push(prompt as PromptMessage[])
    const calls = turns[turn++] ?? []
    const content: any[] = calls.map(c => ({ type: 'tool-call', toolCallId: c.id, toolName: c.name, input: typeof c.input === 'string' ? c.input : JSON.stringify(c.input) }))
    if (calls.length === 0) content.push({ type: 'text', text: 'done' })
    return { calls, content, finishReason: { unified: calls.length > 0 ? 'tool-calls' : 'stop', raw: undefined } }
  }
  const model = new MockLanguageModelV4({
    doGenerate: async options => {
      const { content, finishReason } = next(options.prompt)
      return { content, finishReason, usage, warnings: [] }
    },
    doStream: async options => {
      const { content, finishReason } = next(options.prompt)
      const parts: any[] = [{ type: 'stream-start', warnings: [] }]
      for (const c of content) parts.push(c.type === 'text' ? [{ type: 'text-start', id: 't' }, { type: 'text-delta', id: 't', delta: c.text }, { type: 'text-end', id: 't' }] : c)
      parts.push({ type: 'finish', usage, finishReason })
      return { stream: new ReadableStream({ start(controller) { for (const p of parts.flat()) controller.enqueue(p); controller.close() } }) }
    },
  })
  // the test model's provider types are the `ai` package's own copy of the v4 spec; Mastra names its own
  return { model: model as unknown as MastraModelConfig, prompts }
}

/** What the model was sent back for each tool call id, from the last prompt: `[type, value]` of each tool result. */
export function toolResultsSeen(prompts: PromptMessage[][]): Record<string, { type: string; value: unknown }> {
  const out: Record<string, { type: string; value: unknown }> = {}
  for (const m of prompts.at(-1) ?? []) {
    if (m.role !== 'tool' || !Array.isArray(m.content)) continue
    for (const part of m.content as { type: string; toolCallId: string; output: { type: string; value: unknown } }[]) if (part.type === 'tool-result') out[part.toolCallId] = part.output
  }
  return out
}
