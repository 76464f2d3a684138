/**
 * Review decisions: an approval request with an id, resolved by a handler (a callback, or the
 * built-in in-memory queue) or by a timeout whose outcome the options fix.
 */
import { randomUUID } from 'node:crypto'
import type { Decision } from './types.js'

export interface ApprovalRequest {
  approvalId: string
  policy: string
  tool: string
  /** arguments as recorded (secrets redacted) */
  args: unknown
  context: unknown
  decision: Decision
  createdAt: number
}

/** `true`/`'approve'` approves; `false`/`'deny'` denies; `by` names who decided. */
export type ApprovalVerdict = 'approve' | 'deny' | boolean | { approved: boolean; by?: string }
export type ApprovalHandler = (request: ApprovalRequest) => ApprovalVerdict | Promise<ApprovalVerdict>

export function newApprovalId(): string {
  return randomUUID()
}

export function readVerdict(v: ApprovalVerdict, fallbackBy: string): { approved: boolean; by: string } {
  if (v === 'approve' || v === true) return { approved: true, by: fallbackBy }
  if (v === 'deny' || v === false) return { approved: false, by: fallbackBy }
  if (v !== null && typeof v === 'object' && typeof v.approved === 'boolean') return { approved: v.approved, by: v.by ?? fallbackBy }
  throw new Error('approval handler returned neither approve nor deny')
}

/** A queue people (or a UI) work through: `pending()`, `approve(id)`, `deny(id)`. */
export class ApprovalQueue {
  private readonly waiting = new Map<string, { request: ApprovalRequest; resolve: (v: { approved: boolean; by: string }) => void }>()
  private readonly listeners = new Set<(r: ApprovalRequest) => void>()

  /** The handler to pass to `createGuard({ approvals })`. */
  readonly handler: ApprovalHandler = request =>
    new Promise(resolve => {
      this.waiting.set(request.approvalId, { request, resolve: v => resolve({ approved: v.approved, by: v.by }) })
      for (const l of this.listeners) l(request)
    })

  pending(): ApprovalRequest[] {
    return [...this.waiting.values()].map(w => w.request)
  }

  /** Called for each new request. Returns an unsubscribe function. */
  onRequest(listener: (r: ApprovalRequest) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  approve(approvalId: string, by = 'queue'): boolean {
    return this.settle(approvalId, true, by)
  }

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
