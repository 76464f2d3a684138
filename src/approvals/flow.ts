/**
 * How a `review` becomes allow or deny. The guard raises a pending review bound to the call, tells
 * the channels, and waits for the first answer from any of them (a handler in code, the page, a
 * webhook, MCP elicitation, or another worker through a shared store), or hands the review back
 * when nothing can answer now. The answer is then *taken* once: an approval id cannot be used
 * twice, after it expired, or for another call.
 */
import { readVerdict, type ApprovalHandler, type ApprovalRequest } from './queue.js'
import { REFUSAL_TEXT, type ApprovalAnswer, type PendingApproval, type PendingStore, type Taken } from './pending.js'

/** A way to reach reviewers: told of each new pending review (the page pushes it, a webhook POSTs it). */
export interface ApprovalChannel {
  readonly name: string
  notify(pending: PendingApproval): void | Promise<void>
}

export interface WaitOptions {
  store: PendingStore
  pending: PendingApproval
  /** the code channel: a handler whose verdict is an answer like any other */
  handler?: ApprovalHandler
  request: ApprovalRequest
  channels: readonly ApprovalChannel[]
  /** wait for answers in the store even without a handler (a page, webhook or another worker answers) */
  wait: boolean
  timeoutMs: number
  onTimeout: 'allow' | 'deny'
  /** how often to look for an answer in a store that cannot tell (Redis) */
  pollMs: number
  now: () => number
  onError: (e: Error) => void
}

export type Outcome =
  | { kind: 'taken'; taken: Taken }
  /** nothing can answer now: the review is handed back with its id */
  | { kind: 'handed-back' }
  /** the handler failed: the fail mode decides */
  | { kind: 'error'; error: unknown }

export const APPROVAL_ID: RegExp = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function refusalReason(t: Extract<Taken, { ok: false }>, approvalId: string): string {
  return `approval \`${approvalId}\` refused: ${REFUSAL_TEXT[t.refusal]}`
}

/** Raises the review, tells the channels and waits for its answer (or hands it back). */
export async function awaitAnswer(o: WaitOptions): Promise<Outcome> {
  const id = o.pending.approvalId
  await o.store.add(o.pending)
  for (const c of o.channels) {
    Promise.resolve()
      .then(() => c.notify(o.pending))
      .catch((e: unknown) => o.onError(new Error(`approval channel \`${c.name}\` failed: ${e instanceof Error ? e.message : String(e)}`)))
  }
  if (!o.handler && !o.wait) return { kind: 'handed-back' }

  const waiting = new AbortController()
  const cleanups: (() => void)[] = []
  try {
    // an answer from elsewhere: told by the store, or found by polling it (polling takes the answer)
    const answered = new Promise<'answered' | { taken: Taken }>(resolve => {
      const off = o.store.onAnswer?.(answeredId => { if (answeredId === id) resolve('answered') })
      if (off) cleanups.push(off)
      else if (o.wait) {
        let busy = false
        const timer = setInterval(() => {
          if (busy) return
          busy = true
          Promise.resolve(o.store.take(id, o.now())).then(t => {
            busy = false
            if (t.ok || t.refusal !== 'unanswered') resolve({ taken: t })
          }, () => { busy = false /* the store is down: keep waiting until the timeout */ })
        }, o.pollMs)
        cleanups.push(() => clearInterval(timer))
      }
    })
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>(resolve => {
      timer = setTimeout(() => resolve('timeout'), o.timeoutMs)
    })
    cleanups.push(() => clearTimeout(timer))
    const fromHandler = o.handler
      ? Promise.resolve().then(() => o.handler!({ ...o.request, signal: waiting.signal })).then(v => ({ verdict: v }))
      : new Promise<never>(() => {})
    const first = await Promise.race([answered, timeout, fromHandler])
    if (first === 'timeout') {
      // the timeout is an answer too, so a verdict that arrives later is refused as `answered`
      await o.store.answer(id, { approved: o.onTimeout === 'allow', by: 'timeout', channel: 'timeout', at: o.now() }, o.now())
    } else if (typeof first === 'object' && 'taken' in first) {
      return { kind: 'taken', taken: first.taken }
    } else if (first !== 'answered') {
      const v = readVerdict(first.verdict, 'handler')
      const answer: ApprovalAnswer = { approved: v.approved, by: v.by, channel: v.channel ?? 'code', at: o.now(), ...(v.args !== undefined ? { args: v.args } : {}) }
      await o.store.answer(id, answer, o.now())
    }
    return { kind: 'taken', taken: await o.store.take(id, o.now()) }
  } catch (error) {
    return { kind: 'error', error }
  } finally {
    waiting.abort()
    for (const c of cleanups) c()
  }
}
