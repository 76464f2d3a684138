/**
 * A loopback server that plays the Anthropic Messages API for Claude Code (the binary the Claude
 * Agent SDK spawns): streamed (SSE) and plain replies. The main loop's turns are scripted; any other
 * request Claude Code makes on the side (a title, a token count) gets a short text reply.
 */
import type { ServerResponse } from 'node:http'
import { startLoopback, type Loopback, type LoopbackRequest } from '../adapters/loopback.js'

export interface ScriptedToolUse {
  id: string
  name: string
  input: unknown
  /** raw `input_json_delta` text instead of JSON (to play a model that emits broken JSON) */
  rawInput?: string
}

export interface AnthropicLoopback extends Loopback {
  /** queue the next main-loop turn: tool uses, or none (a final text answer) */
  script(calls: ScriptedToolUse[]): void
  /** drop the turns a stopped run left unused */
  clear(): void
  /** the main-loop Messages requests (those that offered tools), in order */
  turns(): LoopbackRequest[]
  /** the tool_result blocks the model was sent, by tool_use id, with their text */
  toolResults(): Record<string, { text: string; isError: boolean }>
}

function sse(res: ServerResponse, events: { type: string; [k: string]: unknown }[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  for (const e of events) res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)
  res.end()
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map(c => (c && typeof c === 'object' && typeof (c as { text?: unknown }).text === 'string' ? (c as { text: string }).text : '')).join('')
}

export async function startAnthropicLoopback(): Promise<AnthropicLoopback> {
  const queue: ScriptedToolUse[][] = []
  const isTurn = (r: LoopbackRequest): boolean => r.path.endsWith('/v1/messages') && Array.isArray(r.body?.tools) && r.body.tools.length > 0
  const server = await startLoopback((req, res) => {
    if (req.path.endsWith('/v1/messages/count_tokens')) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ input_tokens: 1 }))
      return
    }
    if (!req.path.endsWith('/v1/messages')) {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `no route for ${req.path}` } }))
      return
    }
    const calls = isTurn(req) ? queue.shift() ?? [] : []
    const model = typeof req.body?.model === 'string' ? req.body.model : 'claude-test'
    const usage = { input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
    const content = calls.length === 0 ? [{ type: 'text', text: 'Done.' }] : calls.map(c => ({ type: 'tool_use', id: c.id, name: c.name, input: c.input }))
    const stop = calls.length > 0 ? 'tool_use' : 'end_turn'
    if (req.body?.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id: 'msg_loop', type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null, usage }))
      return
    }
    const events: { type: string; [k: string]: unknown }[] = [{ type: 'message_start', message: { id: 'msg_loop', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage } }]
    if (calls.length === 0) {
      events.push({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
      events.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Done.' } })
      events.push({ type: 'content_block_stop', index: 0 })
    }
    calls.forEach((c, index) => {
      events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } })
      const json = c.rawInput ?? JSON.stringify(c.input)
      // the input arrives in small fragments, as the API sends it
      for (let i = 0; i < json.length; i += 9) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(i, i + 9) } })
      events.push({ type: 'content_block_stop', index })
    })
    events.push({ type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 1 } })
    events.push({ type: 'message_stop' })
    sse(res, events)
  })
  const turns = (): LoopbackRequest[] => server.requests.filter(isTurn)
  return {
    ...server,
    script: calls => void queue.push(calls),
    clear: () => void queue.splice(0),
    turns,
    toolResults: () => {
      const out: Record<string, { text: string; isError: boolean }> = {}
      for (const t of turns()) {
        for (const m of (t.body.messages ?? []) as { role: string; content: unknown }[]) {
          if (m.role !== 'user' || !Array.isArray(m.content)) continue
          for (const b of m.content as { type?: string; tool_use_id?: string; content?: unknown; is_error?: boolean }[]) {
            if (b?.type === 'tool_result' && typeof b.tool_use_id === 'string') out[b.tool_use_id] = { text: textOf(b.content), isError: b.is_error === true }
          }
        }
      }
      return out
    },
  }
}
