/**
 * Compiled `evaluate` against the same rules written by hand (issue 15, item 1), on each seed
 * workload alone: the groq-tools-context calls and the gemini-safety calls of `bench/workload.ts`.
 * Three engines per seed — the compiled module, the plain hand-written if-chain and the hand-written
 * chain with the compiled module's guarantees (`bench/handwritten.ts`) — are timed in alternating
 * rounds in one process, and each ratio is the median of the per-round ratios, so load that lands on
 * the shared machine during one round cannot favour one engine. Part of `npm run bench`; alone:
 * `npx tsx bench/evaluate.ts`.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { do_not_optimize } from 'mitata'
import type { CompiledPolicy } from '../src/types.js'
import { geminiSafety, geminiSafetyExact, groqTools, groqToolsExact } from './handwritten.js'
import { fmt, importPolicy, median, ROOT, round, savePart } from './part.js'
import { VETO_APPROXIMATIONS, vetoEngines, vetoVersion } from './veto.js'
import { WORKLOAD, type Call } from './workload.js'

export type Evaluate = (tool: string, args: unknown, context: unknown) => { decision: string; rule?: string }
/** One call of a workload with the evaluate that decides it, planned before anything is timed. */
export interface Planned {
  f: Evaluate
  tool: string
  args: unknown
  context: unknown
}

export const SEEDS = ['groq-tools-context', 'gemini-safety'] as const
export type Seed = (typeof SEEDS)[number]
const ENGINES = ['compiled', 'plain', 'exact'] as const
/** Veto's evaluator (`bench/veto.ts`) joins the rounds when `veto-sdk` is installed */
type Engine = (typeof ENGINES)[number] | 'veto'
const HAND: Record<Seed, { plain: Evaluate; exact: Evaluate }> = {
  'groq-tools-context': { plain: groqTools, exact: groqToolsExact },
  'gemini-safety': { plain: geminiSafety, exact: geminiSafetyExact },
}
export const GOAL = 1.25
/** issue 15: compiled `evaluate` at least this many times faster than Veto's evaluator */
export const VETO_GOAL = 10
const ROUNDS = 9
/** calls per engine and round: about 10-40 ms of CPU each here */
const CALLS_PER_ROUND = 1_000_000

export interface EvaluateResult {
  method: string
  seeds: Record<Seed, {
    calls: number
    /** CPU ns per decision, median round */
    ns: Record<Engine, number>
    rounds: Record<Engine, number[]>
    /** median of per-round ratios */
    overPlain: number
    /** compiled / plain in each round, so the spread on a shared machine shows */
    overPlainRounds: number[]
    overExact: number
    met: boolean
    /** Veto's evaluator / compiled, median of per-round ratios; absent when veto-sdk is not installed */
    vetoOverCompiled?: number
    vetoOverCompiledRounds?: number[]
    vetoMet?: boolean
  }>
  /** the veto-sdk version timed, or why it was not */
  veto: { version: string; approximations: readonly string[] } | { notMeasured: string }
}

/**
 * A fresh loop per engine (built with `new Function`, bench code only), so no two engines share the
 * loop's type feedback and none is slowed by the others' call targets.
 */
function harness(): (calls: readonly Planned[]) => unknown {
  return new Function('calls', 'let r; for (let i = 0; i < calls.length; i++) { const c = calls[i]; r = c.f(c.tool, c.args, c.context); } return r;') as (calls: readonly Planned[]) => unknown
}

/**
 * CPU ns per call of `passes` passes over the plan (user + system time of this process): on a shared
 * machine, wall-clock samples count the time other tenants held the core, and mitata's p50 of them
 * moved by 2-4x between rounds here; CPU time moves far less.
 */
function cpuPerCall(h: (calls: readonly Planned[]) => unknown, plan: readonly Planned[], passes: number): number {
  const c0 = process.cpuUsage()
  for (let i = 0; i < passes; i++) do_not_optimize(h(plan))
  const c = process.cpuUsage(c0)
  return ((c.user + c.system) * 1000) / (passes * plan.length)
}

export async function measureEvaluate(modules: Record<Seed, CompiledPolicy>, log: (s: string) => void = s => void process.stdout.write(`${s}\n`)): Promise<EvaluateResult> {
  const seeds = {} as EvaluateResult['seeds']
  const plans = {} as Record<Seed, Partial<Record<Engine, Planned[]>>>
  const veto = await vetoEngines()
  const version = veto === undefined ? undefined : (vetoVersion() ?? 'of unknown version')
  const engines: readonly Engine[] = veto === undefined ? ENGINES : [...ENGINES, 'veto']
  for (const seed of SEEDS) {
    const calls = WORKLOAD.filter((c: Call) => c.policy === seed)
    const fns: Partial<Record<Engine, Evaluate>> = { compiled: modules[seed].evaluate, ...HAND[seed], ...(veto === undefined ? {} : { veto: veto[seed] }) }
    // every engine must compute the same decision and rule on every call, or the timing compares nothing
    for (const c of calls) {
      const ref = fns.compiled!(c.tool, c.args, c.context)
      for (const e of engines) {
        const d = fns[e]!(c.tool, c.args, c.context)
        if (d.decision !== ref.decision || d.rule !== ref.rule) throw new Error(`bench/evaluate: ${e} decides ${d.decision}/${d.rule} on ${seed} ${c.tool} ${JSON.stringify(c.args)}, compiled ${ref.decision}/${ref.rule}`)
      }
    }
    plans[seed] = Object.fromEntries(engines.map(e => [e, calls.map(c => ({ f: fns[e]!, tool: c.tool, args: c.args, context: c.context }))]))
    seeds[seed] = { calls: calls.length, ns: {} as Record<Engine, number>, rounds: { compiled: [], plain: [], exact: [], veto: [] }, overPlain: 0, overPlainRounds: [], overExact: 0, met: false }
  }
  // round 0 warms every engine up and is not counted
  for (let r = 0; r <= ROUNDS; r++) {
    for (const seed of SEEDS) {
      for (const e of engines) {
        const h = harness()
        const plan = plans[seed][e]!
        const ns = cpuPerCall(h, plan, Math.ceil(CALLS_PER_ROUND / plan.length))
        if (r > 0) seeds[seed].rounds[e].push(round(ns, 2))
      }
    }
  }
  for (const seed of SEEDS) {
    const s = seeds[seed]
    for (const e of engines) s.ns[e] = round(median(s.rounds[e]), 1)
    s.overPlainRounds = s.rounds.compiled.map((x, i) => round(x / s.rounds.plain[i]!, 2))
    s.overPlain = round(median(s.overPlainRounds), 2)
    s.overExact = round(median(s.rounds.compiled.map((x, i) => x / s.rounds.exact[i]!)), 2)
    s.met = s.overPlain <= GOAL
    log(`    ${seed}: compiled ${s.ns.compiled} ns, plain ${s.ns.plain} ns, exact ${s.ns.exact} ns; compiled/plain ${s.overPlain}x (goal <= ${GOAL}), compiled/exact ${s.overExact}x`)
    if (veto !== undefined) {
      s.vetoOverCompiledRounds = s.rounds.veto.map((x, i) => round(x / s.rounds.compiled[i]!, 1))
      s.vetoOverCompiled = round(median(s.vetoOverCompiledRounds), 1)
      s.vetoMet = s.vetoOverCompiled >= VETO_GOAL
      log(`    ${seed}: veto-sdk ${version} ${s.ns.veto} ns, ${s.vetoOverCompiled}x compiled (goal >= ${VETO_GOAL})`)
    } else delete (s.rounds as Partial<Record<Engine, number[]>>).veto
  }
  return {
    veto: version === undefined ? { notMeasured: 'veto-sdk is not installed (it is not a dependency; `npm i --no-save veto-sdk` adds it to the rounds)' } : { version, approximations: VETO_APPROXIMATIONS },
    method: `per seed workload (its calls of bench/workload.ts), ${ROUNDS} rounds after one warm-up; in each round the compiled module, the plain hand-written chain and the hand-written chain with the same guarantees${veto === undefined ? '' : ` and Veto's evaluator (veto-sdk ${version})`} are timed one after the other, ${CALLS_PER_ROUND.toLocaleString('en-US')} calls each, in CPU time of the process (wall time on this shared machine counts other tenants); figures are the median round, ratios the median of per-round ratios`,
    seeds,
  }
}

export function evaluateRows(r: EvaluateResult, limits: readonly string[] = []): string[] {
  const rows = [
    '',
    `Compiled \`evaluate\` against the same rules by hand, per seed workload (issue 15 goal: at most ${GOAL}x the plain if-chain); ${r.method}:`,
    '',
    '| Seed workload | compiled ns | plain hand-written ns | same guarantees by hand ns | compiled / plain (median) | per-round range | goal | met | compiled / same guarantees |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
  ]
  for (const seed of SEEDS) {
    const s = r.seeds[seed]
    rows.push(`| ${seed} (${s.calls} calls) | ${fmt(s.ns.compiled)} | ${fmt(s.ns.plain)} | ${fmt(s.ns.exact)} | ${s.overPlain}x | ${Math.min(...s.overPlainRounds)}-${Math.max(...s.overPlainRounds)}x | <= ${GOAL}x | ${s.met ? 'yes' : '**no**'} | ${s.overExact}x |`)
  }
  rows.push('', ...vetoRows(r))
  rows.push('', 'These per-seed CPU-time ratios are the ones the goal is judged by. The compiled / hand-written figures of the first table come from mitata\'s wall-clock samples over the mixed 64-call workload, which on this shared machine read lower and vary more from run to run.')
  if (limits.length > 0 && SEEDS.some(seed => !r.seeds[seed].met)) rows.push('', ...limits)
  return rows
}

/** Veto's evaluator against the compiled module, per seed, in the same rounds. */
function vetoRows(r: EvaluateResult): string[] {
  if ('notMeasured' in r.veto) return [`Veto's evaluator (issue 15 goal: compiled at least ${VETO_GOAL}x faster): not measured in this run, ${r.veto.notMeasured}.`]
  const rows = [
    `Veto's evaluator in the same rounds (issue 15 goal: compiled \`evaluate\` at least ${VETO_GOAL}x faster): veto-sdk ${r.veto.version}, the seed rules in its expression language, each parsed once with its \`compile()\` and run per call with its \`evaluate()\` (\`bench/veto.ts\`); every call decided as the compiled module decides it, rule included, before anything is timed:`,
    '',
    '| Seed workload | Veto ns | compiled ns | Veto / compiled (median) | per-round range | goal | met |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ]
  for (const seed of SEEDS) {
    const s = r.seeds[seed]
    const range = s.vetoOverCompiledRounds ?? []
    rows.push(`| ${seed} | ${fmt(s.ns.veto ?? NaN)} | ${fmt(s.ns.compiled)} | ${s.vetoOverCompiled}x | ${Math.min(...range)}-${Math.max(...range)}x | >= ${VETO_GOAL}x | ${s.vetoMet ? 'yes' : '**no**'} |`)
  }
  rows.push('', `Not word for word: ${r.veto.approximations.join('; ')}.`)
  return rows
}

/**
 * What limits the ratio where the goal is missed: the profile of the emitted module (node --cpu-prof
 * with line ticks, and per-call timings of each workload call alone, compiled against plain, in one
 * process), taken while this work was done. Printed under the table only when a seed misses.
 */
export const EVALUATE_LIMITS: readonly string[] = [
  'Where the rest of the gap is, from the profile (`node --cpu-prof` with line ticks over 3,000,000 passes of the groq-tools-context calls; each call alone, compiled against plain, in one process):',
  '',
  '- Before this work, `hasOwnProperty` calls were most of the time (each own read ~8-10 ns, about 5 per call): reads now go through `plainProto` and an `in Object.prototype` test that the optimising compiler folds, and the remaining `send_sms` line ticks are spread evenly over the reads, the comparisons and the returns.',
  '- What is left is structure, not reads: with every read and comparison of the `send_sms` tool function replaced by the plain chain\'s own (`c.local_hour < 9`, no `typeof`), it still took 10.5 ns against the plain chain\'s 7 ns. The difference is `evaluate` → `dispatch` → tool function (the `send_sms` function is 491 bytes of bytecode, over V8\'s 460-byte inlining limit: `--trace-turbo-inlining` reports it not inlined, while the plain chain is inlined into the loop), the fail-mode `try`, the type test on every argument (validation), and evaluating every applicable rule where the plain chain returns at the first (SPEC 1.5: an error must not depend on order).',
  '- On `fetch_external_api` calls both run the same regex, 17 ns of the call on this machine, so that tool is closer to the goal than `send_sms`.',
  '- Two of those parts measured alone (the bench\'s harness over the groq-tools-context calls, the emitted module against the plain chain, one process each, 7 rounds): with V8\'s inlining budgets raised far past the tool function (`--max-inlined-bytecode-size=2000 --max-inlined-bytecode-size-cumulative=5000`) the ratio went from 1.44x to 1.39x, and gemini-safety stayed at 1.33x; with the module edited to return at the first matching rule (what SPEC 1.5 rules out), from 1.46x to 1.41x. Neither the call structure nor evaluating every rule is most of the gap; the rest is spread over the own-property reads, the type tests that validation and comparison need, and the fail-mode `try`, each of which is a guarantee the plain chain does not give.',
]

export async function loadSeeds(): Promise<Record<Seed, CompiledPolicy>> {
  const out = {} as Record<Seed, CompiledPolicy>
  for (const seed of SEEDS) out[seed] = await importPolicy(readFileSync(join(ROOT, 'policies', `${seed}.policy.yaml`), 'utf8'), `${seed}.policy.yaml`)
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await measureEvaluate(await loadSeeds())
  savePart('evaluate', r, evaluateRows(r, EVALUATE_LIMITS))
}
