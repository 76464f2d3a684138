/**
 * The regex analysis worker (compiler/check/recheck.ts): one worker thread, started once, analyses
 * every pattern of a call with recheck; it never keeps the process alive; where no worker can
 * start, or once it has failed, ended or left a batch without an answer, each pattern goes through
 * recheck's `checkSync` with the same budget; and a worker that reports recheck's failure stops the
 * build with an error that says so.
 *
 * The worker is a module-level singleton, started by the first analysis of the process, so each
 * test imports its own copy of the module (a query on the path), with `Worker` and `checkSync`
 * wrapped to see which one did the work.
 */
import { once } from 'node:events'
import { createRequire } from 'node:module'
import * as threads from 'node:worker_threads'
import * as recheck from 'recheck'
import { afterEach, describe, expect, it, vi } from 'vitest'

type RecheckModule = typeof import('../../compiler/check/recheck.js')

let copies = 0
const checkSyncCalls: unknown[][] = []

/** A fresh copy of compiler/check/recheck.ts whose `Worker` is `WorkerClass`. */
async function freshAnalyser(WorkerClass: unknown): Promise<RecheckModule> {
  vi.doMock('node:worker_threads', () => ({ ...threads, Worker: WorkerClass }))
  vi.doMock('recheck', () => ({
    ...recheck,
    checkSync: (...args: Parameters<typeof recheck.checkSync>) => {
      checkSyncCalls.push(args)
      return recheck.checkSync(...args)
    },
  }))
  try {
    return (await import(/* @vite-ignore */ `../../compiler/check/recheck.ts?copy=${copies++}`)) as RecheckModule
  } finally {
    vi.doUnmock('node:worker_threads')
    vi.doUnmock('recheck')
  }
}

/** The real `Worker`, recording each one started and each `unref`. */
const started: { options: threads.WorkerOptions | undefined; unrefs: number; worker: threads.Worker }[] = []
class RecordingWorker extends threads.Worker {
  readonly record: (typeof started)[number]
  constructor(code: string | URL, options?: threads.WorkerOptions) {
    super(code, options)
    this.record = { options, unrefs: 0, worker: this }
    started.push(this.record)
  }
  override unref(): void {
    this.record.unrefs++
    super.unref()
  }
}

afterEach(async () => {
  for (const s of started.splice(0)) await s.worker.terminate()
  checkSyncCalls.length = 0
})

const exponential = { source: '^(a+)+$', flags: '' }
const linear = { source: '^ab$', flags: 'i' }

describe('the analysis worker', () => {
  it('one worker, started with recheck\'s own entry point, analyses every pattern of every call; checkSync is not used', async () => {
    const { analyseMany } = await freshAnalyser(RecordingWorker)
    expect(analyseMany([exponential, linear], 10_000).map(v => [v.source, v.flags, v.status])).toEqual([['^(a+)+$', '', 'vulnerable'], ['^ab$', 'i', 'safe']])
    expect(analyseMany([linear], 10_000).map(v => v.status)).toEqual(['safe'])
    expect(started).toHaveLength(1)
    expect(started[0]!.options).toEqual({ eval: true, workerData: { recheck: createRequire(import.meta.url).resolve('recheck') } })
    expect(checkSyncCalls).toEqual([])
    expect(analyseMany([], 10_000)).toEqual([])
  })

  it('does not keep the process alive (a CLI run ends when its work does)', async () => {
    const { analyseMany } = await freshAnalyser(RecordingWorker)
    analyseMany([linear], 10_000)
    expect(started.map(s => s.unrefs)).toEqual([1])
  })

  it('once the worker has failed, every pattern goes through checkSync', async () => {
    const { analyseMany } = await freshAnalyser(RecordingWorker)
    analyseMany([linear], 10_000)
    const worker = started[0]!.worker
    // a message without a port makes the worker's own handler throw outside its try: the thread dies
    const failed = once(worker, 'error')
    worker.postMessage({})
    await failed
    expect(analyseMany([exponential, linear], 10_000).map(v => v.status)).toEqual(['vulnerable', 'safe'])
    expect(checkSyncCalls).toEqual([['^(a+)+$', '', { timeout: 10_000 }], ['^ab$', 'i', { timeout: 10_000 }]])
    expect(started).toHaveLength(1)
  })
})

describe('a worker thread that ends in the middle of a batch', () => {
  /** The real worker, plus a listener that ends the thread when a pattern asks it to (after the batch has begun). */
  class ExitingWorker extends RecordingWorker {
    constructor(code: string | URL, options?: threads.WorkerOptions) {
      super(`${String(code)}\nparentPort.on('message', m => { if (m.patterns[0].source === 'exit now') process.exit(3) })`, options)
    }
  }

  it('wakes the caller at once (not after the bound of a minute and more), which analyses that batch itself and never asks the thread again', async () => {
    const { analyseMany } = await freshAnalyser(ExitingWorker)
    const started0 = performance.now()
    // 10 s per pattern: the bound on the wait is 2 × 10 s + 60 s
    expect(analyseMany([{ source: 'exit now', flags: '' }, exponential], 10_000).map(v => v.status)).toEqual(['safe', 'vulnerable'])
    expect(performance.now() - started0).toBeLessThan(15_000)
    expect(checkSyncCalls.map(c => c[0])).toEqual(['exit now', '^(a+)+$'])
    expect(analyseMany([linear], 10_000).map(v => v.status)).toEqual(['safe'])
    expect(checkSyncCalls.map(c => c[0])).toEqual(['exit now', '^(a+)+$', '^ab$'])
    expect(started).toHaveLength(1)
  }, 30_000)

  it('a thread that has ended between two calls is not asked: the next call goes through checkSync', async () => {
    const { analyseMany } = await freshAnalyser(RecordingWorker)
    analyseMany([linear], 10_000)
    const worker = started[0]!.worker
    const ended = once(worker, 'exit')
    await worker.terminate()
    await ended
    expect(analyseMany([exponential], 10_000).map(v => v.status)).toEqual(['vulnerable'])
    expect(checkSyncCalls.map(c => c[0])).toEqual(['^(a+)+$'])
  })
})

describe('without a worker', () => {
  class NoThreads {
    constructor() {
      throw new Error('threads are not available here')
    }
  }

  it('each pattern goes through checkSync, in order, with the budget of the call', async () => {
    const { analyseMany } = await freshAnalyser(NoThreads)
    expect(analyseMany([exponential, linear], 10_000).map(v => [v.source, v.status])).toEqual([['^(a+)+$', 'vulnerable'], ['^ab$', 'safe']])
    expect(checkSyncCalls).toEqual([['^(a+)+$', '', { timeout: 10_000 }], ['^ab$', 'i', { timeout: 10_000 }]])
    // the budget is the caller's: 1 ms is not enough for this pattern
    const [slow] = analyseMany([{ source: 'chmod\\s+.*777', flags: '' }], 1)
    expect(slow).toMatchObject({ status: 'unknown', error: { kind: 'timeout' } })
  })
})

describe('a worker that answers wrongly', () => {
  /** A stand-in worker that reacts to each request with `answer`. */
  const fake = (answer: (request: { port: threads.MessagePort; signal: Int32Array }) => void): unknown =>
    class {
      unref(): void {}
      async terminate(): Promise<number> {
        return 0
      }
      on(): this {
        return this
      }
      postMessage(request: { port: threads.MessagePort; signal: Int32Array }): void {
        answer(request)
      }
    }
  const done = (signal: Int32Array): void => {
    Atomics.store(signal, 0, 1)
  }

  it('it signals that it is done without an answer: that batch and every later one go through checkSync', async () => {
    let requests = 0
    const { analyseMany } = await freshAnalyser(fake(({ signal }) => {
      requests++
      done(signal)
    }))
    expect(analyseMany([exponential], 10_000).map(v => v.status)).toEqual(['vulnerable'])
    expect(analyseMany([linear], 10_000).map(v => v.status)).toEqual(['safe'])
    expect(requests).toBe(1)
    expect(checkSyncCalls).toEqual([['^(a+)+$', '', { timeout: 10_000 }], ['^ab$', 'i', { timeout: 10_000 }]])
  })

  it('it reports that recheck failed', async () => {
    const { analyseMany } = await freshAnalyser(fake(({ port, signal }) => {
      port.postMessage({ error: 'out of memory' })
      done(signal)
    }))
    expect(() => analyseMany([linear], 10_000)).toThrow(new Error('regex analysis failed: out of memory'))
  })
})
