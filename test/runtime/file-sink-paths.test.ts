/**
 * The durable file sink's paths that run in process: reopening a log whose end is unusual, the
 * key a shared log is opened with, checkpoints between flushes, and what the exit, beforeExit and
 * signal hooks write. The hooks are vetoc's own process listeners; they are called here directly
 * (and `process.kill` is stubbed), so the worker neither exits nor receives a signal. The real
 * process-end behaviour, with child processes, is tested in records.test.ts and signing.test.ts.
 */
import { execFileSync } from 'node:child_process'
import { appendFileSync, closeSync, constants, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi, type MockInstance } from 'vitest'
import { Chain, createFileSink, generateSigningKeys, GENESIS, verifyLog, type DecisionRecord, type RecordSink, type UnsignedRecord } from '../../src/records/index.js'
import { tempDirs } from '../support/temp-dirs.js'

const tmp = tempDirs('vetoc-file-sink-')
afterEach(() => {
  vi.restoreAllMocks()
})

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))
const rec = (i: number, args: unknown = { i }): UnsignedRecord => ({ time: `2026-11-24T12:00:${String(i % 60).padStart(2, '0')}.000Z`, policy: 'p', digest: 'd', tool: 't', decision: 'allow', args })
const parsed = (text: string): Record<string, unknown>[] => text.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as Record<string, unknown>)
const KEYS = generateSigningKeys()
/** The line a log's first record is written as (canonical member order, hash last). */
const firstLine = (r: UnsignedRecord): string => new Chain().sealLine(r).line
/** Options that keep records in the buffer until the test writes them out. */
const HELD = { flushMs: 60_000, handleSignals: false } as const

/** Lets queued promise callbacks run without letting any I/O complete (no macrotask turn). */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await null
}

/** vetoc's listener for `event`, told apart from other listeners by a name its code calls. */
function vetocListener(event: 'exit' | 'beforeExit', calls: string): () => void {
  const found = process.listeners(event).filter(l => l.toString().includes(calls))
  expect(found).toHaveLength(1)
  return found[0] as () => void
}

describe('reopening an existing log', () => {
  it('continues the chain after a last record longer than one 64 KiB read-back window', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    const chain = new Chain()
    // the big record's line has no newline in the last 64 KiB, so the search for its start goes on
    const text = [rec(0), rec(1, { blob: 'x'.repeat(150_000) })].map(r => chain.sealLine(r).line).join('')
    writeFileSync(file, text)
    const lastHash = (parsed(text)[1] as unknown as DecisionRecord).hash
    const sink = createFileSink(file, HELD)
    const next = sink.write(rec(2))
    await sink.close!()
    expect(next).toMatchObject({ seq: 2, prev: lastHash })
    expect(verifyLog(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, count: 3 })
  }, 20_000)

  it('a file of blank lines only is an empty log: the records are written from its first byte', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    writeFileSync(file, '\n\n')
    const errors: string[] = []
    const sink = createFileSink(file, { ...HELD, onError: e => void errors.push(e.message) })
    const first = sink.write(rec(0))
    await sink.close!()
    expect(first).toMatchObject({ seq: 0, prev: GENESIS })
    expect(readFileSync(file, 'utf8')).toBe(firstLine(rec(0)))
    expect(errors).toEqual([])
  })

  it('a complete last line that is not a record is kept, reported, and a new chain starts after it', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    writeFileSync(file, 'rotated by logrotate\n')
    const errors: string[] = []
    const sink = createFileSink(file, { ...HELD, onError: e => void errors.push(e.message) })
    const first = sink.write(rec(0))
    await sink.close!()
    expect(errors).toEqual(['the file does not end with a decision record; new records start a new chain'])
    expect(first).toMatchObject({ seq: 0, prev: GENESIS })
    expect(readFileSync(file, 'utf8')).toBe(`rotated by logrotate\n${firstLine(rec(0))}`)
  })

  it('the same, without a final newline: the first record goes on a line of its own; by default the report goes to console.error', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    writeFileSync(file, 'rotated by logrotate')
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const sink = createFileSink(file, HELD)
    const first = sink.write(rec(0))
    await sink.close!()
    expect(first).toMatchObject({ seq: 0, prev: GENESIS })
    expect(logged.mock.calls).toEqual([[`vetoc: decision log ${file}: the file does not end with a decision record; new records start a new chain`]])
    expect(readFileSync(file, 'utf8')).toBe(`rotated by logrotate\n${firstLine(rec(0))}`)
  })
})

describe('one file, one signing key', () => {
  it('a second sink on an open log must use the key the first one uses, and the error says which that is', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    const unsigned = createFileSink(file, HELD)
    expect(() => createFileSink(file, { ...HELD, signingKey: KEYS.privatePem })).toThrow(new TypeError(`decision log ${file} is already open in this process unsigned; every sink on one file must use the same signingKey`))
    await unsigned.close!()
    const signed = createFileSink(file, { ...HELD, signingKey: KEYS.privatePem })
    expect(() => createFileSink(file, HELD)).toThrow(new TypeError(`decision log ${file} is already open in this process signed by key ${KEYS.keyId.slice(0, 12)}…; every sink on one file must use the same signingKey`))
    await signed.close!()
  })
})

describe('signed checkpoints between flushes', () => {
  it('checkpointEvery puts a checkpoint after every so many records, before any flush', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    const sink = createFileSink(file, { ...HELD, signingKey: KEYS.privatePem, checkpointEvery: 2 })
    for (let i = 0; i < 5; i++) sink.write(rec(i))
    await sink.close!()
    // records 0 1, checkpoint of 2, records 2 3, checkpoint of 4, record 4, closing checkpoint of 5
    expect(parsed(readFileSync(file, 'utf8')).map(l => ('checkpoint' in l ? `cp${String(l['records'])}` : String(l['seq'])))).toEqual(['0', '1', 'cp2', '2', '3', 'cp4', '4', 'cp5'])
    expect(verifyLog(readFileSync(file, 'utf8'), { keys: [KEYS.publicPem], requireClosed: true })).toMatchObject({ ok: true, count: 5, checkpoints: 3 })
  })
})

describe('at process exit (vetoc\'s exit listener, called directly)', () => {
  const atExit = (): void => vetocListener('exit', 'writeOutSync')()

  it('writes every buffered record synchronously, and closes a signed log', async () => {
    const dir = tmp()
    const plain = join(dir, 'plain.jsonl')
    const signed = join(dir, 'signed.jsonl')
    const errors: string[] = []
    const onError = (e: Error): void => void errors.push(e.message)
    const a = createFileSink(plain, { ...HELD, onError })
    const b = createFileSink(signed, { ...HELD, onError, signingKey: KEYS.privatePem })
    for (let i = 0; i < 3; i++) {
      a.write(rec(i))
      b.write(rec(i))
    }
    atExit() // no await: at exit nothing asynchronous runs any more
    expect(verifyLog(readFileSync(plain, 'utf8'))).toMatchObject({ ok: true, count: 3 })
    expect(verifyLog(readFileSync(signed, 'utf8'), { keys: [KEYS.publicPem], requireClosed: true })).toMatchObject({ ok: true, count: 3, closed: true })
    const before = { plain: readFileSync(plain, 'utf8'), signed: readFileSync(signed, 'utf8') }
    // what was written at exit is not written again, and a closed log gets no second closing checkpoint
    await a.close!()
    await b.close!()
    expect({ plain: readFileSync(plain, 'utf8'), signed: readFileSync(signed, 'utf8') }).toEqual(before)
    expect(errors).toEqual([])
  })

  it('a write still in flight is written again at its own offset, so each record lands once, in order', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    const sink = createFileSink(file, HELD)
    sink.write(rec(0))
    const flushing = sink.flush() // starts writing record 0; the file is not opened before the next I/O turn
    await microtasks()
    sink.write(rec(1))
    sink.write(rec(2))
    atExit()
    await flushing // the first write lands now, over the same bytes
    await sink.close!()
    const text = readFileSync(file, 'utf8')
    expect(verifyLog(text)).toMatchObject({ ok: true, count: 3 })
    expect(parsed(text).map(r => r['seq'])).toEqual([0, 1, 2])
  })

  it('writes where the sink\'s complete records end, over the torn tail of a write that landed only in part', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    const sink = createFileSink(file, HELD)
    sink.write(rec(0))
    await sink.flush()
    appendFileSync(file, '{"time":"2026-11-24T12:00:01') // what part of an interrupted write would leave
    sink.write(rec(1))
    atExit()
    await sink.close!()
    expect(verifyLog(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, count: 2 })
  })

  it('appends to a file that is not a regular one (a FIFO)', async () => {
    const fifo = join(tmp(), 'decisions.fifo')
    execFileSync('mkfifo', [fifo])
    // a reader that does not block on open, so the synchronous write at exit finds one
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    try {
      const sink = createFileSink(fifo, HELD)
      sink.write(rec(0))
      atExit()
      await sink.close!() // nothing left to write: the FIFO is not opened again
      const buf = Buffer.alloc(4096)
      expect(buf.toString('utf8', 0, readSync(reader, buf, 0, buf.length, null))).toBe(firstLine(rec(0)))
    } finally {
      closeSync(reader)
    }
  })

  it('a write that fails at exit is reported, and the records stay buffered', async () => {
    const dir = join(tmp(), 'not-yet')
    const file = join(dir, 'decisions.jsonl')
    const errors: string[] = []
    const sink = createFileSink(file, { ...HELD, onError: e => void errors.push(e.message) })
    sink.write(rec(0))
    sink.write(rec(1))
    atExit()
    expect(errors).toEqual([`cannot write at exit, the buffered records are lost: ENOENT: no such file or directory, open '${file}'`])
    mkdirSync(dir)
    await sink.close!()
    expect(verifyLog(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, count: 2 })
  })
})

describe('when the event loop runs dry (vetoc\'s beforeExit listener, called directly)', () => {
  const beforeExit = (): void => vetocListener('beforeExit', 'failing')()

  it('starts writing the buffered records', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    const sink = createFileSink(file, HELD)
    sink.write(rec(0))
    beforeExit()
    await sleep(100)
    expect(verifyLog(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, count: 1 })
    await sink.close!()
  })

  it('leaves a log whose last write failed to the synchronous attempt at exit (no second failing write)', async () => {
    const dir = join(tmp(), 'not-yet')
    const errors: string[] = []
    const sink = createFileSink(join(dir, 'decisions.jsonl'), { ...HELD, onError: e => void errors.push(e.message) })
    sink.write(rec(0))
    await expect(sink.flush()).rejects.toThrow(/ENOENT/)
    expect(errors).toHaveLength(1)
    beforeExit()
    await sleep(100)
    expect(errors).toHaveLength(1)
    mkdirSync(dir)
    await sink.close!()
  })
})

describe('on SIGINT, SIGTERM or SIGHUP (vetoc\'s signal listener, called directly)', () => {
  type SignalListener = (signal: NodeJS.Signals) => void
  const vetocSignalListener = (): SignalListener => {
    const found = process.listeners('SIGHUP').filter(l => l.name === 'onSignal')
    expect(found).toHaveLength(1)
    return found[0] as SignalListener
  }
  const stubKill = (): MockInstance<typeof process.kill> => vi.spyOn(process, 'kill').mockImplementation(() => true)
  const withSink = async (file: string, body: (sink: RecordSink) => Promise<void>): Promise<void> => {
    const sink = createFileSink(file, { flushMs: 60_000, signingKey: KEYS.privatePem })
    try {
      await body(sink)
    } finally {
      await sink.close!()
    }
  }

  it('beside the application\'s own listener: writes the buffer with a plain checkpoint and leaves the exit to the application', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    const kill = stubKill()
    const app = (): void => {}
    process.on('SIGHUP', app)
    try {
      await withSink(file, async sink => {
        for (let i = 0; i < 2; i++) sink.write(rec(i))
        vetocSignalListener()('SIGHUP')
        await sleep(100)
        const lines = parsed(readFileSync(file, 'utf8'))
        expect(lines.map(l => l['seq'] ?? `cp${String(l['records'])}${l['closing'] ? ' closing' : ''}`)).toEqual([0, 1, 'cp2'])
        expect(kill).not.toHaveBeenCalled()
      })
    } finally {
      process.off('SIGHUP', app)
    }
  })

  it('alone: closes the signed log, writes it, then unhooks itself and re-raises the signal', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    const kill = stubKill()
    let atKill = ''
    kill.mockImplementation(() => {
      atKill = readFileSync(file, 'utf8') // what the default action would leave on disk
      return true
    })
    await withSink(file, async sink => {
      for (let i = 0; i < 2; i++) sink.write(rec(i))
      const onSignal = vetocSignalListener()
      onSignal('SIGHUP')
      await vi.waitFor(() => expect(kill).toHaveBeenCalled(), { timeout: 2000 })
      expect(kill.mock.calls).toEqual([[process.pid, 'SIGHUP']])
      expect(verifyLog(atKill, { keys: [KEYS.publicPem], requireClosed: true })).toMatchObject({ ok: true, count: 2, closed: true })
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) expect(process.listeners(s), s).not.toContain(onSignal)
    })
  })

  it('alone with a write that hangs: the signal takes effect after signalFlushMs, once', async () => {
    const fifo = join(tmp(), 'decisions.fifo')
    execFileSync('mkfifo', [fifo])
    const kill = stubKill()
    const sink = createFileSink(fifo, { flushMs: 60_000, signingKey: KEYS.privatePem, signalFlushMs: 400 })
    let reader: number | undefined
    let text = ''
    // a reader that never blocks: once it is open, the stuck write (and any later one) completes
    const openReader = (): number => (reader ??= openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK))
    const readSome = (): void => {
      const buf = Buffer.alloc(65_536)
      try {
        text += buf.toString('utf8', 0, readSync(openReader(), buf, 0, buf.length, null))
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e
      }
    }
    try {
      sink.write(rec(0))
      vetocSignalListener()('SIGHUP') // the write blocks opening the FIFO: nobody reads it
      await sleep(100)
      expect(kill).not.toHaveBeenCalled()
      await vi.waitFor(() => expect(kill).toHaveBeenCalledTimes(1), { timeout: 3000 })
      await vi.waitFor(() => {
        readSome()
        expect(verifyLog(text, { keys: [KEYS.publicPem], requireClosed: true })).toMatchObject({ ok: true, count: 1, closed: true })
      }, { timeout: 3000 })
      await sleep(50) // the write has settled: the signal is not raised a second time
      expect(kill).toHaveBeenCalledTimes(1)
    } finally {
      openReader()
      await sink.close!()
      closeSync(reader!)
    }
  })
})
