/** Reading a log back: checking its chain, and filtering it out as CSV or JSON Lines. */
import { GENESIS, hashRecord, type DecisionRecord } from './chain.js'

export type Verification =
  | { ok: true; count: number; /** hash of the last record: keep it elsewhere to detect a cut tail */ last?: string }
  | { ok: false; /** 1-based line of the first bad record */ line: number; /** its `seq`, when readable */ seq?: number; reason: string }

/**
 * Checks every record's hash and its link to the previous one, and that the log starts its chain.
 * A hash chain without a key detects edits, insertions, removals and reordering, not a log rewritten
 * from scratch or cut at the end: compare `last` with a copy kept elsewhere for that.
 */
export function verifyLog(text: string): Verification {
  const lines = text.split('\n')
  let prev: string | undefined
  let count = 0
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === '') continue
    let r: DecisionRecord
    try {
      r = JSON.parse(line) as DecisionRecord
    } catch {
      return { ok: false, line: i + 1, reason: 'not valid JSON' }
    }
    if (r === null || typeof r !== 'object' || typeof r.hash !== 'string' || typeof r.prev !== 'string') return { ok: false, line: i + 1, reason: 'not a decision record' }
    const at = { ok: false as const, line: i + 1, ...(typeof r.seq === 'number' ? { seq: r.seq } : {}) }
    if (prev === undefined && r.prev !== GENESIS) return { ...at, reason: 'the log does not start its chain (records were removed from its beginning)' }
    if (prev !== undefined && r.prev !== prev) return { ...at, reason: 'does not link to the previous record (a record was removed, inserted or reordered)' }
    const { hash, ...body } = r
    if (hashRecord(body) !== hash) return { ...at, reason: 'its content does not match its hash (the record was edited)' }
    prev = hash
    count++
  }
  return prev === undefined ? { ok: true, count } : { ok: true, count, last: prev }
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
