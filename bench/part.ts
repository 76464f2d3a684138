/**
 * A part of `npm run bench` that can also run alone (`npx tsx bench/<part>.ts`): it measures one
 * thing, and its standalone run writes its figures into `bench/results.json` under its own name and
 * its rows into docs/performance.md's bench block, between `<!-- bench:part:<name> -->` markers, leaving
 * every other figure as the last full run left it.
 */
import { createHash } from 'node:crypto'
import { PerformanceObserver } from 'node:perf_hooks'
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { measure } from 'mitata'
import { compile } from '../compiler/index.js'
import type { CompiledPolicy } from '../src/types.js'

export const ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Compiles a policy and imports its module from a temporary file. */
export async function importPolicy(source: string, filename: string): Promise<CompiledPolicy> {
  const out = compile(source, { filename })
  const errors = out.diagnostics.filter(d => d.severity === 'error')
  if (errors.length > 0) throw new Error(`${filename} does not compile: ${errors.map(e => e.message).join('; ')}`)
  const file = join(mkdtempSync(join(tmpdir(), 'vetoc-bench-part-')), `${createHash('sha256').update(out.code).digest('hex').slice(0, 16)}.mjs`)
  writeFileSync(file, out.code)
  return (await import(pathToFileURL(file).href)) as CompiledPolicy
}

/** A full garbage collection (through a V8 flag, so no `--expose-gc` is needed on the command line). */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  gc()
}

export const markers = (name: string): [string, string] => [`<!-- bench:part:${name} -->`, `<!-- /bench:part:${name} -->`]

/** The performance page lines of a part, between its markers (as `bench/run.ts` writes them too). */
export function partBlock(name: string, rows: readonly string[]): string[] {
  const [start, end] = markers(name)
  return [start, ...rows, end]
}

/** A standalone run: this part's figures into results.json and docs/performance.md, nothing else touched. */
export function savePart(name: string, result: unknown, rows: readonly string[]): void {
  const json = join(ROOT, 'bench', 'results.json')
  const results = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>
  results[name] = result
  writeFileSync(`${json}.partial`, `${JSON.stringify(results, null, 2)}\n`)
  renameSync(`${json}.partial`, json)
  const readme = join(ROOT, 'docs', 'performance.md')
  let text = readFileSync(readme, 'utf8')
  const [start, end] = markers(name)
  const block = partBlock(name, rows).join('\n')
  const a = text.indexOf(start)
  const b = text.indexOf(end)
  if (a !== -1 && b > a) text = text.slice(0, a) + block + text.slice(b + end.length)
  else {
    const benchEnd = text.indexOf('<!-- bench:end -->')
    if (benchEnd === -1) throw new Error('docs/performance.md has no `<!-- bench:end -->` marker')
    text = `${text.slice(0, benchEnd)}\n${block}\n${text.slice(benchEnd)}`
  }
  writeFileSync(readme, text)
}

export const round = (x: number, digits = 1): number => Number(x.toFixed(digits))
export const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : String(x))

/**
 * CPU time per call of `calls` sequential awaited calls of `fn` (user + system time of this process,
 * GC threads included), with the wall time and the garbage-collection pauses beside it. On a shared
 * machine the wall time of a call counts the time other processes held the CPU; the CPU time of work
 * that never waits on I/O does not.
 */
export async function cpuPerCall(fn: () => unknown, calls: number): Promise<{ cpuNs: number; wallNs: number; gcNs: number }> {
  let gcMs = 0
  let from = Infinity
  let to = -Infinity
  const observer = new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (e.startTime >= from && e.startTime <= to) gcMs += e.duration
  })
  observer.observe({ entryTypes: ['gc'] })
  from = performance.now()
  const cpu0 = process.cpuUsage()
  for (let i = 0; i < calls; i++) await fn()
  const cpu = process.cpuUsage(cpu0)
  to = performance.now()
  await new Promise(resolve => setTimeout(resolve, 20)) // GC entries are delivered after the loop
  observer.disconnect()
  const wall = to - from
  return { cpuNs: Math.round(((cpu.user + cpu.system) * 1000) / calls), wallNs: Math.round((wall * 1e6) / calls), gcNs: Math.round((gcMs * 1e6) / calls) }
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** mitata's statistics for one call, per decision: p50, p75, p99, mean and least, in ns */
export interface Ns {
  p50: number
  p75: number
  p99: number
  avg: number
  min: number
}

/** mitata's statistics for one call of `fn`, divided by the number of decisions that call makes. */
export async function nsPer(fn: () => unknown, per: number, minCpuMs = 642): Promise<Ns> {
  const s = await measure(fn, { min_cpu_time: minCpuMs * 1e6 })
  return { p50: round(s.p50 / per, 2), p75: round(s.p75 / per, 2), p99: round(s.p99 / per, 2), avg: round(s.avg / per, 2), min: round(s.min / per, 2) }
}

