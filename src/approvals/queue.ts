/**
 * Review decisions: an approval request with an id, resolved by a handler (a callback, or the
 * built-in in-memory queue) or by a timeout whose outcome the options fix.
 */
import { randomUUID } from 'node:crypto'
import type { Decision } from '../types.js'

export interface ApprovalRequest {
  approvalId: string
  policy: string
  tool: string
  /** arguments as recorded (secrets redacted) */
  args: unknown
  context: unknown
  decision: Decision
  createdAt: number
  /**
   * Aborted when the guard stops waiting (the approval timed out, or the decision is made): a UI can
   * withdraw the request. The built-in queue drops it, so a late `approve(id)` returns false.
   */
  signal?: AbortSignal
}

/**
 * `true`/`'approve'` approves; `false`/`'deny'` denies; `by` names who decided; `args` approves an
 * edited call, which is evaluated again (validation and every rule) before it runs.
 */
export type ApprovalVerdict = 'approve' | 'deny' | boolean | { approved: boolean; by?: string; args?: unknown; /** how it was answered, for the record @default 'code' */ channel?: string }
export type ApprovalHandler = (request: ApprovalRequest) => ApprovalVerdict | Promise<ApprovalVerdict>

export function newApprovalId(): string {
  return randomUUID()
}

export function readVerdict(v: ApprovalVerdict, fallbackBy: string): { approved: boolean; by: string; args?: unknown; channel?: string } {
  if (v === 'approve' || v === true) return { approved: true, by: fallbackBy }
  if (v === 'deny' || v === false) return { approved: false, by: fallbackBy }
  if (v !== null && typeof v === 'object' && typeof v.approved === 'boolean') {
    const by = typeof v.by === 'string' && v.by !== '' ? v.by : fallbackBy
    const channel = typeof v.channel === 'string' && v.channel !== '' ? { channel: v.channel } : {}
    return v.approved && v.args !== undefined ? { approved: true, by, args: v.args, ...channel } : { approved: v.approved, by, ...channel }
  }
  throw new Error('approval handler returned neither approve nor deny')
}

/** A queue people (or a UI) work through: `pending()`, `approve(id)`, `deny(id)`. */
export class ApprovalQueue {
  private readonly waiting = new Map<string, { request: ApprovalRequest; resolve: (v: { approved: boolean; by: string }) => void }>()
  private readonly listeners = new Set<(r: ApprovalRequest) => void>()

  /** The handler to pass to `createGuard({ approvals })`. */
  readonly handler: ApprovalHandler = request =>
    new Promise(resolve => {
      const id = request.approvalId
      if (request.signal?.aborted) return
      this.waiting.set(id, { request, resolve: v => resolve({ approved: v.approved, by: v.by }) })
      request.signal?.addEventListener('abort', () => this.waiting.delete(id), { once: true })
      for (const l of this.listeners) l(request)
    })

  /** Requests still waiting for a verdict (a timed-out request is no longer pending). */
  pending(): ApprovalRequest[] {
    return [...this.waiting.values()].map(w => w.request)
  }

  /** Called for each new request. Returns an unsubscribe function. */
  onRequest(listener: (r: ApprovalRequest) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Approves a waiting request; false when there is none with that id (unknown, settled or timed out). */
  approve(approvalId: string, by = 'queue'): boolean {
    return this.settle(approvalId, true, by)
  }

  /** Denies a waiting request; false when there is none with that id. */
  deny(approvalId: string, by = 'queue'): boolean {
    return this.settle(approvalId, false, by)
  }

  private settle(id: string, approved: boolean, by: string): boolean {
    const w = this.waiting.get(id)
    if (!w) return false
    this.waiting.delete(id)
    w.resolve({ approved, by })
    return true
  }
}
