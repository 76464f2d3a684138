/**
 * A local HTTP server on a loopback port that plays the model providers (OpenAI/Groq chat
 * completions and Anthropic messages, each with and without streaming, Gemini generateContent) and
 * returns scripted tool calls. Only the provider is played; the real SDK clients (and Claude Code,
 * which the Claude Agent SDK spawns) talk to it over HTTP.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ScriptedCall {
  id: string
  name: string
  args: unknown
  /** send these raw argument bytes instead of JSON (to play a model that emits broken JSON) */
  rawArgs?: string
}

export interface ProviderServer {
  url: string
  /** requests received, parsed */
  requests: { path: string; body: any }[]
  /** queue the tool calls of the next response (per provider family) */
  script(family: 'openai' | 'gemini' | 'anthropic', calls: ScriptedCall[]): void
  close(): Promise<void>
}

function readBody(req: IncomingMessage): Promise<any> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', c => chunks.push(c as Buffer))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      try {
        resolve(text === '' ? {} : JSON.parse(text))
      } catch (e) {
        reject(e)
      }
    })
    req.on('error', reject)
  })
}

export async function startProviderServer(): Promise<ProviderServer> {
  const queues: Record<string, ScriptedCall[][]> = { openai: [], gemini: [], anthropic: [] }
  const requests: { path: string; body: any }[] = []
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req).catch(() => ({}))
    const path = (req.url ?? '').split('?')[0]!
    requests.push({ path, body })
    const send = (status: number, obj: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(obj))
    }
    if (path.endsWith('/chat/completions')) {
      const calls = queues['openai']!.shift() ?? []
      const toolCalls = calls.map(c => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.rawArgs ?? JSON.stringify(c.args) } }))
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
        const chunk = (delta: unknown, finish: string | null = null): void => {
          res.write(`data: ${JSON.stringify({ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 0, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`)
        }
        chunk({ role: 'assistant', content: calls.length === 0 ? 'Nothing to do.' : '' })
        toolCalls.forEach((tc, index) => {
          chunk({ tool_calls: [{ index, id: tc.id, type: 'function', function: { name: tc.function.name, arguments: '' } }] })
          // arguments arrive in small fragments, as real providers send them
          for (let i = 0; i < tc.function.arguments.length; i += 7) chunk({ tool_calls: [{ index, function: { arguments: tc.function.arguments.slice(i, i + 7) } }] })
        })
        chunk({}, calls.length > 0 ? 'tool_calls' : 'stop')
        res.end('data: [DONE]\n\n')
        return
      }
      send(200, {
        id: 'chatcmpl-1', object: 'chat.completion', created: 0, model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: calls.length === 0 ? 'Nothing to do.' : null, ...(calls.length > 0 ? { tool_calls: toolCalls } : {}) }, finish_reason: calls.length > 0 ? 'tool_calls' : 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      })
      return
    }
    if (path.includes(':generateContent')) {
      const calls = queues['gemini']!.shift() ?? []
      const parts = calls.length === 0 ? [{ text: 'Nothing to do.' }] : calls.map(c => ({ functionCall: { id: c.id, name: c.name, args: c.args } }))
      send(200, { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 } })
      return
    }
    if (path.endsWith('/messages')) {
      const calls = queues['anthropic']!.shift() ?? []
      const content = calls.length === 0 ? [{ type: 'text', text: 'Nothing to do.' }] : calls.map(c => ({ type: 'tool_use', id: c.id, name: c.name, input: c.args }))
      const stop = calls.length > 0 ? 'tool_use' : 'end_turn'
      const usage = { input_tokens: 1, output_tokens: 1 }
      if (body.stream === true) {
        // streamed Messages (what Claude Code asks for): each block opened, filled in fragments, closed
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
        const event = (data: { type: string; [k: string]: unknown }): void => void res.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`)
        event({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage } })
        if (calls.length === 0) {
          event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
          event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Nothing to do.' } })
          event({ type: 'content_block_stop', index: 0 })
        }
        calls.forEach((c, index) => {
          event({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } })
          const json = JSON.stringify(c.args)
          for (let i = 0; i < json.length; i += 7) event({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(i, i + 7) } })
          event({ type: 'content_block_stop', index })
        })
        event({ type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 1 } })
        event({ type: 'message_stop' })
        res.end()
        return
      }
      send(200, { id: 'msg_1', type: 'message', role: 'assistant', model: body.model, content, stop_reason: stop, stop_sequence: null, usage })
      return
    }
    send(404, { error: { message: `no route for ${path}` } })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (family, calls) => void queues[family]!.push(calls),
    close: () => new Promise(resolve => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}
