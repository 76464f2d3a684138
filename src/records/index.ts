/**
 * The decision record: one JSON object per decision, each chained to the previous one by SHA-256 so
 * that editing, dropping or reordering a record is detectable (`verifyLog`). Secrets are redacted
 * before anything is written.
 */
import { createHash } from 'node:crypto'
import { appendFileSync, existsSync, openSync, readSync, closeSync, fstatSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import type { Writable } from 'node:stream'

export const GENESIS: string = '0'.repeat(64)
export const REDACTED = '[REDACTED]'

export interface DecisionRecord {
  seq: number
  time: string
  policy: string
  digest: string
  tool: string
  decision: 'allow' | 'review' | 'deny'
  rule?: string
  reason?: string
  severity?: string
  warnings?: string[]
  args: unknown
  context?: unknown
  approvalId?: string
  resolvedBy?: string
  prev: string
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

// Values that look like credentials, whatever key they sit under.
const SECRET_VALUES = [
  /^(sk|pk|rk)[-_](live|test|proj|ant)?[-_]?[A-Za-z0-9_-]{8,}/,
  /^gsk_[A-Za-z0-9]{10,}/,
  /^AKIA[0-9A-Z]{16}$/,
  /^gh[pousr]_[A-Za-z0-9]{20,}/,
  /^xox[abposr]-[A-Za-z0-9-]{10,}/,
  /^AIza[0-9A-Za-z_-]{30,}/,
  /^eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}$/,
  /^(Bearer|Basic)\s+\S{8,}/i,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
]
const SECRET_KEYS = /^(api[-_]?key|apikey|access[-_]?token|refresh[-_]?token|token|secret|client[-_]?secret|password|passwd|authorization|private[-_]?key)$/i

export function looksSecret(value: string): boolean {
  return SECRET_VALUES.some(r => r.test(value))
}

/**
 * A copy of `value` with the given dotted paths, keys that name credentials and values that look
 * like credentials replaced by `[REDACTED]`. Own enumerable properties only; getters that throw and
 * cycles become markers instead of exceptions.
 */
export function redact(value: unknown, paths: readonly string[] = []): unknown {
  const split = paths.map(p => p.split('.'))
  const seen = new WeakSet<object>()
  const walk = (v: unknown, at: string[], depth: number): unknown => {
    if (split.some(p => p.length === at.length && p.every((s, i) => s === at[i] || s === '*'))) return REDACTED
    if (typeof v === 'string') return looksSecret(v) ? REDACTED : v
    if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? String(v) : typeof v === 'function' || typeof v === 'symbol' ? undefined : v
    if (depth > 32) return '[DEPTH]'
    if (seen.has(v)) return '[CIRCULAR]'
    seen.add(v)
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...at, String(i)], depth + 1))
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v)) {
      let x: unknown
      try {
        x = (v as Record<string, unknown>)[k]
      } catch {
        x = '[UNREADABLE]'
      }
      const r = SECRET_KEYS.test(k) && x !== null && x !== undefined ? REDACTED : walk(x, [...at, k], depth + 1)
      Object.defineProperty(out, k, { value: r, enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  return walk(value, [], 0)
}

/**
 * Where records go. A sink is one log, so it owns the chain: `write` seals the record (seq, prev,
 * hash) and must not block or throw into the decision path. Several guards may share one sink.
 */
export interface RecordSink {
  write(record: UnsignedRecord): DecisionRecord
  /** Writes out everything buffered. */
  flush(): Promise<void>
  close?(): Promise<void>
}

/** Keeps records in memory (tests, small tools). */
export function createMemorySink(): RecordSink & { records: DecisionRecord[] } {
  const records: DecisionRecord[] = []
  const chain = new Chain()
  return {
    records,
    write: r => {
      const sealed = chain.seal(r)
      records.push(sealed)
      return sealed
    },
    flush: async () => {},
  }
}

export interface FileSinkOptions {
  /** Called with background write errors (the decision path never sees them). @default console.error */
  onError?: (error: Error) => void
  /** Flush once this many records are buffered. @default 256 */
  maxBuffered?: number
  /** Flush this long after the first buffered record. @default 50 */
  flushMs?: number
}

/**
 * JSON Lines file sink. `write` only appends to a buffer; the buffer goes to disk asynchronously
 * after `flushMs` or `maxBuffered` records, on `flush()`, and synchronously at process exit, so a
 * crash loses at most the unflushed tail. Opening an existing log continues its chain.
 */
export function createFileSink(path: string, options: FileSinkOptions = {}): RecordSink {
  const onError = options.onError ?? ((e: Error) => console.error(`vetoc: decision log ${path}: ${e.message}`))
  const maxBuffered = options.maxBuffered ?? 256
  const flushMs = options.flushMs ?? 50
  let buffer: string[] = []
  let timer: NodeJS.Timeout | undefined
  let writing: Promise<void> = Promise.resolve()
  const drain = (): Promise<void> => {
    if (timer) { clearTimeout(timer); timer = undefined }
    if (buffer.length === 0) return writing
    const chunk = buffer.join('')
    buffer = []
    writing = writing.then(() => appendFile(path, chunk)).catch((e: Error) => onError(e))
    return writing
  }
  const onExit = (): void => {
    if (buffer.length === 0) return
    try {
      appendFileSync(path, buffer.join(''))
      buffer = []
    } catch (e) {
      onError(e as Error)
    }
  }
  process.on('exit', onExit)
  const chain = new Chain(resume(path))
  return {
    write(unsigned) {
      const record = chain.seal(unsigned)
      buffer.push(`${JSON.stringify(record)}\n`)
      if (buffer.length >= maxBuffered) void drain()
      else if (!timer) {
        timer = setTimeout(() => void drain(), flushMs)
        timer.unref()
      }
      return record
    },
    flush: drain,
    async close() {
      await drain()
      process.off('exit', onExit)
    },
  }
}

/** Where an existing log ends, so its chain continues across restarts. */
function resume(path: string): { prev: string; seq: number } | undefined {
  const last = lastLine(path)
  if (last === undefined) return undefined
  try {
    const r = JSON.parse(last) as DecisionRecord
    return typeof r.hash === 'string' && typeof r.seq === 'number' ? { prev: r.hash, seq: r.seq + 1 } : undefined
  } catch {
    return undefined
  }
}

function lastLine(path: string): string | undefined {
  if (!existsSync(path)) return undefined
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    const len = Math.min(size, 1 << 20)
    const buf = Buffer.alloc(len)
    readSync(fd, buf, 0, len, size - len)
    const lines = buf.toString('utf8').split('\n').filter(l => l.trim() !== '')
    return lines[lines.length - 1]
  } finally {
    closeSync(fd)
  }
}

/** Writes JSON Lines to a stream (e.g. process.stdout). */
export function createStreamSink(stream: Writable): RecordSink {
  const chain = new Chain()
  return {
    write(unsigned) {
      const record = chain.seal(unsigned)
      stream.write(`${JSON.stringify(record)}\n`)
      return record
    },
    flush: () => new Promise(resolve => (stream.writableNeedDrain ? stream.once('drain', () => resolve()) : resolve())),
  }
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

export type Verification = { ok: true; count: number } | { ok: false; line: number; reason: string }

/** Checks every record's hash and its link to the previous one. */
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
    if (prev !== undefined && r.prev !== prev) return { ok: false, line: i + 1, reason: 'does not link to the previous record (a record was removed, inserted or reordered)' }
    const { hash, ...body } = r
    if (hashRecord(body) !== hash) return { ok: false, line: i + 1, reason: 'its content does not match its hash (the record was edited)' }
    prev = hash
    count++
  }
  return { ok: true, count }
}

export interface ExportOptions {
  format: 'csv' | 'jsonl'
  tool?: string
  decision?: string
  since?: string
  until?: string
}

const CSV_COLUMNS = ['seq', 'time', 'policy', 'tool', 'decision', 'rule', 'reason', 'severity', 'approvalId', 'resolvedBy', 'args', 'hash'] as const

function csvCell(v: unknown): string {
  const s = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v)
  // a leading = + - @ would be read as a formula by spreadsheet programs
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** Filters a log and writes it as CSV or JSON Lines for review. */
export function exportLog(text: string, options: ExportOptions): string {
  const records = text.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as DecisionRecord)
  const kept = records.filter(r => (options.tool === undefined || r.tool === options.tool) && (options.decision === undefined || r.decision === options.decision) && (options.since === undefined || r.time >= options.since) && (options.until === undefined || r.time < options.until))
  if (options.format === 'jsonl') return kept.map(r => `${JSON.stringify(r)}\n`).join('')
  return [CSV_COLUMNS.join(','), ...kept.map(r => CSV_COLUMNS.map(c => csvCell(r[c])).join(','))].join('\n') + '\n'
}
