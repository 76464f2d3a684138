/**
 * Pending reviews, bound to the call they were raised for (SPEC 4.3). An approval id is good for one
 * call only: the tool, the digest of the canonical arguments, the session and the policy digest are
 * fixed when the review is raised; the id expires after the policy's `approval_ttl`; it can be
 * answered once and used once. Stores are shared by every worker of a fleet (memory for one
 * process, Redis for many), so any worker, page or webhook can answer a review another one raised.
 */
import { createHash } from 'node:crypto'
import { canonicalJson } from '../records/chain.js'

/** What an approval id is bound to. */
export interface ApprovalBinding {
  tool: string
  /** SHA-256 (hex) of the canonical JSON of the canonical arguments */
  argsDigest: string
  /** the session the call belongs to, or null */
  session: string | null
  /** the digest of the policy that asked for the review */
  policyDigest: string
}

export interface PendingApproval {
  approvalId: string
  policy: string
  binding: ApprovalBinding
  tool: string
  /** the arguments as a reviewer may see them (secrets redacted) */
  args: unknown
  rule?: string
  reason?: string
  createdAt: number
  expiresAt: number
}

/** A verdict on a pending review, from any channel. */
export interface ApprovalAnswer {
  approved: boolean
  /** who answered (a person's name, an e-mail, `mcp-client` …) */
  by: string
  /** how: `code`, `page`, `webhook`, `elicitation` … */
  channel: string
  /** epoch ms */
  at: number
  /** the arguments the approver edited, when they did: evaluated again before the call runs */
  args?: unknown
  /** the argument digest the approver saw; an answer for other arguments is refused */
  argsDigest?: string
}

/** Why an answer or a use of an approval id was refused, in words for a reason or an HTTP reply. */
export type ApprovalRefusal = 'unknown' | 'expired' | 'answered' | 'used' | 'unanswered' | 'mismatch'

export const REFUSAL_TEXT: Readonly<Record<ApprovalRefusal, string>> = {
  unknown: 'no such approval id (never issued, or long expired)',
  expired: 'the approval id expired',
  answered: 'the review was already answered',
  used: 'the approval was already used',
  unanswered: 'the review has not been answered yet',
  mismatch: 'the approval was given for a different call',
}

export type Taken = { ok: true; pending: PendingApproval; answer: ApprovalAnswer } | { ok: false; refusal: ApprovalRefusal; pending?: PendingApproval }

/**
 * Where pending reviews live. Every method is atomic for one approval id: two answers racing for
 * the same id see one win and one `answered`; two uses racing see one win and one `used`.
 */
export interface PendingStore {
  add(pending: PendingApproval): Promise<void> | void
  /** unexpired reviews that have no answer yet, oldest first */
  list(now: number): Promise<PendingApproval[]> | PendingApproval[]
  get(approvalId: string): Promise<PendingApproval | undefined> | PendingApproval | undefined
  /** Records the first answer; later ones are refused. */
  answer(approvalId: string, answer: ApprovalAnswer, now: number): Promise<{ ok: true } | { ok: false; refusal: ApprovalRefusal }> | { ok: true } | { ok: false; refusal: ApprovalRefusal }
  /** Takes the answer for the call it was raised for: once. */
  take(approvalId: string, now: number): Promise<Taken> | Taken
  /** Called whenever an answer arrives (a waiting guard, a page's live view). */
  onAnswer?(listener: (approvalId: string) => void): () => void
  /** Called whenever a review is added. */
  onAdd?(listener: (pending: PendingApproval) => void): () => void
  close?(): Promise<void> | void
}

export function argsDigest(args: unknown): string {
  return createHash('sha256').update(canonicalJson(args)).digest('hex')
}

/** The first way two bindings differ, in words, or undefined when they are the same call. */
export function bindingDifference(expected: ApprovalBinding, actual: ApprovalBinding): string | undefined {
  if (expected.tool !== actual.tool) return `it was given for tool \`${expected.tool}\`, not \`${actual.tool}\``
  if (expected.argsDigest !== actual.argsDigest) return 'it was given for different arguments'
  if (expected.session !== actual.session) return 'it was given in another session'
  if (expected.policyDigest !== actual.policyDigest) return 'it was given under another version of the policy'
  return undefined
}

export interface MemoryPendingOptions {
  /** How many reviews (pending or answered, until they expire) the store keeps. @default 10000 */
  maxEntries?: number
}

interface Entry {
  pending: PendingApproval
  answer?: ApprovalAnswer
  used: boolean
}

/** Pending reviews in this process's memory. */
export function createMemoryPendingStore(options: MemoryPendingOptions = {}): PendingStore {
  const maxEntries = options.maxEntries ?? 10_000
  const entries = new Map<string, Entry>()
  const answerListeners = new Set<(id: string) => void>()
  const addListeners = new Set<(p: PendingApproval) => void>()
  const sweep = (now: number): void => {
    for (const [id, e] of entries) if (e.pending.expiresAt <= now) entries.delete(id)
  }
  const tell = <T>(listeners: Set<(v: T) => void>, v: T): void => {
    for (const l of listeners) {
      try {
        l(v)
      } catch {
        /* a listener's failure is its own */
      }
    }
  }
  return {
    add(pending) {
      if (entries.size >= maxEntries) sweep(pending.createdAt)
      if (entries.size >= maxEntries) throw new Error(`too many pending reviews (${maxEntries}); answer or let some expire`)
      entries.set(pending.approvalId, { pending, used: false })
      tell(addListeners, pending)
    },
    list(now) {
      return [...entries.values()].filter(e => e.answer === undefined && e.pending.expiresAt > now).map(e => e.pending)
    },
    get(id) {
      return entries.get(id)?.pending
    },
    answer(id, answer, now) {
      const e = entries.get(id)
      if (e === undefined) return { ok: false, refusal: 'unknown' }
      if (e.pending.expiresAt <= now) return { ok: false, refusal: 'expired' }
      if (e.answer !== undefined) return { ok: false, refusal: 'answered' }
      if (answer.argsDigest !== undefined && answer.argsDigest !== e.pending.binding.argsDigest) return { ok: false, refusal: 'mismatch' }
      e.answer = answer
      tell(answerListeners, id)
      return { ok: true }
    },
    take(id, now) {
      const e = entries.get(id)
      if (e === undefined) return { ok: false, refusal: 'unknown' }
      if (e.used) return { ok: false, refusal: 'used', pending: e.pending }
      if (e.pending.expiresAt <= now) return { ok: false, refusal: 'expired', pending: e.pending }
      if (e.answer === undefined) return { ok: false, refusal: 'unanswered', pending: e.pending }
      e.used = true
      return { ok: true, pending: e.pending, answer: e.answer }
    },
    onAnswer(listener) {
      answerListeners.add(listener)
      return () => answerListeners.delete(listener)
    },
    onAdd(listener) {
      addListeners.add(listener)
      return () => addListeners.delete(listener)
    },
  }
}
