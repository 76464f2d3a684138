/** Reading a log back: checking its chain and its signed checkpoints, and filtering it out as CSV or JSON Lines. */
import type { KeyObject } from 'node:crypto'
import { GENESIS, hashRecord, type DecisionRecord } from './chain.js'
import { checkpointSignatureValid, isCheckpointLine, loadVerifyingKey, readCheckpoint, type VerifyingKey } from './signing.js'

export type Verification =
  | {
      ok: true
      count: number
      /** hash of the last record */
      last?: string
      /** checkpoint lines seen */
      checkpoints: number
      /**
       * false: no key was given, so only the chain was checked, which anyone who can rewrite the file
       * can recompute; true: every record is covered by a checkpoint signed by one of the keys
       */
      signed: boolean
      /** with keys: the log ends with the checkpoint its writer wrote when it closed the log */
      closed?: boolean
      /** with keys: the ids of the keys that signed its checkpoints */
      keyIds?: string[]
    }
  | {
      ok: false
      /**
       * 1-based line where the log stops being trustworthy. Without keys: the first bad line. With
       * keys: the first line after the last checkpoint that verifies (1 when none does)
       */
      line: number
      /** `seq` of the record on that line, when it is one */
      seq?: number
      reason: string
      /** with keys: the line where the problem was found (at or after `line`) */
      found?: number
    }

export interface VerifyOptions {
  /**
   * Public keys whose checkpoints are trusted (several for rotation). With keys, every record must be
   * covered by a checkpoint signed by one of them.
   * @default [] (the chain alone is checked)
   */
  keys?: readonly VerifyingKey[]
  /** With keys: also require the log to end with a closing checkpoint (a finished log). @default false */
  requireClosed?: boolean
}

const short = (hash: string): string => `${hash.slice(0, 12)}…`

/**
 * Checks every record's hash and its link to the previous one, that the log starts its chain, and
 * that every checkpoint matches the records before it.
 *
 * Without keys this shows only that the records are consistent with each other: `hashRecord` is
 * public, so whoever can rewrite the file can cut it, append to it or edit it and recompute every hash.
 * With `keys`, each checkpoint's Ed25519 signature is verified too and must come from one of the keys,
 * and every record must be covered by such a checkpoint; the failure names the line from which the log
 * can no longer be trusted. What remains undetectable with keys: a log cut exactly after a checkpoint
 * (unless `requireClosed`), and a whole log swapped for another log signed by the same key.
 */
export function verifyLog(text: string, options: VerifyOptions = {}): Verification {
  const keyring = new Map<string, KeyObject>()
  for (const k of options.keys ?? []) {
    const { publicKey, keyId } = loadVerifyingKey(k)
    keyring.set(keyId, publicKey)
  }
  const signed = keyring.size > 0
  if (options.requireClosed && !signed) throw new TypeError('requireClosed needs keys: without a key nothing shows who closed the log')
  const lines = text.split('\n')
  let prev: string | undefined
  let count = 0
  let checkpoints = 0
  /** the last checkpoint that verified: its line, and whether it closed the log */
  let trusted: { line: number; closing: boolean } | undefined
  /** the first non-empty line after it */
  let untrusted: { line: number; seq?: number } | undefined
  const usedKeys = new Set<string>()
  const fail = (found: number, reason: string, seq?: number): Verification => {
    if (!signed) return { ok: false, line: found, ...(seq !== undefined ? { seq } : {}), reason }
    const from = untrusted ?? { line: found, ...(seq !== undefined ? { seq } : {}) }
    const where = from.line === found ? '' : ` (found at line ${found})`
    const since = trusted ? `after the last valid checkpoint (line ${trusted.line})` : 'no earlier checkpoint verifies'
    return { ok: false, line: from.line, ...(from.seq !== undefined ? { seq: from.seq } : {}), found, reason: `${reason}${where}; ${since}` }
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === '') continue
    let r: Record<string, unknown>
    try {
      r = JSON.parse(line) as Record<string, unknown>
    } catch {
      untrusted ??= { line: i + 1 }
      return fail(i + 1, 'not valid JSON (a line cut short or corrupted)')
    }
    if (isCheckpointLine(r)) {
      untrusted ??= { line: i + 1 }
      const cp = readCheckpoint(r)
      if (typeof cp === 'string') return fail(i + 1, `a malformed checkpoint: ${cp}`)
      const head = prev ?? GENESIS
      if (signed) {
        const key = keyring.get(cp.keyId)
        if (!key) return fail(i + 1, `a checkpoint signed by a key not given (key id ${short(cp.keyId)})`)
        if (!checkpointSignatureValid(cp, key)) return fail(i + 1, 'a checkpoint whose signature does not verify (it was altered or forged)')
      }
      if (cp.records !== count || cp.head !== head) {
        return fail(i + 1, `a checkpoint that does not match the records before it: it signs ${cp.records} records ending in ${short(cp.head)}, the log holds ${count} ending in ${short(head)} (records before it were edited and re-hashed, removed, inserted or reordered, or the checkpoint was copied from another log or another place)`)
      }
      checkpoints++
      if (signed) {
        usedKeys.add(cp.keyId)
        trusted = { line: i + 1, closing: cp.closing === true }
        untrusted = undefined
      }
      continue
    }
    const seq = typeof r['seq'] === 'number' ? r['seq'] : undefined
    untrusted ??= { line: i + 1, ...(seq !== undefined ? { seq } : {}) }
    if (typeof r['hash'] !== 'string' || typeof r['prev'] !== 'string') return fail(i + 1, 'not a decision record', seq)
    const at = `record at line ${i + 1}${seq !== undefined ? ` (seq ${seq})` : ''}: `
    const chained = signed ? at : ''
    if (prev === undefined && r['prev'] !== GENESIS) return fail(i + 1, `${chained}the log does not start its chain (records were removed from its beginning)`, seq)
    if (prev !== undefined && r['prev'] !== prev) return fail(i + 1, `${chained}does not link to the previous record (a record was removed, inserted, duplicated or reordered)`, seq)
    const { hash, ...body } = r
    if (hashRecord(body as Omit<DecisionRecord, 'hash'>) !== hash) return fail(i + 1, `${chained}its content does not match its hash (the record was edited)`, seq)
    prev = hash as string
    count++
  }
  const tail = prev === undefined ? {} : { last: prev }
  if (!signed) return { ok: true, count, ...tail, checkpoints, signed: false }
  if (untrusted !== undefined) {
    return { ok: false, line: untrusted.line, ...(untrusted.seq !== undefined ? { seq: untrusted.seq } : {}), found: untrusted.line, reason: `the records from line ${untrusted.line} on are not covered by a signed checkpoint (records were appended, or the log was cut after them, or its writer stopped before its next checkpoint); ${trusted ? `the last valid checkpoint is at line ${trusted.line}` : 'no checkpoint verifies'}` }
  }
  const closed = trusted?.closing === true
  if (options.requireClosed && !closed) {
    const line = trusted?.line ?? 1
    return { ok: false, line, found: line, reason: trusted ? `the log ends with the checkpoint at line ${line}, which is not a closing checkpoint: records after it may have been cut, or its writer is still running or was killed` : 'the log has no closing checkpoint' }
  }
  return { ok: true, count, ...tail, checkpoints, signed: true, closed, keyIds: [...usedKeys] }
}

export interface ExportOptions {
  format: 'csv' | 'jsonl'
  /** keep records of this tool */
  tool?: string
  /** keep records with this decision */
  decision?: 'allow' | 'review' | 'deny'
  /** keep records decided by this rule */
  rule?: string
  /** keep records at or after this time (anything `Date.parse` reads) */
  since?: string
  /** keep records before this time */
  until?: string
}

export const CSV_COLUMNS = ['seq', 'time', 'policy', 'digest', 'tool', 'decision', 'rule', 'reason', 'severity', 'warnings', 'approvalId', 'resolvedBy', 'args', 'context', 'prev', 'hash'] as const

/** One RFC 4180 cell; a leading `=`, `+`, `-`, `@`, tab or CR is defused with `'` (CSV formula injection). */
export function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v)
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

function time(s: string, what: string): number {
  const t = Date.parse(s)
  if (Number.isNaN(t)) throw new RangeError(`${what} is not a date: \`${s}\``)
  return t
}

/** Filters a log and writes it as CSV or JSON Lines for review. Throws on a line that is not a record. */
export function exportLog(text: string, options: ExportOptions): string {
  const since = options.since === undefined ? undefined : time(options.since, 'since')
  const until = options.until === undefined ? undefined : time(options.until, 'until')
  const records: DecisionRecord[] = []
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return
    let r: DecisionRecord
    try {
      r = JSON.parse(line) as DecisionRecord
    } catch {
      throw new SyntaxError(`line ${i + 1} is not valid JSON`)
    }
    if (isCheckpointLine(r)) return // signatures are for `verify`; an export lists decisions
    if (r === null || typeof r !== 'object' || typeof r.time !== 'string') throw new SyntaxError(`line ${i + 1} is not a decision record`)
    records.push(r)
  })
  const kept = records.filter(r => {
    if (options.tool !== undefined && r.tool !== options.tool) return false
    if (options.decision !== undefined && r.decision !== options.decision) return false
    if (options.rule !== undefined && r.rule !== options.rule) return false
    if (since === undefined && until === undefined) return true
    const t = Date.parse(r.time)
    return (since === undefined || t >= since) && (until === undefined || t < until)
  })
  if (options.format === 'jsonl') return kept.map(r => `${JSON.stringify(r)}\n`).join('')
  return `${[CSV_COLUMNS.join(','), ...kept.map(r => CSV_COLUMNS.map(c => csvCell(r[c])).join(','))].join('\r\n')}\r\n`
}
