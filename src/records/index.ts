/**
 * The decision record: one JSON object per decision, each chained to the previous one by SHA-256 so
 * that editing, dropping or reordering a record is detectable (`verifyLog`). Secrets are redacted
 * before anything is written.
 */
import { createHash } from 'node:crypto'
import { appendFileSync, closeSync, fstatSync, openSync, readSync, statSync, truncateSync } from 'node:fs'
import { appendFile, stat, truncate } from 'node:fs/promises'
import { resolve as resolvePath } from 'node:path'
import type { Writable } from 'node:stream'

export const GENESIS: string = '0'.repeat(64)
export const REDACTED = '[REDACTED]'

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

// ── Redaction ────────────────────────────────────────────────────────────────────────────────────

// Credentials found anywhere inside a string, not only as the whole value. Every pattern that repeats a
// character class is preceded by a lookbehind excluding that class, so a match can only start at the
// beginning of a run and each run is scanned once: linear time on model-supplied text (test/runtime).
const B = '(?<![A-Za-z0-9_-])'
const TOKEN_PATTERNS: readonly RegExp[] = [
  // OpenAI (sk-…, sk-proj-…), Anthropic (sk-ant-…), Stripe (sk_live_…, rk_…, pk_…)
  new RegExp(`${B}(?:sk|pk|rk)[-_][A-Za-z0-9_-]{16,}`, 'g'),
  new RegExp(`${B}gsk_[A-Za-z0-9]{10,}`, 'g'), // Groq
  new RegExp(`${B}(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![0-9A-Za-z])`, 'g'), // AWS access key id
  new RegExp(`${B}(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})`, 'g'), // GitHub
  new RegExp(`${B}glpat-[A-Za-z0-9_-]{20,}`, 'g'), // GitLab
  new RegExp(`${B}xox[abposr]-[A-Za-z0-9-]{10,}`, 'g'), // Slack
  new RegExp(`${B}AIza[0-9A-Za-z_-]{30,}`, 'g'), // Google API key
  new RegExp(`${B}(?:hf_[A-Za-z0-9]{30,}|npm_[A-Za-z0-9]{36})`, 'g'), // Hugging Face, npm
  new RegExp(`${B}SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}`, 'g'), // SendGrid
  new RegExp(`${B}eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}`, 'g'), // JWT
  // Authorization header values (capitalised as in headers, so prose like "basic functionality" stays)
  /(?<![A-Za-z0-9])Bearer[ \t]{1,8}[A-Za-z0-9._~+/=-]{8,}/g,
  /(?<![A-Za-z0-9])Basic[ \t]{1,8}(?=[A-Za-z._~-]{0,200}[0-9+/=])[A-Za-z0-9._~+/=-]{8,}/g,
  /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[A-Za-z0-9+/=\s]*(?:-----END [A-Z ]{0,40}PRIVATE KEY-----)?/g,
]
// user:password@ in URLs: the userinfo is redacted, scheme and host kept
const URL_USERINFO = /(?<![A-Za-z0-9+.-])([a-z][a-z0-9+.-]{0,20}:\/\/)[^\s:/@]{1,64}:[^\s/@]{1,128}@/gi
// `name=value` / `"name": "value"` / `name: value` inside text (query strings, headers, env dumps):
// the name is kept, the value redacted.
const KEY_VALUE = /(?<![A-Za-z0-9_])((?:[A-Za-z0-9]{1,20}[-_])?(?:api[-_]?key|apikey|access[-_]?token|refresh[-_]?token|auth[-_]?token|id[-_]?token|token|secret|client[-_]?secret|secret[-_]?access[-_]?key|password|passwd|pwd|passphrase|private[-_]?key)["']?[ \t]{0,4}[:=][ \t]{0,4}["']?)([^\s"'&,;}]{1,})/gi

// Keys whose value is a credential, whatever it looks like (after camelCase/kebab-case → snake_case).
const SECRET_KEY = /(?:^|_)(?:api_?key|apikey|token|access_?token|refresh_?token|id_?token|auth_?token|bearer_?token|secret|client_?secret|secret_?key|secret_?access_?key|access_?key|private_?key|password|passwd|pwd|passphrase|authorization|auth|credentials?|cookie|set_cookie|session_?id|session_?token)$/

const keyVerdicts = new Map<string, boolean>()

/** True when a property name names a credential (`apiKey`, `x-api-key`, `OPENAI_API_KEY`, `password`, …). */
export function isSecretKey(key: string): boolean {
  let v = keyVerdicts.get(key)
  if (v === undefined) {
    v = SECRET_KEY.test(key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().replace(/[-.\s]/g, '_'))
    if (keyVerdicts.size < 4096) keyVerdicts.set(key, v)
  }
  return v
}

// all token patterns in one pass (each alternative keeps its own lookbehind, so the scan stays linear)
const TOKENS = new RegExp(TOKEN_PATTERNS.map(r => `(?:${r.source})`).join('|'), 'g')

/** `text` with every credential-looking substring replaced by `[REDACTED]`. */
export function redactText(text: string): string {
  let out = text.replace(TOKENS, REDACTED)
  if (out.includes('://')) out = out.replace(URL_USERINFO, `$1${REDACTED}@`)
  if (out.includes(':') || out.includes('=')) out = out.replace(KEY_VALUE, (_m, name: string, value: string) => (value === REDACTED ? `${name}${value}` : `${name}${REDACTED}`))
  return out
}

/** True when `value` contains something that looks like a key, token or password. */
export function looksSecret(value: string): boolean {
  return redactText(value) !== value
}

function splitPath(p: string): string[] {
  return p.replace(/\[(\d+|\*)\]/g, '.$1').replace(/^\./, '').split('.')
}

/**
 * A copy of `value` with the given paths, keys that name credentials and credential-looking
 * substrings replaced by `[REDACTED]`. Paths are dotted and rooted at `value` (`headers.authorization`,
 * `items.*.token`, `items[0].token`); `*` matches any one key or index. Own enumerable properties only;
 * getters that throw, cycles and over-deep nesting become markers instead of exceptions.
 */
export function redact(value: unknown, paths: readonly string[] = []): unknown {
  const split = paths.map(splitPath)
  const seen = new WeakSet<object>()
  const walk = (v: unknown, at: string[], depth: number): unknown => {
    if (split.some(p => p.length === at.length && p.every((s, i) => s === at[i] || s === '*'))) return REDACTED
    if (typeof v === 'string') return redactText(v)
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
      const r = isSecretKey(k) && x !== null && x !== undefined && x !== '' ? REDACTED : walk(x, [...at, k], depth + 1)
      Object.defineProperty(out, k, { value: r, enumerable: true, writable: true, configurable: true })
    }
    seen.delete(v)
    return out
  }
  return walk(value, [], 0)
}

// ── Sinks ────────────────────────────────────────────────────────────────────────────────────────

/**
 * Where records go. A sink is one log, so it owns the chain: `write` seals the record (seq, prev,
 * hash) and must not block or throw into the decision path. Several guards may share one sink.
 */
export interface RecordSink {
  write(record: UnsignedRecord): DecisionRecord
  /** Writes out everything buffered; rejects if that failed (the records stay buffered). */
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
  /** Write out once this many records are buffered. @default 256 */
  maxBuffered?: number
  /** Write out this long after the first buffered record. @default 50 */
  flushMs?: number
  /**
   * On SIGINT, SIGTERM and SIGHUP, write out the buffer before the signal takes effect. When vetoc's
   * listener is the only one, it re-raises the signal afterwards (so the default action still
   * happens, at most `signalFlushMs` later); when the application has its own listener, vetoc only
   * starts the write and leaves the exit to the application.
   * @default true
   */
  handleSignals?: boolean
  /** How long a signal waits for the write before the default action. @default 2000 */
  signalFlushMs?: number
}

/** One open log file, shared by every sink opened on the same path in this process. */
interface Log {
  path: string
  chain: Chain
  buffer: string[]
  timer: NodeJS.Timeout | undefined
  /** the write queue; never rejects */
  writing: Promise<void>
  /** the chunk being written, for the synchronous write at exit */
  inflight: string | undefined
  /** bytes of the file that are ours and complete; undefined for non-regular files */
  size: number | undefined
  /** the last write failed; `beforeExit` leaves it to the synchronous attempt at exit */
  failing: boolean
  refs: number
  signals: boolean
  onError: (error: Error) => void
  maxBuffered: number
  flushMs: number
  signalFlushMs: number
}

const open = new Map<string, Log>()
const pending = new Set<Log>()
let exitHooked = false
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
let signalsHooked = false

function fileSize(path: string): number | undefined {
  try {
    return statSync(path).size
  } catch {
    return undefined
  }
}

async function writeOut(log: Log): Promise<void> {
  if (log.buffer.length === 0) {
    pending.delete(log)
    return
  }
  const chunk = log.buffer.join('')
  log.buffer = []
  log.inflight = chunk
  const bytes = Buffer.byteLength(chunk)
  try {
    await appendFile(log.path, chunk)
  } catch (e) {
    // a partial append would leave a torn line in the middle of the log: cut it before the retry
    if (log.size !== undefined) {
      const now = await stat(log.path).then(s => s.size, () => undefined)
      if (now !== undefined && now > log.size && now < log.size + bytes) await truncate(log.path, log.size).catch(() => {})
    }
    log.buffer.unshift(chunk)
    log.failing = true
    throw e
  } finally {
    log.inflight = undefined
  }
  log.failing = false
  if (log.size !== undefined) log.size += bytes
  if (log.buffer.length === 0) pending.delete(log)
}

/** Queues a write of everything buffered; the returned promise rejects if it failed. */
function drain(log: Log): Promise<void> {
  if (log.timer) {
    clearTimeout(log.timer)
    log.timer = undefined
  }
  const p = log.writing.then(() => writeOut(log))
  log.writing = p.catch((e: Error) => log.onError(new Error(`cannot write: ${e.message} (records kept in memory for the next flush)`)))
  return p
}

/** At `process.exit()` or the end of the event loop: no more async work, write synchronously. */
function writeOutSync(log: Log): void {
  let text = log.buffer.join('')
  if (log.inflight !== undefined) {
    // an async append was cut short by the exit: find out how much of it reached the file
    const now = log.size === undefined ? undefined : fileSize(log.path)
    const bytes = Buffer.byteLength(log.inflight)
    if (now === undefined || now <= (log.size ?? 0)) text = log.inflight + text
    else if (log.size !== undefined && now < log.size + bytes) {
      truncateSync(log.path, log.size)
      text = log.inflight + text
    }
  }
  if (text === '') return
  try {
    appendFileSync(log.path, text)
    log.buffer = []
    pending.delete(log)
  } catch (e) {
    log.onError(new Error(`cannot write at exit, the buffered records are lost: ${(e as Error).message}`))
  }
}

function hookExit(): void {
  if (exitHooked) return
  exitHooked = true
  // the loop ran dry with records buffered (the flush timer is unref'd): write them out asynchronously
  process.on('beforeExit', () => {
    for (const log of pending) if (!log.failing) drain(log).catch(() => {})
  })
  process.on('exit', () => {
    for (const log of [...pending]) writeOutSync(log)
  })
}

function onSignal(signal: NodeJS.Signals): void {
  const alone = process.listenerCount(signal) === 1
  const written = Promise.allSettled([...pending].map(drain))
  if (!alone) return
  const wait = Math.max(0, ...[...open.values()].map(l => l.signalFlushMs))
  let done = false
  const finish = (): void => {
    if (done) return
    done = true
    clearTimeout(timer)
    unhookSignals()
    process.kill(process.pid, signal) // no listener left: the default action (termination) happens
  }
  const timer = setTimeout(finish, wait) // a write that hangs must not keep the signal from taking effect
  void written.then(finish)
}

function syncSignalHooks(): void {
  const want = [...open.values()].some(l => l.signals)
  if (want && !signalsHooked) {
    signalsHooked = true
    for (const s of SIGNALS) process.on(s, onSignal)
  } else if (!want && signalsHooked) unhookSignals()
}

function unhookSignals(): void {
  signalsHooked = false
  for (const s of SIGNALS) process.off(s, onSignal)
}

/**
 * JSON Lines file sink. `write` seals the record and appends it to an in-memory buffer; the buffer
 * goes to disk asynchronously after `flushMs` or `maxBuffered` records, on `flush()`/`close()`,
 * when the event loop runs dry, on SIGINT/SIGTERM/SIGHUP, and synchronously at `process.exit()`. A
 * decision never waits for the disk; a crash (SIGKILL, power loss) loses at most the unflushed tail.
 *
 * Opening an existing log continues its chain; an incomplete last line left by a crash is cut off
 * (and reported through `onError`) so the log keeps verifying. Sinks opened on the same path in one
 * process share one chain. One process should write a given file.
 */
export function createFileSink(path: string, options: FileSinkOptions = {}): RecordSink {
  const key = resolvePath(path)
  const acquire = (): Log => {
    let log = open.get(key)
    if (!log) {
      const onError = options.onError ?? ((e: Error) => console.error(`vetoc: decision log ${path}: ${e.message}`))
      const found = inspect(key, onError)
      log = {
        path: key,
        chain: new Chain(found.start),
        buffer: found.lead ? [found.lead] : [],
        timer: undefined,
        writing: Promise.resolve(),
        inflight: undefined,
        size: found.size,
        failing: false,
        refs: 0,
        signals: options.handleSignals ?? true,
        onError,
        maxBuffered: options.maxBuffered ?? 256,
        flushMs: options.flushMs ?? 50,
        signalFlushMs: options.signalFlushMs ?? 2000,
      }
      open.set(key, log)
      hookExit()
    }
    log.refs++
    syncSignalHooks()
    return log
  }
  let log: Log | undefined = acquire()
  let last: Log = log
  const current = (): Log => (log ??= acquire())
  return {
    write(unsigned) {
      const l = (last = current())
      const record = l.chain.seal(unsigned)
      l.buffer.push(`${JSON.stringify(record)}\n`)
      pending.add(l)
      if (l.buffer.length >= l.maxBuffered) drain(l).catch(() => {})
      else if (!l.timer) {
        l.timer = setTimeout(() => void drain(l).catch(() => {}), l.flushMs)
        l.timer.unref()
      }
      return record
    },
    flush: () => drain(log ?? last),
    async close() {
      const l = log
      if (!l) return
      log = undefined
      l.refs--
      try {
        await drain(l)
      } finally {
        if (l.refs === 0 && !pending.has(l) && open.get(key) === l) open.delete(key)
        syncSignalHooks()
      }
    },
  }
}

/** Where an existing log ends, so its chain continues across restarts. */
function inspect(path: string, onError: (e: Error) => void): { start?: { prev: string; seq: number }; size: number | undefined; lead?: string } {
  let st
  try {
    st = statSync(path)
  } catch {
    return { size: 0 }
  }
  if (!st.isFile()) return { size: undefined } // a FIFO or device: nothing to resume, nothing to measure
  for (;;) {
    const found = lastLine(path)
    if (found === undefined) return { size: 0 }
    const { text, start, size, newline } = found
    let record: DecisionRecord | undefined
    try {
      const r = JSON.parse(text) as DecisionRecord
      if (r !== null && typeof r === 'object' && typeof r.hash === 'string' && typeof r.seq === 'number') record = r
    } catch {}
    if (!newline && record === undefined && text.startsWith('{')) {
      // an append cut short by a crash: the rest of that record never reached the disk
      truncateSync(path, start)
      onError(new Error(`dropped an incomplete last line (${size - start} bytes) left by an interrupted write`))
      continue
    }
    if (record === undefined) {
      onError(new Error('the file does not end with a decision record; new records start a new chain'))
      return { size, ...(newline ? {} : { lead: '\n' }) }
    }
    return { start: { prev: record.hash, seq: record.seq + 1 }, size, ...(newline ? {} : { lead: '\n' }) }
  }
}

/** The last non-empty line of a file (read backwards, whatever its length). */
function lastLine(path: string): { text: string; start: number; size: number; newline: boolean } | undefined {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    if (size === 0) return undefined
    const one = Buffer.alloc(1)
    readSync(fd, one, 0, 1, size - 1)
    const newline = one[0] === 0x0a
    let end = size
    while (end > 0) {
      readSync(fd, one, 0, 1, end - 1)
      if (one[0] !== 0x0a && one[0] !== 0x0d) break
      end--
    }
    if (end === 0) return undefined
    let start = 0
    for (let pos = end; pos > 0; ) {
      const len = Math.min(pos, 1 << 16)
      const buf = Buffer.alloc(len)
      readSync(fd, buf, 0, len, pos - len)
      const i = buf.lastIndexOf(0x0a)
      if (i >= 0) {
        start = pos - len + i + 1
        break
      }
      pos -= len
    }
    const line = Buffer.alloc(end - start)
    readSync(fd, line, 0, end - start, start)
    return { text: line.toString('utf8'), start, size, newline }
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

// ── Verification and export ──────────────────────────────────────────────────────────────────────

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
