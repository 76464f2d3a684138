/** The record's shape and its hash chain: each record covers the previous one's hash. */
import { hash } from 'node:crypto'

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

/**
 * JSON with sorted keys and no undefined members: the bytes the hash covers. One pass with string
 * concatenation (no per-level arrays): this runs for every record. Array holes print as nothing and
 * `undefined` elements as `null`, as they always have, so older logs hash to the same bytes.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ','
      if (!(i in value)) continue
      const v: unknown = value[i]
      out += v === undefined ? 'null' : canonicalJson(v)
    }
    return out + ']'
  }
  const keys = sortedKeys(value)
  let out = '{'
  let sep = ''
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!
    const v = (value as Record<string, unknown>)[k]
    if (v === undefined) continue
    out += sep + quotedKey(k) + ':' + (typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v))
    sep = ','
  }
  return out + '}'
}

/**
 * `Object.keys(o).sort()`: the same order (UTF-16 code units, as the default sort compares strings),
 * by insertion for the handful of members a record or an argument object has.
 */
function sortedKeys(o: object): string[] {
  const keys = Object.keys(o)
  if (keys.length > 24) return keys.sort()
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!
    let j = i - 1
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!
      j--
    }
    keys[j + 1] = k
  }
  return keys
}

// member names repeat from record to record: quote each once (bounded: argument names are the model's)
const quoted = new Map<string, string>()
function quotedKey(k: string): string {
  let q = quoted.get(k)
  if (q === undefined) {
    q = JSON.stringify(k)
    if (quoted.size < 4096 && k.length <= 64) quoted.set(k, q)
  }
  return q
}

/** SHA-256 (hex) of a string's UTF-8 bytes, one-shot (`crypto.hash`: no Hash object per record). */
export const sha256Hex = (text: string): string => hash('sha256', text, 'hex')

export function hashRecord(record: Omit<DecisionRecord, 'hash'>): string {
  return sha256Hex(canonicalJson(record))
}

/** Chains records: assigns `seq`, `prev` and `hash`. */
export class Chain {
  private prev: string
  private seq: number
  constructor(start?: { prev: string; seq: number }) {
    this.prev = start?.prev ?? GENESIS
    this.seq = start?.seq ?? 0
  }
  /** How many records the chain holds and the hash of the last one (`GENESIS` when none): what a checkpoint signs. */
  position(): { records: number; head: string } {
    return { records: this.seq, head: this.prev }
  }
  seal(record: UnsignedRecord): DecisionRecord {
    return this.sealLine(record).record
  }
  /**
   * Seals a record and gives its JSON Lines line too: the canonical JSON the hash covers with the
   * hash appended as the last member, so a record is serialised once. A reader parses the line as
   * JSON; key order carries no meaning (`verify` hashes the canonical form of what it parsed).
   */
  sealLine(record: UnsignedRecord): { record: DecisionRecord; line: string } {
    // a copy: the caller's object (perhaps frozen, perhaps written again) stays as it was. Not
    // `{ ...record, seq, prev }`: on Node 20 a spread followed by more members costs microseconds
    const body = Object.assign({}, record) as Omit<DecisionRecord, 'hash'>
    body.seq = this.seq
    body.prev = this.prev
    const canonical = canonicalJson(body)
    const hash = sha256Hex(canonical)
    this.prev = hash
    this.seq++
    const sealed = body as DecisionRecord
    sealed.hash = hash
    return { record: sealed, line: `${canonical.slice(0, -1)},"hash":"${hash}"}\n` }
  }
}
