/**
 * `npm run bench`: every figure of issue 6 in one process, side by side, written to
 * `bench/results.json` and to docs/performance.md between `<!-- bench:start -->` and `<!-- bench:end -->`.
 *
 *  1. ns per decision over the fixed 64-call workload: compiled `evaluate`, hand-written if-chains,
 *     the reference interpreter, json-rules-engine, Cedar (after checking that all agree);
 *  2. scaling with policy size (10 → 10,000 rules), compile time, switch vs Map dispatch;
 *  3. the vite dev recompile of one edited policy;
 *  4. footprint: min+gz size of each shipped policy's module, heap bytes per allow decision;
 *  5. the guard path (limit store + decision record) against bare `evaluate` (`bench/guard-path.ts`);
 *     what signing the log costs (`bench/signing.ts`); a guard call at 1,000 and 1,000,000 live limit
 *     keys (`bench/limit-keys.ts`). Those parts, and compiled `evaluate` per seed workload against the
 *     hand-written chains (`bench/evaluate.ts`, in section 1), also run alone.
 *  6. compile time cold and warm, and the 1 MB policies (`bench/compile-time.ts`); fleet throughput
 *     over one redis-server beside redis-benchmark (`bench/fleet.ts`). Both also run alone.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { transform } from 'esbuild'
import { do_not_optimize } from 'mitata'
import { analyze } from '../compiler/analyze.js'
import { emit, SWITCH_MAX_TOOLS } from '../compiler/emit/index.js'
import { compile, type CompileResult } from '../compiler/index.js'
import { parse } from '../compiler/parse/index.js'
import type { CompiledPolicy } from '../src/types.js'
import { interpret } from '../test/oracle/interpret.js'
import type { AllocResult } from './alloc.js'
import { measureDispatch } from './dispatch.js'
import { CEDAR_APPROXIMATIONS, cedarEngine, jsonRulesEngines, type Outcome } from './engines.js'
import { generatePolicy, HOT_CALL, HOT_RULES, HOT_TOOL } from './generate.js'
import { measureCompileTime } from './compile-time.js'
import { measureFleet } from './fleet.js'
import { EVALUATE_LIMITS, GOAL as EVALUATE_GOAL, measureEvaluate, SEEDS, VETO_GOAL, type Evaluate, type Planned } from './evaluate.js'
import { GOALS as GUARD_GOALS, GUARD_PATH_LIMITS, measureGuardPath } from './guard-path.js'
import { measureLimitKeys } from './limit-keys.js'
import { writePerformancePage, type ScaleRow, type Target } from './page.js'
import { nsPer, type Ns } from './part.js'
import { writeReadmeTable } from './readme.js'
import { measureSigning } from './signing.js'
import { geminiSafety, geminiSafetyExact, groqTools, groqToolsExact } from './handwritten.js'
import { measureDevRecompile } from './vite-dev.js'
import { WORKLOAD, type Call } from './workload.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const POLICIES = join(ROOT, 'policies')
const SHIPPED = ['groq-tools-context', 'gemini-safety', 'groq-tools'] as const
const TMP = mkdtempSync(join(tmpdir(), 'vetoc-bench-'))
const started = performance.now()
const loadAtStart = loadavg()

// ---------------------------------------------------------------------------------------------
// helpers

const targets: Target[] = []
const log = (s: string): void => {
  process.stdout.write(`${s}\n`)
}
const round = (x: number, digits = 1): number => Number(x.toFixed(digits))
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))]!
}

/** Compiles a policy and imports the emitted module from disk, written to a temp file and renamed. */
async function load(source: string, filename: string): Promise<{ module: CompiledPolicy; result: CompileResult; file: string }> {
  const result = compile(source, { filename })
  const errors = result.diagnostics.filter(d => d.severity === 'error')
  if (errors.length > 0) throw new Error(`${filename} does not compile: ${errors.map(e => e.message).join('; ')}`)
  const file = join(TMP, `${basename(filename).replace(/\.ya?ml$/, '')}.${createHash('sha256').update(result.code).digest('hex').slice(0, 16)}.mjs`)
  const partial = `${file}.${process.pid}.partial`
  writeFileSync(partial, result.code)
  renameSync(partial, file)
  return { module: (await import(pathToFileURL(file).href)) as CompiledPolicy, result, file }
}


/**
 * A fresh loop function per engine (built with `new Function`, so no two engines share the loop's
 * type feedback and none is slowed by the others' call targets).
 */
function harness(): (calls: readonly Planned[]) => unknown {
  return new Function('calls', 'let r; for (let i = 0; i < calls.length; i++) { const c = calls[i]; r = c.f(c.tool, c.args, c.context); } return r;') as (calls: readonly Planned[]) => unknown
}
function callHarness(): (calls: readonly Call[], f: (c: Call) => unknown) => unknown {
  return new Function('calls', 'f', 'let r; for (let i = 0; i < calls.length; i++) r = f(calls[i]); return r;') as (calls: readonly Call[], f: (c: Call) => unknown) => unknown
}
function asyncCallHarness(): (calls: readonly Call[], f: (c: Call) => Promise<unknown>) => Promise<unknown> {
  const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (calls: readonly Call[], f: (c: Call) => Promise<unknown>) => Promise<unknown>
  return new AsyncFunction('calls', 'f', 'let r; for (let i = 0; i < calls.length; i++) r = await f(calls[i]); return r;')
}

function plan(byPolicy: Record<Call['policy'], Evaluate>): Planned[] {
  return WORKLOAD.map(c => ({ f: byPolicy[c.policy], tool: c.tool, args: c.args, context: c.context }))
}

// ---------------------------------------------------------------------------------------------
// 1. per decision, five engines, after an agreement check

log(`vetoc bench: node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} x ${cpus().length}`)
log('1/5 decisions: compiling the shipped policies, checking that every engine agrees ...')
const shipped = {} as Record<(typeof SHIPPED)[number], Awaited<ReturnType<typeof load>> & { source: string }>
for (const name of SHIPPED) {
  const source = readFileSync(join(POLICIES, `${name}.policy.yaml`), 'utf8')
  shipped[name] = { ...(await load(source, `${name}.policy.yaml`)), source }
}
const compiledBy: Record<Call['policy'], Evaluate> = {
  'groq-tools-context': shipped['groq-tools-context'].module.evaluate,
  'gemini-safety': shipped['gemini-safety'].module.evaluate,
}
const handBy: Record<Call['policy'], Evaluate> = { 'groq-tools-context': groqTools, 'gemini-safety': geminiSafety }
const exactBy: Record<Call['policy'], Evaluate> = { 'groq-tools-context': groqToolsExact, 'gemini-safety': geminiSafetyExact }
const oracles = {
  'groq-tools-context': interpret(shipped['groq-tools-context'].result.policy!),
  'gemini-safety': interpret(shipped['gemini-safety'].result.policy!),
}
const interpBy: Record<Call['policy'], Evaluate> = {
  'groq-tools-context': (t, a, c) => oracles['groq-tools-context'].evaluate(t, a, c),
  'gemini-safety': (t, a, c) => oracles['gemini-safety'].evaluate(t, a, c),
}
const jre = jsonRulesEngines()
const cedar = cedarEngine()

const disagreements: string[] = []
const mix = { allow: 0, review: 0, deny: 0 }
for (const [i, call] of WORKLOAD.entries()) {
  const answers: [string, Outcome][] = [
    ['compiled', compiledBy[call.policy](call.tool, call.args, call.context) as Outcome],
    ['handwritten', handBy[call.policy](call.tool, call.args, call.context) as Outcome],
    ['handwritten-exact', exactBy[call.policy](call.tool, call.args, call.context) as Outcome],
    ['interpreter', interpBy[call.policy](call.tool, call.args, call.context) as Outcome],
    ['json-rules-engine', await jre(call)],
    ['cedar', cedar(call)],
  ]
  const [, ref] = answers[0]!
  mix[ref.decision]++
  for (const [engine, a] of answers) {
    if (a.decision !== ref.decision || a.rule !== ref.rule) disagreements.push(`call ${i} (${call.policy} ${call.tool} ${JSON.stringify(call.args)} ${JSON.stringify(call.context)}): compiled says ${ref.decision}${ref.rule ? ` by ${ref.rule}` : ''}, ${engine} says ${a.decision}${a.rule ? ` by ${a.rule}` : ''}`)
  }
}
if (disagreements.length > 0) {
  process.stderr.write(`bench aborted: the engines disagree on ${disagreements.length} decision(s) of the workload, so no timing would compare like with like:\n  ${disagreements.join('\n  ')}\n`)
  rmSync(TMP, { recursive: true, force: true })
  process.exit(1)
}
log(`    all 6 engines agree on all ${WORKLOAD.length} decisions and deciding rules (${mix.allow} allow, ${mix.review} review, ${mix.deny} deny)`)

const N = WORKLOAD.length
const compiledPlan = plan(compiledBy)
const handPlan = plan(handBy)
const exactPlan = plan(exactBy)
// compiled and the two hand-written versions are measured in alternating rounds, so a burst of load
// on the machine cannot land on one of them only; each figure is its median round, and the ratios
// are medians of the per-round ratios
const ROUNDS = 5
const rounds: { compiled: Ns[]; handwritten: Ns[]; 'handwritten-exact': Ns[] } = { compiled: [], handwritten: [], 'handwritten-exact': [] }
for (let r = 0; r < ROUNDS; r++) {
  const hc = harness()
  rounds.compiled.push(await nsPer(() => do_not_optimize(hc(compiledPlan)), N, 300))
  const hh = harness()
  rounds.handwritten.push(await nsPer(() => do_not_optimize(hh(handPlan)), N, 300))
  const he = harness()
  rounds['handwritten-exact'].push(await nsPer(() => do_not_optimize(he(exactPlan)), N, 300))
}
/** The round with the median p50. */
const mid = (xs: Ns[]): Ns => [...xs].sort((a, b) => a.p50 - b.p50)[xs.length >> 1]!
/**
 * The median over rounds of a/b, each pair measured back to back: the speed of a shared machine
 * drifts over a run (other tenants, other processes), and a ratio of two figures taken seconds
 * apart would measure that drift.
 */
const pairedRatio = (a: Ns[], b: Ns[]): number => median(a.map((x, i) => x.p50 / b[i]!.p50))
const engines: Record<string, Ns> = { compiled: mid(rounds.compiled), handwritten: mid(rounds.handwritten), 'handwritten-exact': mid(rounds['handwritten-exact']) }
{
  const h = harness()
  const p = plan(interpBy)
  engines['interpreter'] = await nsPer(() => do_not_optimize(h(p)), N)
}
{
  const h = asyncCallHarness()
  engines['json-rules-engine'] = await nsPer(async () => do_not_optimize(await h(WORKLOAD, jre)), N)
}
{
  const h = callHarness()
  engines['cedar'] = await nsPer(() => do_not_optimize(h(WORKLOAD, cedar)), N)
}
{
  // the loop itself, with a function that decides nothing: subtract it to compare engines alone
  const h = harness()
  const ALLOWED = Object.freeze({ decision: 'allow' })
  const p = plan({ 'groq-tools-context': () => ALLOWED, 'gemini-safety': () => ALLOWED })
  engines['harness (no-op)'] = await nsPer(() => do_not_optimize(h(p)), N)
}
const harnessNs = engines['harness (no-op)']!.p50
const compiledOverHand = pairedRatio(rounds.compiled, rounds.handwritten)
const compiledOverExact = pairedRatio(rounds.compiled, rounds['handwritten-exact'])
const jreOverCompiled = engines['json-rules-engine']!.p50 / engines['compiled']!.p50
targets.push({ name: 'compiled / hand-written if-chains (plain property reads), median ns per decision', value: round(compiledOverHand, 2), unit: 'x', target: '<= 1.25', met: compiledOverHand <= 1.25, note: `median of ${ROUNDS} back-to-back rounds; net of the ${harnessNs} ns loop: ${round(median(rounds.compiled.map((x, i) => (x.p50 - harnessNs) / (rounds.handwritten[i]!.p50 - harnessNs))), 2)}x; these chains read inherited properties, coerce in comparisons and skip the fail-mode wrapper, so they are not the same function (with Object.prototype.api_key set they deny every fetch)` })
targets.push({ name: 'compiled / hand-written with the same guarantees (own reads, no coercion, fail mode), median', value: round(compiledOverExact, 2), unit: 'x', target: '<= 1.25', met: compiledOverExact <= 1.25, note: 'same target as the issue sets for the plain chains' })
targets.push({ name: 'json-rules-engine / compiled, median ns per decision', value: round(jreOverCompiled, 0), unit: 'x', target: '>= 100', met: jreOverCompiled >= 100 })
for (const [k, v] of Object.entries(engines)) log(`    ${k.padEnd(18)} ${String(v.p50).padStart(10)} ns/decision (p75 ${v.p75}, p99 ${v.p99})`)
log('    per seed workload, compiled against the hand-written chains, interleaved rounds ...')
const evaluateBySeed = await measureEvaluate({ 'groq-tools-context': shipped['groq-tools-context'].module, 'gemini-safety': shipped['gemini-safety'].module }, log)
for (const seed of SEEDS) {
  const e = evaluateBySeed.seeds[seed]
  targets.push({ name: `compiled / plain hand-written if-chain, ${seed} seed workload, median of paired rounds`, value: e.overPlain, unit: 'x', target: `<= ${EVALUATE_GOAL}`, met: e.met, note: `${e.ns.compiled} ns vs ${e.ns.plain} ns; the hand-written chain with the same guarantees: ${e.ns.exact} ns (${e.overExact}x)${!e.met && EVALUATE_LIMITS.length > 0 ? '; see the evaluate section for what limits it' : ''}` })
}
for (const seed of SEEDS) {
  const e = evaluateBySeed.seeds[seed]
  const veto = evaluateBySeed.veto
  if ('notMeasured' in veto) targets.push({ name: `Veto's evaluator / compiled, ${seed} seed workload`, value: 'not measured', unit: '', target: `>= ${VETO_GOAL}`, met: false, note: veto.notMeasured })
  else targets.push({ name: `Veto's evaluator / compiled, ${seed} seed workload, median of paired rounds`, value: e.vetoOverCompiled!, unit: 'x', target: `>= ${VETO_GOAL}`, met: e.vetoMet!, note: `veto-sdk ${veto.version}: ${e.ns.veto} ns vs ${e.ns.compiled} ns; see the evaluate section` })
}

// ---------------------------------------------------------------------------------------------
// 2. scaling: per decision as the policy grows, compile time, dispatch crossover

log('2/5 scaling: generated policies of 10 to 10,000 rules ...')
const SIZES = [10, 100, 1000, 10_000]
const COMPILE_RUNS: Record<number, number> = { 10: 1, 100: 3, 1000: 3, 10_000: 2 }
// JIT warm-up of the compiler itself, so the first timed size does not pay for it
compile(generatePolicy(1000, 'warm').yaml, { filename: 'warm.policy.yaml' })
const scaling: ScaleRow[] = []
const timed: { module: CompiledPolicy; rounds: Ns[] }[] = []
let salt = 0
for (const size of SIZES) {
  const runs: number[] = []
  let last: { yaml: string; gen: ReturnType<typeof generatePolicy> } | undefined
  for (let r = 0; r < COMPILE_RUNS[size]!; r++) {
    // a new salt makes every regex new to recheck's verdict cache: a cold compile
    const gen = generatePolicy(size, `s${salt++}`)
    const t0 = performance.now()
    const out = compile(gen.yaml, { filename: `scale-${size}.policy.yaml` })
    runs.push(round(performance.now() - t0, 1))
    if (out.diagnostics.some(d => d.severity === 'error')) throw new Error(`generated policy of ${size} rules does not compile: ${out.diagnostics.find(d => d.severity === 'error')!.message}`)
    last = { yaml: gen.yaml, gen }
  }
  const { module, result } = await load(last!.yaml, `scale-${size}.policy.yaml`)
  const d = module.evaluate(HOT_TOOL, HOT_CALL.args, HOT_CALL.context)
  if (d.decision !== 'allow' || d.ruleIndex !== -1) throw new Error(`scaling: the timed call should be allowed by default, got ${JSON.stringify(d)}`)
  const tools = last!.gen.tools
  timed.push({ module, rounds: [] })
  scaling.push({ rules: size, tools, rulesOnTimedTool: HOT_RULES, distinctRegexes: last!.gen.distinctRegexes, dispatch: tools <= SWITCH_MAX_TOOLS ? 'switch' : 'map', yamlBytes: last!.yaml.length, moduleBytes: result.code.length, ns: undefined as unknown as Ns, nsRounds: [], compileMs: { median: round(median(runs), 1), min: Math.min(...runs), runs } })
  log(`    ${String(size).padStart(6)} rules / ${String(tools).padStart(4)} tools: compile ${round(median(runs), 0)} ms (${runs.join(', ')})`)
}
// every size is timed in each of three rounds, so load on the machine spreads over all sizes; each
// figure is its median round, the 10,000/10 ratio the median of the per-round ratios
for (let r = 0; r < 3; r++) {
  for (const t of timed) {
    const h = harness()
    const calls: Planned[] = Array.from({ length: N }, () => ({ f: t.module.evaluate, tool: HOT_TOOL, args: HOT_CALL.args, context: HOT_CALL.context }))
    t.rounds.push(await nsPer(() => do_not_optimize(h(calls)), N, 300))
  }
}
for (const [i, t] of timed.entries()) {
  scaling[i]!.ns = mid(t.rounds)
  scaling[i]!.nsRounds = t.rounds.map(x => x.p50)
  log(`    ${String(scaling[i]!.rules).padStart(6)} rules: ${scaling[i]!.ns.p50} ns/decision (rounds: ${t.rounds.map(x => x.p50).join(', ')})`)
}
const s10k = scaling[scaling.length - 1]!
const scaleRatio = pairedRatio(timed[timed.length - 1]!.rounds, timed[0]!.rounds)
targets.push({ name: 'per decision at 10,000 rules / at 10 rules (same 10-rule tool)', value: round(scaleRatio, 2), unit: 'x', target: '<= 1.5', met: scaleRatio <= 1.5, note: `${scaling[0]!.ns.p50} ns vs ${s10k.ns.p50} ns, median of 3 back-to-back rounds` })

// where the 10,000-rule compile goes, stage by stage
const stageGen = generatePolicy(10_000, `s${salt++}`)
const stage = (f: () => unknown): number => {
  const t0 = performance.now()
  f()
  return round(performance.now() - t0, 1)
}
// the least of two runs for each stage (one of them may take a major GC of the other's garbage);
// the cold analysis runs once per fresh salt
const parseMs = Math.min(stage(() => parse(stageGen.yaml)), stage(() => parse(stageGen.yaml)))
let analysis: ReturnType<typeof analyze> | undefined
const analyzeColdMs = stage(() => (analysis = analyze(stageGen.yaml, { filename: 'stages.policy.yaml' })))
const analyzeWarmMs = Math.min(stage(() => analyze(stageGen.yaml, { filename: 'stages.policy.yaml' })), stage(() => analyze(stageGen.yaml, { filename: 'stages.policy.yaml' })))
const emitMs = Math.min(stage(() => emit(analysis!.policy!, { source: stageGen.yaml, filename: 'stages.policy.yaml' })), stage(() => emit(analysis!.policy!, { source: stageGen.yaml, filename: 'stages.policy.yaml' })))
const compileStages = {
  rules: 10_000,
  yamlBytes: stageGen.yaml.length,
  distinctRegexes: stageGen.distinctRegexes,
  parseMs,
  lowerAndCheckMs: round(Math.max(0, analyzeWarmMs - parseMs), 1),
  regexAnalysisMs: round(Math.max(0, analyzeColdMs - analyzeWarmMs), 1),
  emitMs,
  note: 'least of two runs (the cold analysis: one run): parse = YAML to nodes; lower+check = analyze() with recheck verdicts cached, minus parse; regex analysis = analyze() cold minus warm (recheck, cached per pattern); emit = code, validators (Ajv standalone, one per distinct tool schema), source map, digest',
}
log('    compile time: 1,000 and 10,000 rules cold and with a warm cache, 1 MB policies (bench/compile-time.ts) ...')
const compileTime = measureCompileTime(log)
for (const g of compileTime.goals) targets.push({ name: g.name, value: g.value, unit: 'ms', target: `< ${g.target}`, met: g.met, note: g.note })
log(`    10,000-rule compile by stage: parse ${parseMs} ms, lower+check ${compileStages.lowerAndCheckMs} ms, regex analysis ${compileStages.regexAnalysisMs} ms, emit ${emitMs} ms`)

log('    dispatch: switch vs Map ...')
const dispatch = await measureDispatch(log)

// ---------------------------------------------------------------------------------------------
// 3. vite dev recompile

log('3/5 vite dev server: recompile of one edited policy ...')
const dev = await measureDevRecompile(join(POLICIES, 'groq-tools.policy.yaml'), 15)
const devMedian = round(median(dev.editToServedMs), 1)
const devRecompile = {
  policy: 'policies/groq-tools.policy.yaml (a temp copy)',
  method: 'vite createServer (middlewareMode, the vetoc plugin, hmr off) on a temp app importing the policy; the file is rewritten (a new rule message each time) and server.transformRequest is polled every 1 ms until it serves the recompiled module; 3 warm-up edits, then 15 timed ones, 60 ms apart',
  editToServedMs: { median: devMedian, p75: round(percentile(dev.editToServedMs, 0.75), 1), max: round(Math.max(...dev.editToServedMs), 1), runs: dev.editToServedMs.map(x => round(x, 1)) },
  pluginTransformMs: { median: round(median(dev.transformMs), 2), runs: dev.transformMs.map(x => round(x, 2)) },
}
targets.push({ name: 'vite dev: edit to recompiled module served', value: devMedian, unit: 'ms', target: '< 50', met: devMedian < 50, note: `of which the plugin's compile ${devRecompile.pluginTransformMs.median} ms; the rest is the file watcher and vite` })
log(`    edit → served: median ${devMedian} ms (p75 ${devRecompile.editToServedMs.p75}, max ${devRecompile.editToServedMs.max}); compile alone ${devRecompile.pluginTransformMs.median} ms`)

// ---------------------------------------------------------------------------------------------
// 4. footprint

log('4/5 footprint: module sizes, heap allocated per decision ...')
const sizes: { policy: string; bytes: number; minified: number; minifiedGzip: number }[] = []
for (const name of SHIPPED) {
  const code = shipped[name].result.code
  const min = (await transform(code, { minify: true, format: 'esm', loader: 'js', target: 'es2022' })).code
  sizes.push({ policy: `policies/${name}.policy.yaml`, bytes: Buffer.byteLength(code), minified: Buffer.byteLength(min), minifiedGzip: gzipSync(min, { level: 9 }).length })
}
const largest = Math.max(...sizes.map(s => s.minifiedGzip))
targets.push({ name: 'emitted module, minified + gzipped (largest shipped policy)', value: largest, unit: 'bytes', target: '< 4096', met: largest < 4096 })
for (const s of sizes) log(`    ${s.policy}: ${s.bytes} B, ${s.minified} B minified, ${s.minifiedGzip} B min+gz`)

// quantifiers compile to module-level loops: a decision over a recipient list allocates nothing more.
// The tool is untyped so the figure is the rules' own: with `to: { type: array }` in a schema, the
// generated argument validator allocates about 56 B per call by itself, quantifiers or not.
const QUANTIFIED = `tools:
  send_email: null
rules:
  - id: recipients-on-domain
    tool: send_email
    when: "args.to.some(r => !r.endsWith('@approved.example.com'))"
    action: deny
  - id: recipients-on-domain-too
    tool: send_email
    conditions:
      - { field: arguments.to.*, operator: not_ends_with, value: "@approved.example.com" }
    action: deny
`
const quantified = await load(QUANTIFIED, 'quantified.policy.yaml')
const allocProbes = [
  { label: 'quantifiers send_email allow (3 recipients, both dialects)', module: quantified.file, tool: 'send_email', args: { to: ['a@approved.example.com', 'b@approved.example.com', 'c@approved.example.com'], body: 'hi' } },
  { label: 'groq-tools-context fetch_external_api allow', module: shipped['groq-tools-context'].file, tool: 'fetch_external_api', args: { url: 'https://api.stripe.invalid/v1/charges' }, context: { hourly_calls: 3, recipient_hourly_count: 0, local_hour: 12 } },
  { label: 'groq-tools-context send_sms allow', module: shipped['groq-tools-context'].file, tool: 'send_sms', args: { to: '+15550100', body: 'hi' }, context: { hourly_calls: 3, recipient_hourly_count: 0, local_hour: 12 } },
  { label: 'gemini-safety delete_file allow', module: shipped['gemini-safety'].file, tool: 'delete_file', args: { path: '/tmp/a.txt' }, context: { hourly_count: 2 } },
  { label: 'gemini-safety send_email deny', module: shipped['gemini-safety'].file, tool: 'send_email', args: { to: 'eve@evil.invalid', subject: 's', body: 'b' }, context: { hourly_count: 2 } },
]
const alloc: AllocResult[] = []
for (const mod of [...new Set(allocProbes.map(p => p.module))]) {
  const probes = allocProbes.filter(p => p.module === mod).map(({ module: _m, ...p }) => p)
  const child = spawnSync(process.execPath, ['--expose-gc', '--min-semi-space-size=256', '--max-semi-space-size=256', '--import', 'tsx', join(ROOT, 'bench', 'alloc.ts'), mod, JSON.stringify(probes)], { cwd: ROOT, encoding: 'utf8' })
  if (child.status !== 0) throw new Error(`bench/alloc.ts failed: ${child.stderr}`)
  alloc.push(...(JSON.parse(child.stdout.trim().split('\n').pop()!) as AllocResult[]))
}
const allowAlloc = alloc.filter(a => a.decision === 'allow')
const worstAllow = Math.max(...allowAlloc.map(a => a.bytesPerCall))
const allocation = {
  method: 'child process `node --expose-gc --min-semi-space-size=256 --max-semi-space-size=256 --import tsx bench/alloc.ts` (a 256 MB young generation, so the loop runs without a scavenge): 200,000 warm-up calls, gc() twice, then process.memoryUsage().heapUsed before and after 1,000,000 calls of the same call (keeping the last result), divided by 1,000,000; a PerformanceObserver counts GCs inside the loop (a GC there would make the figure a lower bound). Node 20 has no v8 total_allocated_bytes.',
  probes: alloc.map(a => ({ ...a, bytesPerCall: round(a.bytesPerCall, 3) })),
}
targets.push({ name: 'heap bytes allocated per allow decision (1,000,000 calls)', value: round(worstAllow, 3), unit: 'bytes', target: '~0 (< 1)', met: worstAllow < 1 && allowAlloc.every(a => a.gcDuringLoop === 0), note: allowAlloc.some(a => a.gcDuringLoop > 0) ? 'a GC ran inside the loop: lower bound' : 'no GC inside the loop' })
for (const a of alloc) log(`    ${a.label}: ${round(a.bytesPerCall, 3)} B/decision (${a.decision}, ${a.gcDuringLoop} GC in loop)`)

// ---------------------------------------------------------------------------------------------
// 5. the guard path

log('5/5 guard: createGuard (memory limit store + record sink) vs bare evaluate ...')
const groq = shipped['groq-tools'].module
const guardPath = await measureGuardPath(groq, log)
targets.push({ name: 'guard with the memory limit store, over bare evaluate (groq-tools), median of paired rounds', value: guardPath.overheadNs.store, unit: 'ns', target: `<= ${GUARD_GOALS.storeOverheadNs}`, met: guardPath.met.store, note: `${guardPath.ns['guard, memory limit store']} ns vs ${guardPath.ns['bare evaluate']} ns bare${GUARD_PATH_LIMITS.length > 0 && !guardPath.met.store ? '; see the guard path section for what limits it' : ''}` })
targets.push({ name: 'guard with the memory store and a decision record (groq-tools), per decision', value: guardPath.ns['guard, memory store + decision record'], unit: 'ns', target: `< ${GUARD_GOALS.recordTotalNs}`, met: guardPath.met.record, note: `${guardPath.overheadNs.storeAndRecord} ns over bare evaluate${GUARD_PATH_LIMITS.length > 0 && !guardPath.met.record ? '; see the guard path section for what limits it' : ''}` })
const signing = await measureSigning(groq, log)
targets.push({ name: 'guard + decision record, signed checkpoints / unsigned, median', value: signing.overUnsigned.checkpoints, unit: 'x', target: '<= 1.1', met: signing.overUnsigned.checkpoints <= 1.1, note: `a signature on every record instead: ${signing.overUnsigned.everyRecord}x` })
log('    limit keys: a guard call at 1,000 and 1,000,000 live keys ...')
const limitKeys = await measureLimitKeys(log)
targets.push({ name: 'guard call at 1,000,000 / at 1,000 live limit keys (memory store, 1 KB keys)', value: limitKeys.ratio, unit: 'x', target: '<= 1.5', met: limitKeys.ratio <= 1.5, note: `${limitKeys.rows[1]!.cpuNs} ns vs ${limitKeys.rows[0]!.cpuNs} ns of CPU per call; the store holds ${limitKeys.heapMb} MB at 1,000,000 keys${limitKeys.ratio > 1.5 ? '; see the limit keys section for what limits it' : ''}` })

log('    fleet: guard calls over one redis-server from 1, 2 and 4 worker processes (bench/fleet.ts) ...')
const fleet = await measureFleet(log)
const bestFleet = Math.max(...fleet.rows.map(r => r.decisionsPerSec))
targets.push({ name: 'fleet decisions/s (Redis limit store, best of 1, 2, 4 workers) vs redis-benchmark running the single-call limit script by EVALSHA', value: fleet.bestRatio, unit: 'x below the limit', target: '<= 2', met: fleet.met, note: `${bestFleet} decisions/s vs ${fleet.limit.opsPerSec} ops/s; caps exact in every run: ${fleet.rows.every(r => r.inexactUsers === 0 && r.failMode === 0) ? 'yes' : 'NO'}` })

// ---------------------------------------------------------------------------------------------
// results

const meta = {
  date: new Date().toISOString(),
  command: 'npm run bench',
  node: process.version,
  v8: process.versions.v8,
  platform: `${process.platform} ${process.arch}`,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  durationS: 0,
  loadAverage: { atStart: loadAtStart.map(x => round(x, 2)), atEnd: [] as number[] },
  note: 'ns figures are mitata medians (p50) of per-sample means; per decision = per workload pass / number of calls in the pass, so p75/p99 are percentiles of those means, not of single calls. Where a figure is measured in several rounds (compiled and hand-written: 5, policy sizes: 3) it is the median round and ratios are medians of per-round ratios (the speed of a shared machine drifts during a run); dispatch figures are the least p50 of 3 rounds; all rounds are in the file',
}
const results = {
  meta,
  targets,
  decision: {
    workload: { calls: N, policies: ['policies/groq-tools-context.policy.yaml', 'policies/gemini-safety.policy.yaml'], mix, agreement: `all 6 engines return the same decision and deciding rule for all ${N} calls` },
    nsPerDecision: engines,
    compiledVsHandwrittenRounds: rounds,
    ratios: { compiledOverHandwritten: round(compiledOverHand, 2), compiledOverHandwrittenExact: round(compiledOverExact, 2), jsonRulesEngineOverCompiled: round(jreOverCompiled, 1), interpreterOverCompiled: round(engines['interpreter']!.p50 / engines['compiled']!.p50, 1), cedarOverCompiled: round(engines['cedar']!.p50 / engines['compiled']!.p50, 1) },
    cedarApproximations: CEDAR_APPROXIMATIONS,
  },
  scaling: {
    timedCall: `${HOT_TOOL} (always the same ${HOT_RULES} rules, declared last among the tools), an allow call that evaluates all ${HOT_RULES} conditions`,
    policies: `N rules: ${HOT_RULES} on ${HOT_TOOL}, the other N - ${HOT_RULES} round-robin over min(N - ${HOT_RULES}, 999) other tools; every tool typed with its own schema; 8 rule templates mixing when and conditions/condition_groups; 2 regexes per 100 rules, new to the verdict cache on every compile`,
    rows: scaling,
    compileStages10000: compileStages,
  },
  dispatch,
  devRecompile,
  footprint: { modules: sizes, allocation },
  // under the names their parts save them alone (bench/part.ts)
  guardPath,
  evaluate: evaluateBySeed,
  signing,
  limitKeys,
  compileTime,
  fleet,
}
meta.durationS = round((performance.now() - started) / 1000, 1)
meta.loadAverage.atEnd = loadavg().map(x => round(x, 2))
writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`)

// ---------------------------------------------------------------------------------------------
// docs/performance.md

writePerformancePage({
  meta, targets, calls: N, mix, engines, scaling, compileStages, dispatch, sizes, alloc,
  devRecompile, evaluate: evaluateBySeed, guardPath, signing, limitKeys, compileTime, fleet,
})
writeReadmeTable(targets, meta)

rmSync(TMP, { recursive: true, force: true })
log(`done in ${meta.durationS} s: bench/results.json, docs/performance.md and the README's table written`)
for (const t of targets) log(`    ${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.value} ${t.unit} (target ${t.target})`)
