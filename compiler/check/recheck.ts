/**
 * recheck's verdicts for many patterns in one synchronous call. recheck's own `checkSync` crosses to
 * a worker thread and back once per pattern, and that round trip cost more than the analysis itself
 * (3.1 s of a 10,000-rule compile for 200 patterns, almost all of it waiting in `checkSync`). Here
 * the compiler hands every pattern of a policy to one worker thread at once; the worker runs
 * recheck's asynchronous `check` on each in turn (its native analyser where the platform has one)
 * and answers with the whole list. The calling thread blocks until then, so `compile` stays a
 * synchronous function. Where no worker can start, each pattern goes through `checkSync`.
 */
import { createRequire } from 'node:module'
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads'
import { checkSync, type Diagnostics as RecheckResult } from 'recheck'

const require = createRequire(import.meta.url)

/** recheck's version: part of every cached verdict's key. */
export const RECHECK_VERSION: string = (require('recheck/package.json') as { version: string }).version

export interface Pattern {
  source: string
  flags: string
}

// CommonJS run by `new Worker(..., { eval: true })`: no file to ship or resolve besides recheck
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { check } = require(workerData.recheck)
// the batch in progress: a thread that exits during it (a process.exit inside the analyser, a
// terminate) wakes the waiting caller at once instead of leaving it blocked for the whole bound
let current = null
process.on('exit', () => {
  if (current !== null) {
    Atomics.store(current, 0, 2)
    Atomics.notify(current, 0)
  }
})
parentPort.on('message', async ({ port, signal, patterns, timeout }) => {
  current = signal
  let reply
  try {
    const verdicts = []
    for (const p of patterns) verdicts.push(await check(p.source, p.flags, { timeout }))
    reply = { verdicts }
  } catch (e) {
    reply = { error: String((e && e.message) || e) }
  }
  port.postMessage(reply)
  port.close()
  current = null
  Atomics.store(signal, 0, 1)
  Atomics.notify(signal, 0)
})
`

let worker: Worker | null | undefined

function startWorker(): Worker | null {
  try {
    const w = new Worker(WORKER, { eval: true, workerData: { recheck: require.resolve('recheck') } })
    // the worker never keeps a process alive (a CLI run ends when its work does)
    w.unref()
    // a thread that failed or ended is not asked again: the next call starts with checkSync
    const gone = (): void => {
      if (worker === w) worker = null
    }
    w.on('error', gone)
    w.on('exit', gone)
    return w
  } catch {
    return null
  }
}

/** recheck's verdict on each pattern, in order; `timeoutMs` bounds the analysis of each one. */
export function analyseMany(patterns: readonly Pattern[], timeoutMs: number): RecheckResult[] {
  if (patterns.length === 0) return []
  if (worker === undefined) worker = startWorker()
  if (worker === null) return patterns.map(p => checkSync(p.source, p.flags, { timeout: timeoutMs }))
  const { port1, port2 } = new MessageChannel()
  const signal = new Int32Array(new SharedArrayBuffer(4))
  worker.postMessage({ port: port2, signal, patterns: patterns.map(p => ({ source: p.source, flags: p.flags })), timeout: timeoutMs }, [port2])
  // each pattern ends by its own timeout; this bound only stops a worker that died from hanging the build
  const waited = Atomics.wait(signal, 0, 0, timeoutMs * patterns.length + 60_000)
  const reply = receiveMessageOnPort(port1)?.message as { verdicts: RecheckResult[] } | { error: string } | undefined
  port1.close()
  if (waited === 'timed-out' || reply === undefined) {
    // the thread died, hung or ended without an answer: it is not asked again (the event that says
    // so cannot arrive while this thread is blocked), and this batch is analysed here instead
    const dead = worker
    worker = null
    void dead.terminate().catch(() => {})
    return patterns.map(p => checkSync(p.source, p.flags, { timeout: timeoutMs }))
  }
  if ('error' in reply) throw new Error(`regex analysis failed: ${reply.error}`)
  return reply.verdicts
}
