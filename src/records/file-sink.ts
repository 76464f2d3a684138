/** The durable decision log: an append-only JSON Lines file, buffered so a decision never waits for the disk. */
import { appendFileSync, closeSync, constants, fstatSync, openSync, readSync, statSync, truncateSync, writeSync } from 'node:fs'
import { appendFile, open as openFile, stat, truncate } from 'node:fs/promises'
import { resolve as resolvePath } from 'node:path'
import { Chain, type DecisionRecord } from './chain.js'
import { Checkpointer, isCheckpointLine, readCheckpoint } from './signing.js'
import type { RecordSink, SigningOptions } from './sinks.js'

export interface FileSinkOptions extends SigningOptions {
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
  /** signs checkpoints, when the log has a signing key */
  checkpointer: Checkpointer | undefined
}

const open = new Map<string, Log>()
const pending = new Set<Log>()
let exitHooked = false
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
let signalsHooked = false

/** Open for writing at chosen offsets: created if missing, never truncated, and not `O_APPEND` (which ignores offsets). */
const WRITE_AT = constants.O_WRONLY | constants.O_CREAT

/** Writes all of `bytes` at `position` of the file. */
async function writeAt(path: string, bytes: Buffer, position: number): Promise<void> {
  const fh = await openFile(path, WRITE_AT)
  try {
    for (let done = 0; done < bytes.length; ) done += (await fh.write(bytes, done, bytes.length - done, position + done)).bytesWritten
  } finally {
    await fh.close()
  }
}

/** `writeAt`, synchronously (at process exit). */
function writeAtSync(path: string, bytes: Buffer, position: number): void {
  const fd = openSync(path, WRITE_AT)
  try {
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, position + done)
  } finally {
    closeSync(fd)
  }
}

/**
 * Writes the buffer out. A regular file is written at the offset where our complete records end
 * (`log.size`), not appended to: if the process exits while this write is still with the thread
 * pool, the exit writes the same bytes at the same offset (plus the rest), so whichever of the two
 * lands last, the file holds each record once, in order.
 */
async function writeOut(log: Log): Promise<void> {
  if (log.buffer.length === 0) {
    pending.delete(log)
    return
  }
  const chunk = log.buffer.join('')
  log.buffer = []
  log.inflight = chunk
  const bytes = Buffer.from(chunk)
  try {
    if (log.size === undefined) await appendFile(log.path, bytes)
    else await writeAt(log.path, bytes, log.size)
  } catch (e) {
    // a partial write would leave a torn line after our records: cut it before the retry
    if (log.size !== undefined) {
      const now = await stat(log.path).then(s => s.size, () => undefined)
      if (now !== undefined && now > log.size && now < log.size + bytes.length) await truncate(log.path, log.size).catch(() => {})
    }
    log.buffer.unshift(chunk)
    log.failing = true
    throw e
  } finally {
    log.inflight = undefined
  }
  log.failing = false
  if (log.size !== undefined) log.size += bytes.length
  if (log.buffer.length === 0) pending.delete(log)
}

/** Appends a checkpoint of the records so far to the buffer (signed logs only; nothing when nothing is new). */
function checkpoint(log: Log, closing: boolean): void {
  const line = log.checkpointer?.now(log.chain, closing)
  if (line === undefined) return
  log.buffer.push(line)
  pending.add(log)
}

/**
 * Queues a write of everything buffered, closed by a checkpoint when the log is signed, so every
 * complete write leaves a log whose records are all covered; the returned promise rejects if it failed.
 */
function drain(log: Log, closing = false): Promise<void> {
  checkpoint(log, closing)
  if (log.timer) {
    clearTimeout(log.timer)
    log.timer = undefined
  }
  const p = log.writing.then(() => writeOut(log))
  log.writing = p.catch((e: Error) => log.onError(new Error(`cannot write: ${e.message} (records kept in memory for the next flush)`)))
  return p
}

/**
 * At `process.exit()` or the end of the event loop: no more async work, write synchronously. A write
 * still in flight is written again, at its own offset: the thread pool may finish it before or after
 * this one, or never, and the bytes there are the same either way.
 */
function writeOutSync(log: Log): void {
  const text = (log.inflight ?? '') + log.buffer.join('')
  if (text === '') return
  try {
    if (log.size === undefined) appendFileSync(log.path, text)
    else writeAtSync(log.path, Buffer.from(text), log.size)
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
    // the process ends in order: every signed log still open is closed by its writer
    for (const log of open.values()) checkpoint(log, true)
    for (const log of [...pending]) writeOutSync(log)
  })
}

function onSignal(signal: NodeJS.Signals): void {
  const alone = process.listenerCount(signal) === 1
  // alone, vetoc ends the process after the write: the open signed logs are closed by their writer
  if (alone) for (const log of open.values()) checkpoint(log, true)
  const written = Promise.allSettled([...pending].map(l => drain(l)))
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
 * process share one chain (and must agree on the signing key). One process should write a given file.
 *
 * With `signingKey`, every write ends with a signed checkpoint, and `close()` (or `process.exit()`, or
 * a signal vetoc handles alone) writes a closing one.
 */
export function createFileSink(path: string, options: FileSinkOptions = {}): RecordSink {
  const key = resolvePath(path)
  // a key that is not an Ed25519 private key fails here, at setup, not in the decision path
  const keyId = options.signingKey === undefined ? undefined : new Checkpointer(options.signingKey, options.checkpointEvery).keyId
  const acquire = (): Log => {
    let log = open.get(key)
    if (log && log.checkpointer?.keyId !== keyId) {
      throw new TypeError(`decision log ${path} is already open in this process ${log.checkpointer ? `signed by key ${log.checkpointer.keyId.slice(0, 12)}…` : 'unsigned'}; every sink on one file must use the same signingKey`)
    }
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
        checkpointer: options.signingKey === undefined ? undefined : new Checkpointer(options.signingKey, options.checkpointEvery, found.start?.seq ?? 0),
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
      const { record, line } = l.chain.sealLine(unsigned)
      l.buffer.push(line)
      const cp = l.checkpointer?.afterRecord(l.chain)
      if (cp !== undefined) l.buffer.push(cp)
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
        await drain(l, l.refs === 0) // the last sink on the file closes the log
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
    let record: { hash: string; seq: number } | undefined
    try {
      const r = JSON.parse(text) as DecisionRecord
      if (isCheckpointLine(r)) {
        // a checkpoint names the chain's length and head: where the next record continues
        const cp = readCheckpoint(r as unknown as Record<string, unknown>)
        if (typeof cp !== 'string') record = { hash: cp.head, seq: cp.records - 1 }
      } else if (r !== null && typeof r === 'object' && typeof r.hash === 'string' && typeof r.seq === 'number') record = r
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
