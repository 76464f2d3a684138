/**
 * The bench block of docs/performance.md (between `<!-- bench:start -->` and `<!-- bench:end -->`):
 * every target of the run with its figure and note, then each section's tables, from the figures
 * `bench/run.ts` measured (the same ones it writes to `bench/results.json`).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SWITCH_MAX_TOOLS } from '../compiler/emit/index.js'
import type { AllocResult } from './alloc.js'
import { compileTimeRows, type CompileTimeResult } from './compile-time.js'
import type { DispatchResult } from './dispatch.js'
import { EVALUATE_LIMITS, evaluateRows, type EvaluateResult } from './evaluate.js'
import { fleetRows, type FleetResult } from './fleet.js'
import { HOT_RULES } from './generate.js'
import { GUARD_PATH_LIMITS, guardPathRows, type GuardPathResult } from './guard-path.js'
import { LIMIT_KEYS_LIMITS, limitKeyRows, type LimitKeysResult } from './limit-keys.js'
import { partBlock, ROOT, round, type Ns } from './part.js'
import type { ReadmeMeta } from './readme.js'
import { signingRows, type SigningResult } from './signing.js'

/** One goal of the run: its figure against its target. */
export interface Target {
  name: string
  /** a figure, or why there is none (a comparison whose other side is not installed) */
  value: number | string
  unit: string
  target: string
  met: boolean
  note?: string
}

/** Per decision as the policy grows (section 2 of the bench). */
export interface ScaleRow {
  rules: number
  tools: number
  rulesOnTimedTool: number
  distinctRegexes: number
  dispatch: 'switch' | 'map'
  yamlBytes: number
  moduleBytes: number
  ns: Ns
  /** p50 of each round */
  nsRounds: number[]
  compileMs: { median: number; min: number; runs: number[] }
}

export interface PageInput {
  meta: ReadmeMeta & { durationS: number }
  targets: readonly Target[]
  /** calls in the fixed workload, and its mix of decisions */
  calls: number
  mix: { allow: number; review: number; deny: number }
  engines: Record<string, Ns>
  scaling: readonly ScaleRow[]
  compileStages: { parseMs: number; lowerAndCheckMs: number; regexAnalysisMs: number; emitMs: number; distinctRegexes: number }
  dispatch: DispatchResult
  sizes: readonly { policy: string; bytes: number; minified: number; minifiedGzip: number }[]
  alloc: readonly AllocResult[]
  devRecompile: { editToServedMs: { median: number }; pluginTransformMs: { median: number } }
  evaluate: EvaluateResult
  guardPath: GuardPathResult
  signing: SigningResult
  limitKeys: LimitKeysResult
  compileTime: CompileTimeResult
  fleet: FleetResult
}

const fmt = (x: number | string): string => (typeof x === 'string' ? x : x >= 100 ? Math.round(x).toLocaleString('en-US') : String(x))
const yes = (b: boolean): string => (b ? 'yes' : '**no**')

export function performanceBlock(p: PageInput): string[] {
  const md: string[] = []
  md.push(`Measured by \`npm run bench\` on ${p.meta.cpu} (${p.meta.cores} cores), Node ${p.meta.node}, ${p.meta.date.slice(0, 10)}, load average ${p.meta.loadAverage.atStart[0]} at the start; all of it in one process (allocation in a child), ${p.meta.durationS} s. Figures are mitata medians; \`bench/results.json\` has p75/p99 and the method of each.`)
  md.push('')
  md.push('| Target | Measured | Target | Met |')
  md.push('| --- | --- | --- | --- |')
  for (const t of p.targets) md.push(`| ${t.name} | ${fmt(t.value)} ${t.unit}${t.note ? ` (${t.note})` : ''} | ${t.target} ${t.unit} | ${yes(t.met)} |`)
  md.push('')
  md.push(`Per decision over the fixed ${p.calls}-call workload (${p.mix.allow} allow, ${p.mix.review} review, ${p.mix.deny} deny on groq-tools-context and gemini-safety); every engine returns the same decision and rule for every call before anything is timed:`)
  md.push('')
  md.push('| Engine | ns/decision (p50) | p75 | p99 | vs compiled |')
  md.push('| --- | ---: | ---: | ---: | ---: |')
  const ENGINE_NAMES: Record<string, string> = { compiled: 'vetoc compiled `evaluate`', handwritten: 'hand-written if-chains (plain reads)', 'handwritten-exact': 'hand-written, same guarantees', interpreter: 'reference interpreter (test/oracle)' }
  for (const [k, v] of Object.entries(p.engines)) md.push(`| ${ENGINE_NAMES[k] ?? k} | ${fmt(v.p50)} | ${fmt(v.p75)} | ${fmt(v.p99)} | ${round(v.p50 / p.engines['compiled']!.p50, 2)}x |`)
  md.push('')
  md.push(`Cedar has no regex and no null: the shipped policies' regexes are anchored prefix/suffix tests and are written with \`like\` (exact here), \`!= null\` with \`has\`, and numeric comparisons hold for integers only; a general regex cannot be expressed in Cedar at all.`)
  md.push('')
  md.push(`Policy size (the timed tool always has the same ${HOT_RULES} rules; typed tools, both dialects, ${SWITCH_MAX_TOOLS < 1000 ? `switch dispatch up to ${SWITCH_MAX_TOOLS} tools, Map above` : ''}):`)
  md.push('')
  md.push('| Rules | Tools | Dispatch | ns/decision (p50) | compile() ms (median, cold regex cache) | Module bytes |')
  md.push('| ---: | ---: | --- | ---: | ---: | ---: |')
  for (const r of p.scaling) md.push(`| ${fmt(r.rules)} | ${fmt(r.tools)} | ${r.dispatch} | ${fmt(r.ns.p50)} | ${fmt(r.compileMs.median)} | ${fmt(r.moduleBytes)} |`)
  md.push('')
  md.push(`The 10,000-rule compile by stage: YAML parse ${fmt(p.compileStages.parseMs)} ms, lower + check ${fmt(p.compileStages.lowerAndCheckMs)} ms, regex analysis (recheck, ${p.compileStages.distinctRegexes} distinct patterns) ${fmt(p.compileStages.regexAnalysisMs)} ms, emit ${fmt(p.compileStages.emitMs)} ms.`)
  md.push('')
  md.push(`Tool-name dispatch, ns per call, first / last case; on the mean of the two, the switch is faster at ${p.dispatch.crossover.switchFasterUpTo ?? 'no'} cases and the Map from ${p.dispatch.crossover.meanOfFirstAndLast ?? 'more than 1000'} cases on (the emitter's \`SWITCH_MAX_TOOLS\` is ${SWITCH_MAX_TOOLS}):`)
  md.push('')
  md.push(`| Cases | ${p.dispatch.rows.map(r => fmt(r.cases)).join(' | ')} |`)
  md.push(`| --- | ${p.dispatch.rows.map(() => '---:').join(' | ')} |`)
  md.push(`| switch | ${p.dispatch.rows.map(r => `${fmt(r.switchFirst)} / ${fmt(r.switchLast)}`).join(' | ')} |`)
  md.push(`| Map | ${p.dispatch.rows.map(r => `${fmt(r.mapFirst)} / ${fmt(r.mapLast)}`).join(' | ')} |`)
  md.push('')
  md.push('Footprint and the guard path:')
  md.push('')
  md.push('| Measure | Result |')
  md.push('| --- | --- |')
  for (const s of p.sizes) md.push(`| ${s.policy.replace('policies/', '')} module | ${fmt(s.bytes)} B, ${fmt(s.minified)} B minified, ${fmt(s.minifiedGzip)} B min+gz |`)
  for (const a of p.alloc) md.push(`| heap allocated per decision, ${a.label} | ${round(a.bytesPerCall, 3)} B |`)
  md.push(`| vite dev, edit to recompiled module served | ${p.devRecompile.editToServedMs.median} ms median (compile alone ${p.devRecompile.pluginTransformMs.median} ms) |`)
  md.push('')
  md.push(...partBlock('evaluate', evaluateRows(p.evaluate, EVALUATE_LIMITS)))
  md.push(...partBlock('guardPath', guardPathRows(p.guardPath, GUARD_PATH_LIMITS)))
  md.push(...partBlock('signing', signingRows(p.signing)))
  md.push(...partBlock('limitKeys', limitKeyRows(p.limitKeys, LIMIT_KEYS_LIMITS)))
  md.push(...partBlock('compileTime', compileTimeRows(p.compileTime)))
  md.push(...partBlock('fleet', fleetRows(p.fleet)))
  return md
}

/** Rewrites the bench block of docs/performance.md (or appends one). */
export function writePerformancePage(p: PageInput): void {
  const PAGE = join(ROOT, 'docs', 'performance.md')
  const START = '<!-- bench:start -->'
  const END = '<!-- bench:end -->'
  const block = `${START}\n${performanceBlock(p).join('\n')}\n${END}`
  let page = readFileSync(PAGE, 'utf8')
  const a = page.indexOf(START)
  const b = page.indexOf(END)
  if (a !== -1 && b > a) page = page.slice(0, a) + block + page.slice(b + END.length)
  else page = `${page.replace(/\s*$/, '\n')}\n## Performance\n\n${block}\n`
  writeFileSync(PAGE, page)
}
