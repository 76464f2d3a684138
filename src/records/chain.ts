/** The record's shape and its hash chain: each record covers the previous one's hash. */
import { createHash } from 'node:crypto'

export const GENESIS: string = '0'.repeat(64)

export interface DecisionRecord {
  /** position in the chain, from 0 */
  seq: number
  /** ISO 8601, from the guard's clock */
  time: string
  policy: string
  /** SHA-256 of the policy's canonical form */
  digest: string
  tool: string
  decision: 'allow' | 'review' | 'deny'
  rule?: string
  reason?: string
  severity?: string
  warnings?: string[]
  /** the arguments, secrets redacted */
  args: unknown
  /** the context, secrets redacted */
  context?: unknown
  approvalId?: string
  /** who resolved a review: the approver's name, `timeout`, `handler` or `error` */
  resolvedBy?: string
  /** how a review was answered: `code`, `page`, `webhook`, `elicitation`, `timeout` */
  channel?: string
  /** when a review was answered (ISO 8601) */
  resolvedAt?: string
  /** the arguments an approver edited (secrets redacted); the call ran with these */
  editedArgs?: unknown
  /** the application's session id, when the call named one */
  session?: string
  /** the session's labels at decision time (sorted) */
  labels?: string[]
  /** `result` for a record of the result rules on a handler's output (absent: a call's decision) */
  on?: 'result'
  /** on result records: what the result rules did (`decision` is deny for `deny`, else allow) */
  result?: 'pass' | 'redact' | 'deny'
  /** on result records: the labels this step added to the session */
  adds?: string[]
  /** `full` when the guard ran with `capture: 'full'`: `args`, `context` and `editedArgs` are not redacted */
  capture?: 'full'
  /** shadow mode: the candidate policy disagreed with the live one on this call */
  shadow?: { policy: string; digest: string; live: { decision: string; rule?: string }; candidate: { decision: string; rule?: string; reason?: string } }
  /** hash of the previous record (`GENESIS` for the first) */
  prev: string
  /** SHA-256 of this record's canonical JSON without `hash` */
  hash: string
}

export type UnsignedRecord = Omit<DecisionRecord, 'seq' | 'prev' | 'hash'>

/** JSON with sorted keys and no undefined members: the bytes the hash covers. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(v => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`
  const entries = Object.keys(value).sort().filter(k => (value as Record<string, unknown>)[k] !== undefined)
  return `{${entries.map(k => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`
}

export function hashRecord(record: Omit<DecisionRecord, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex')
}

/** Chains records: assigns `seq`, `prev` and `hash`. */
export class Chain {
  private prev: string
  private seq: number
  constructor(start?: { prev: string; seq: number }) {
    this.prev = start?.prev ?? GENESIS
    this.seq = start?.seq ?? 0
  }
  seal(record: UnsignedRecord): DecisionRecord {
    const body = { ...record, seq: this.seq, prev: this.prev } as Omit<DecisionRecord, 'hash'>
    const hash = hashRecord(body)
    this.prev = hash
    this.seq++
    return { ...body, hash }
  }
}
