/**
 * The approval page and the webhook answer endpoint, as one `node:http` handler that an app can
 * mount in its own server or run alone (`startApprovalServer`, `vetoc serve`).
 *
 * Sign-in is by a token per reviewer, printed at start: `GET <base>login?token=…` sets an HttpOnly,
 * SameSite=Strict cookie. Every API request needs that cookie and, for answers, the page's CSRF
 * token in a header (a cross-site form cannot set one) and a JSON body. The Host header must name
 * the server itself (DNS rebinding), bodies are bounded, and the server binds to loopback unless
 * told otherwise.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { REDACTED } from '../records/redact.js'
import { APPROVAL_ID, type ApprovalChannel } from './flow.js'
import { pageHtml } from './page-html.js'
import type { ApprovalAnswer, PendingApproval, PendingStore } from './pending.js'
import { checkSignature, ReplayGuard, SIGNATURE_HEADER } from './webhook.js'

export interface ApprovalPageOptions {
  pending: PendingStore
  /** Reviewer name → sign-in token. @default one reviewer, `reviewer`, with a random token */
  reviewers?: Record<string, string>
  /** Enables `POST <base>webhook` for answers signed with this secret (≥ 32 characters). @default off */
  webhookSecret?: string
  /** How far a webhook signature's timestamp may be from now. @default 300000 */
  webhookToleranceMs?: number
  /** Where the handler answers. @default '/vetoc/' */
  basePath?: string
  /** Host header values accepted besides the server's own loopback names. @default [] */
  allowedHosts?: readonly string[]
  /** Largest request body. @default 65536 */
  maxBodyBytes?: number
  /** How often the live view looks for changes in a store that cannot tell (Redis). @default 1000 */
  pollMs?: number
  now?: () => number
}

export interface ApprovalPage {
  /** Handles a request under `basePath`; false when the request is not for it. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>
  /** Pass to `createGuard({ approvalChannels })`: the page's live view learns of new reviews. */
  channel: ApprovalChannel
  /** Reviewer name → sign-in path (`<base>login?token=…`), to print or send. */
  loginPaths: Record<string, string>
  close(): void
}

const COOKIE = 'vetoc_session'

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest()
}

export function createApprovalPage(options: ApprovalPageOptions): ApprovalPage {
  const base = options.basePath ?? '/vetoc/'
  if (!base.startsWith('/') || !base.endsWith('/')) throw new TypeError('basePath must start and end with `/`')
  const reviewers = options.reviewers ?? { reviewer: randomBytes(24).toString('base64url') }
  for (const [name, token] of Object.entries(reviewers)) {
    if (typeof token !== 'string' || token.length < 16) throw new TypeError(`the token of reviewer \`${name}\` must be at least 16 characters`)
  }
  if (options.webhookSecret !== undefined && options.webhookSecret.length < 32) throw new TypeError('a webhook secret must be at least 32 characters')
  const tokens = Object.entries(reviewers).map(([name, token]) => ({ name, hash: digest(token) }))
  const now = options.now ?? Date.now
  const maxBody = options.maxBodyBytes ?? 65_536
  const tolerance = options.webhookToleranceMs ?? 300_000
  const replays = new ReplayGuard(tolerance)
  const sessions = new Map<string, { reviewer: string; csrf: string }>()
  const streams = new Set<ServerResponse>()
  const changed = (): void => {
    for (const s of streams) s.write('data: changed\n\n')
  }
  const offs = [options.pending.onAdd?.(changed), options.pending.onAnswer?.(changed)]
  // a store that cannot tell (Redis): look for changes while someone watches
  let lastSeen = ''
  const poll = options.pending.onAnswer ? undefined : setInterval(() => {
    if (streams.size === 0) return
    Promise.resolve(options.pending.list(now())).then(list => {
      const ids = list.map(p => p.approvalId).join(',')
      if (ids !== lastSeen) { lastSeen = ids; changed() }
    }, () => {})
  }, options.pollMs ?? 1000)
  poll?.unref()

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers })
    res.end(JSON.stringify(body))
    return true
  }
  const hostOk = (req: IncomingMessage): boolean => {
    const host = req.headers.host
    if (typeof host !== 'string') return false
    const port = (req.socket.address() as AddressInfo).port
    const own = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]
    return own.includes(host.toLowerCase()) || (options.allowedHosts ?? []).includes(host.toLowerCase())
  }
  const sessionOf = (req: IncomingMessage): { reviewer: string; csrf: string } | undefined => {
    const cookie = req.headers.cookie ?? ''
    const m = new RegExp(`(?:^|;\\s*)${COOKIE}=([A-Za-z0-9_-]{1,64})`).exec(cookie)
    return m ? sessions.get(m[1]!) : undefined
  }
  const readBody = (req: IncomingMessage): Promise<string | undefined> => new Promise(resolve => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > maxBody) {
        // stop reading; the 413 goes out with `connection: close`, which ends the upload
        req.removeAllListeners('data')
        req.pause()
        resolve(undefined)
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', () => resolve(undefined))
  })
  const applyAnswer = async (res: ServerResponse, body: unknown, by: string, channel: string): Promise<true> => {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return send(res, 400, { error: 'expected a JSON object' })
    const b = body as Record<string, unknown>
    if (typeof b['approvalId'] !== 'string' || !APPROVAL_ID.test(b['approvalId'])) return send(res, 400, { error: 'approvalId must be an approval id' })
    if (typeof b['approved'] !== 'boolean') return send(res, 400, { error: '`approved` must be true or false' })
    if (b['argsDigest'] !== undefined && (typeof b['argsDigest'] !== 'string' || !/^[0-9a-f]{64}$/.test(b['argsDigest']))) return send(res, 400, { error: 'argsDigest must be a SHA-256 hex digest' })
    if (b['args'] !== undefined && JSON.stringify(b['args']).includes(REDACTED)) return send(res, 400, { error: 'edited arguments still hold a redacted value: write the value itself' })
    const answer: ApprovalAnswer = {
      approved: b['approved'], by, channel, at: now(),
      ...(typeof b['argsDigest'] === 'string' ? { argsDigest: b['argsDigest'] } : {}),
      ...(b['approved'] && b['args'] !== undefined ? { args: b['args'] } : {}),
    }
    const r = await options.pending.answer(b['approvalId'], answer, now())
    if (!r.ok) return send(res, r.refusal === 'unknown' ? 404 : 409, { error: r.refusal })
    changed()
    return send(res, 200, { ok: true })
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (!url.pathname.startsWith(base)) return false
    const path = url.pathname.slice(base.length)
    try {
      if (!hostOk(req)) return send(res, 421, { error: 'unexpected Host header' })
      if (path === 'login' && req.method === 'GET') {
        const given = url.searchParams.get('token') ?? ''
        const g = digest(given)
        const who = tokens.find(t => timingSafeEqual(t.hash, g))
        if (!who) return send(res, 401, { error: 'unknown token' })
        const id = randomBytes(24).toString('base64url')
        sessions.set(id, { reviewer: who.name, csrf: randomBytes(24).toString('base64url') })
        res.writeHead(303, { location: base, 'set-cookie': `${COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=${base}`, 'cache-control': 'no-store' })
        res.end()
        return true
      }
      if (path === 'webhook' && req.method === 'POST') {
        if (options.webhookSecret === undefined) return send(res, 404, { error: 'no webhook configured' })
        const text = await readBody(req)
        if (text === undefined) return send(res, 413, { error: 'body too large' }, { connection: 'close' })
        const sig = req.headers[SIGNATURE_HEADER]
        const check = checkSignature(options.webhookSecret, text, sig, now(), tolerance)
        if (!check.ok) return send(res, 401, { error: check.why })
        if (!replays.accept(String(sig), now())) return send(res, 409, { error: 'replayed' })
        let body: unknown
        try {
          body = JSON.parse(text)
        } catch {
          return send(res, 400, { error: 'not JSON' })
        }
        const by = (body as Record<string, unknown> | null)?.['by']
        if (typeof by !== 'string' || by === '' || by.length > 200) return send(res, 400, { error: '`by` must name who answered' })
        return await applyAnswer(res, body, by, 'webhook')
      }
      const session = sessionOf(req)
      if (path === '' && req.method === 'GET') {
        if (!session) {
          res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' })
          res.end('Sign in with the link printed by `vetoc serve`.\n')
          return true
        }
        const nonce = randomBytes(16).toString('base64')
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'x-frame-options': 'DENY',
          'x-content-type-options': 'nosniff',
          'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
        })
        res.end(pageHtml(nonce, session.csrf, session.reviewer))
        return true
      }
      if (!session) return send(res, 401, { error: 'not signed in' })
      if (path === 'api/pending' && req.method === 'GET') {
        const list: PendingApproval[] = await options.pending.list(now())
        return send(res, 200, list)
      }
      if (path === 'api/events' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
        res.write('retry: 1000\n\n')
        streams.add(res)
        req.on('close', () => streams.delete(res))
        return true
      }
      if (path === 'api/answer' && req.method === 'POST') {
        const csrf = req.headers['x-vetoc-csrf']
        if (typeof csrf !== 'string' || !timingSafeEqual(digest(csrf), digest(session.csrf))) return send(res, 403, { error: 'missing or wrong CSRF token' })
        if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return send(res, 415, { error: 'expected application/json' })
        const text = await readBody(req)
        if (text === undefined) return send(res, 413, { error: 'body too large' }, { connection: 'close' })
        let body: unknown
        try {
          body = JSON.parse(text)
        } catch {
          return send(res, 400, { error: 'not JSON' })
        }
        return await applyAnswer(res, body, session.reviewer, 'page')
      }
      return send(res, 404, { error: 'not found' })
    } catch (e) {
      if (!res.headersSent) send(res, 500, { error: e instanceof Error ? e.message : 'internal error' })
      return true
    }
  }

  return {
    handle,
    channel: { name: 'page', notify: () => changed() },
    loginPaths: Object.fromEntries(Object.entries(reviewers).map(([name, token]) => [name, `${base}login?token=${encodeURIComponent(token)}`])),
    close() {
      for (const off of offs) off?.()
      if (poll) clearInterval(poll)
      for (const s of streams) s.end()
      streams.clear()
    },
  }
}

export interface ApprovalServerOptions extends ApprovalPageOptions {
  /** @default '127.0.0.1' */
  host?: string
  /** @default 0 (any free port) */
  port?: number
}

export interface ApprovalServer {
  url: string
  /** Reviewer name → full sign-in URL. */
  loginUrls: Record<string, string>
  page: ApprovalPage
  server: Server
  close(): Promise<void>
}

/** Runs the approval page on its own `node:http` server, on loopback unless told otherwise. */
export async function startApprovalServer(options: ApprovalServerOptions): Promise<ApprovalServer> {
  const page = createApprovalPage(options)
  const server = createServer((req, res) => {
    page.handle(req, res).then(handled => {
      if (!handled) {
        res.writeHead(404, { 'content-type': 'text/plain' })
        res.end('not found\n')
      }
    }, () => res.destroy())
  })
  // a slow client cannot hold a request open
  server.requestTimeout = 10_000
  server.headersTimeout = 5_000
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  const base = options.basePath ?? '/vetoc/'
  return {
    url: `${origin}${base}`,
    loginUrls: Object.fromEntries(Object.entries(page.loginPaths).map(([n, p]) => [n, `${origin}${p}`])),
    page,
    server,
    close: () => new Promise(resolve => {
      page.close()
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
