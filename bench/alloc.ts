/**
 * Heap bytes allocated per decision, in a child process of `bench/run.ts`:
 *   node --expose-gc --min-semi-space-size=256 --max-semi-space-size=256 --import tsx bench/alloc.ts <module.mjs> <calls-json>
 * Node 20's V8 does not report total allocated bytes, so: warm up, collect garbage twice, read
 * `heapUsed`, make 1,000,000 calls keeping only the last result, read `heapUsed` again, and divide.
 * The young generation is made large enough (256 MB) that the loop cannot fill it unless a call
 * allocates over 250 bytes; a PerformanceObserver records every garbage collection, and those that
 * started inside the loop are counted: any would make the figure a lower bound (a collection frees
 * what the loop allocated). Prints one JSON line.
 */
import { performance, PerformanceObserver } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import type { CompiledPolicy } from '../src/types.js'

export interface AllocResult {
  label: string
  calls: number
  bytesPerCall: number
  gcDuringLoop: number
  decision: string
}

interface Probe {
  label: string
  tool: string
  args: unknown
  context?: unknown
}

const CALLS = 1_000_000
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')

/** start times of every garbage collection (entries arrive asynchronously, after the fact) */
const gcTimes: number[] = []
const observer = new PerformanceObserver(list => {
  for (const e of list.getEntries()) gcTimes.push(e.startTime)
})
observer.observe({ entryTypes: ['gc'] })
const settle = (): Promise<void> => new Promise(resolve => setTimeout(resolve, 50))

async function measureOne(evaluate: CompiledPolicy['evaluate'], p: Probe): Promise<AllocResult> {
  let last = evaluate(p.tool, p.args, p.context)
  for (let i = 0; i < 200_000; i++) last = evaluate(p.tool, p.args, p.context)
  gc!()
  gc!()
  await settle()
  const h0 = process.memoryUsage().heapUsed
  const t0 = performance.now()
  for (let i = 0; i < CALLS; i++) last = evaluate(p.tool, p.args, p.context)
  const t1 = performance.now()
  const h1 = process.memoryUsage().heapUsed
  await settle()
  const inLoop = gcTimes.filter(t => t >= t0 && t <= t1).length
  return { label: p.label, calls: CALLS, bytesPerCall: Math.max(0, h1 - h0) / CALLS, gcDuringLoop: inLoop, decision: last.decision }
}

const [modulePath, probesJson] = process.argv.slice(2)
const mod = (await import(pathToFileURL(modulePath!).href)) as CompiledPolicy
const out: AllocResult[] = []
for (const p of JSON.parse(probesJson!) as Probe[]) out.push(await measureOne(mod.evaluate, p))
observer.disconnect()
process.stdout.write(`${JSON.stringify(out)}\n`)
