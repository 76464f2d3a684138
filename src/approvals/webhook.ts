/**
 * The signed webhook channel. A pending review is POSTed to a URL with an HMAC-SHA256 signature;
 * the answer comes back, signed with the same secret, to the approval server's `webhook` endpoint.
 * A signature covers the timestamp and the exact body (`t=<ms>,v1=<hex>` over `<t>.<body>`), is
 * compared in constant time, is good for `toleranceMs` around its timestamp, and is accepted once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { ApprovalChannel } from './flow.js'
import type { PendingApproval } from './pending.js'

export const SIGNATURE_HEADER = 'x-vetoc-signature'

export function signBody(secret: string, body: string, at: number): string {
  return `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${body}`).digest('hex')}`
}

export type SignatureCheck = { ok: true; at: number } | { ok: false; why: string }

/** Checks a `t=…,v1=…` header against the body: signed by `secret`, and recent. */
export function checkSignature(secret: string, body: string, header: unknown, now: number, toleranceMs: number): SignatureCheck {
  if (typeof header !== 'string' || header.length > 200) return { ok: false, why: 'unsigned' }
  const m = /^t=(\d{1,16}),v1=([0-9a-f]{64})$/.exec(header)
  if (!m) return { ok: false, why: 'malformed signature' }
  const at = Number(m[1])
  const expected = createHmac('sha256', secret).update(`${at}.${body}`).digest()
  const given = Buffer.from(m[2]!, 'hex')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, why: 'bad signature' }
  if (Math.abs(now - at) > toleranceMs) return { ok: false, why: 'signature too old or from the future' }
  return { ok: true, at }
}

/** Remembers the signatures accepted within the tolerance window, so each is accepted once. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>()
  constructor(private readonly toleranceMs: number, private readonly max = 100_000) {}
  /** True the first time a signature is offered; false for a replay (or when full: refuse rather than forget). */
  accept(signature: string, now: number): boolean {
    for (const [s, at] of this.seen) {
      if (at >= now - 2 * this.toleranceMs) break
      this.seen.delete(s)
    }
    if (this.seen.has(signature) || this.seen.size >= this.max) return false
    this.seen.set(signature, now)
    return true
  }
}

export interface WebhookChannelOptions {
  /** Where pending reviews are POSTed. */
  url: string
  /** The shared secret (at least 32 characters). */
  secret: string
  /** Added to each message so the receiver knows where to answer (the approval server's webhook URL). */
  answerUrl?: string
  /** @default globalThis.fetch */
  fetch?: typeof fetch
  /** Bound on one POST. @default 5000 */
  timeoutMs?: number
  now?: () => number
}

/** Tells a webhook of every pending review (with its binding, the redacted arguments and the expiry). */
export function createWebhookChannel(options: WebhookChannelOptions): ApprovalChannel {
  if (typeof options.secret !== 'string' || options.secret.length < 32) throw new TypeError('a webhook secret must be a string of at least 32 characters')
  const post = options.fetch ?? fetch
  const now = options.now ?? Date.now
  return {
    name: 'webhook',
    async notify(pending: PendingApproval) {
      const body = JSON.stringify({ type: 'vetoc.review', pending, ...(options.answerUrl !== undefined ? { answerUrl: options.answerUrl } : {}) })
      const res = await post(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(options.secret, body, now()) },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      })
      if (!res.ok) throw new Error(`webhook answered ${res.status}`)
    },
  }
}
