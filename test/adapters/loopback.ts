/**
 * A bare loopback HTTP server for the tests that need to shape the provider's bytes themselves
 * (interleaved or paused SSE streams, a dropped connection, the AI Gateway protocol, MCP over
 * Streamable HTTP). The SDK clients under test talk to it over real HTTP.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface LoopbackRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: any
}

export interface Loopback {
  url: string
  requests: LoopbackRequest[]
  close(): Promise<void>
}

/** `route` answers each request; with `raw`, the body is left unread for the route (e.g. an MCP transport). */
export async function startLoopback(route: (req: LoopbackRequest, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>, options: { raw?: boolean } = {}): Promise<Loopback> {
  const requests: LoopbackRequest[] = []
  const server = createServer(async (req, res) => {
    let body: any
    if (!options.raw) {
      const chunks: Buffer[] = []
      for await (const c of req) chunks.push(c as Buffer)
      const text = Buffer.concat(chunks).toString('utf8')
      try {
        body = text === '' ? undefined : JSON.parse(text)
      } catch {
        body = text
      }
    }
    const r: LoopbackRequest = { method: req.method ?? '', path: (req.url ?? '').split('?')[0]!, headers: req.headers, body }
    requests.push(r)
    try {
      await route(r, res, req)
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: String(e) } }))
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise(resolve => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

/** Starts an SSE response; `send` writes one `data:` event, `done` writes `[DONE]` and ends. */
export function sse(res: ServerResponse): { send: (data: unknown) => void; done: () => void } {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  return {
    send: data => void res.write(`data: ${JSON.stringify(data)}\n\n`),
    done: () => void res.end('data: [DONE]\n\n'),
  }
}

/** One `chat.completion.chunk` carrying `delta` (and a finish reason). */
export function chunk(delta: unknown, finish: string | null = null): unknown {
  return { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] }
}

/**
 * Resolves once `n` parties have arrived, so a handler that awaits it proves the others run at the
 * same time; rejects after `ms` (a sequential dispatcher never gets there).
 */
export function barrier(n: number, ms = 3000): () => Promise<void> {
  let arrived = 0
  let open!: () => void
  const all = new Promise<void>(resolve => (open = resolve))
  return () => {
    if (++arrived === n) open()
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${arrived} of ${n} calls ran concurrently`)), ms)
      void all.then(() => {
        clearTimeout(t)
        resolve()
      })
    })
  }
}
