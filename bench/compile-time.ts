/**
 * Compile time (issue 15, item 2): `compile()` of generated policies of 1,000 and 10,000 rules
 * (bench/generate.ts), cold (every regex new, an empty cache) and warm (the same policy again with
 * the cache the cold build filled, as a dev server's rebuild or a CI run with
 * `node_modules/.cache/vetoc` kept), and the 1 MB policies of issue 18 (test/support/hostile-yaml.ts).
 * Each figure is wall time, with this process's CPU time beside it (user + system, its threads
 * included, the regex analyser's own process not): on a shared machine the wall time counts other
 * processes too. The cold 10,000-rule compile is also split by stage, in CPU time.
 * Part of `npm run bench`; alone: `npx tsx bench/compile-time.ts`.
 */
import { loadavg } from 'node:os'
import { pathToFileURL } from 'node:url'
import { analyze } from '../compiler/analyze.js'
import type { CompileCache } from '../compiler/cache.js'
import { policyRegexes } from '../compiler/check/index.js'
import { analysePatterns } from '../compiler/check/regex.js'
import { emit } from '../compiler/emit/index.js'
import { generate as ajvSource } from '../compiler/emit/validate.js'
import type { JsonSchema } from '../compiler/ir.js'
import { Parser } from 'yaml'
import { compile } from '../compiler/index.js'
import { parse } from '../compiler/parse/index.js'
import { hostileYaml } from '../test/support/hostile-yaml.js'
import { generatePolicy } from './generate.js'
import { fmt, median, round, savePart } from './part.js'

export interface Timing {
  wallMs: number
  cpuMs: number
}

export interface CompileTimeRow {
  rules: number
  tools: number
  distinctRegexes: number
  yamlBytes: number
  /** median of the runs, each on a newly salted policy */
  cold: Timing
  warm: Timing
  runs: { cold: Timing[]; warm: Timing[] }
  /**
   * What two libraries the compiler must use take alone on this policy, CPU ms: the yaml package's
   * CST parser (no document tree, no compiler) and Ajv generating the validators of the policy's
   * distinct tool schemas (no parse, no emit). A cold compile cannot take less than their sum.
   */
  floor: { yamlCstCpuMs: number; ajvCpuMs: number; schemas: number }
}

export interface CompileTimeResult {
  method: string
  rows: CompileTimeRow[]
  /** the cold 10,000-rule compile by stage, CPU ms (regex analysis: wall ms, it runs in another process) */
  stages: { parseCpuMs: number; lowerCheckCpuMs: number; regexAnalysisWallMs: number; emitCpuMs: number; emitWarmCpuMs: number }
  /** `floor` as in `CompileTimeRow`, for the shapes that compile */
  megabyte: { shape: string; bytes: number; outcome: string; wallMs: number; cpuMs: number; floor?: CompileTimeRow['floor'] }[]
  loadAverage: number[]
  goals: { name: string; value: number; target: number; met: boolean; note: string }[]
}

function timed(f: () => unknown): Timing {
  const cpu = process.cpuUsage()
  const t0 = performance.now()
  f()
  const used = process.cpuUsage(cpu)
  return { wallMs: round(performance.now() - t0, 0), cpuMs: round((used.user + used.system) / 1000, 0) }
}

const mapCache = (): CompileCache & { map: Map<string, string> } => {
  const map = new Map<string, string>()
  return { map, get: k => map.get(k), set: (k, v) => void map.set(k, v) }
}

/** The least of two runs (one of them may pay a major GC of the other's garbage). */
const least = (f: () => unknown): Timing => [timed(f), timed(f)].reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a))

/** The CPU the yaml package's CST parser and Ajv's validator generation take alone on `yaml`. */
function libraryFloor(yaml: string): CompileTimeRow['floor'] {
  const yamlCst = least(() => {
    let tokens = 0
    for (const _ of new Parser().parse(yaml)) tokens++
    return tokens
  })
  const policy = analyze(yaml, { filename: 'p.policy.yaml' }).policy
  const schemas = [...new Map((policy?.tools ?? []).filter(t => t.schema !== undefined).map(t => [JSON.stringify(t.schema), t.schema as JsonSchema])).values()]
  const ajv = timed(() => schemas.map(ajvSource))
  return { yamlCstCpuMs: yamlCst.cpuMs, ajvCpuMs: ajv.cpuMs, schemas: schemas.length }
}

const mid = (xs: Timing[]): Timing => ({ wallMs: median(xs.map(x => x.wallMs)), cpuMs: median(xs.map(x => x.cpuMs)) })

let salt = 0
const fresh = (rules: number): ReturnType<typeof generatePolicy> & { salt: string } => {
  const tag = `c${process.pid}n${salt++}`
  return { ...generatePolicy(rules, tag), salt: tag }
}

export function measureCompileTime(log: (s: string) => void = s => void process.stdout.write(`${s}\n`)): CompileTimeResult {
  // JIT warm-up of the compiler itself, so the first timed size does not pay for it
  compile(fresh(1000).yaml, { filename: 'warm.policy.yaml', cache: mapCache() })
  const rows: CompileTimeRow[] = []
  for (const [rules, runs] of [[1000, 3], [10_000, 2]] as const) {
    const cold: Timing[] = []
    const warm: Timing[] = []
    let gen = fresh(rules)
    for (let r = 0; r < runs; r++) {
      gen = fresh(rules)
      const cache = mapCache()
      const c = timed(() => compile(gen.yaml, { filename: 'p.policy.yaml', cache }))
      const w = timed(() => compile(gen.yaml, { filename: 'p.policy.yaml', cache }))
      cold.push(c)
      warm.push(w)
    }
    const row: CompileTimeRow = { rules, tools: gen.tools, distinctRegexes: gen.distinctRegexes, yamlBytes: gen.yaml.length, cold: mid(cold), warm: mid(warm), runs: { cold, warm }, floor: libraryFloor(fresh(rules).yaml) }
    rows.push(row)
    log(`    ${fmt(rules).padStart(6)} rules / ${fmt(gen.tools)} tools: cold ${fmt(row.cold.wallMs)} ms (CPU ${fmt(row.cold.cpuMs)}), warm cache ${fmt(row.warm.wallMs)} ms (CPU ${fmt(row.warm.cpuMs)}); the yaml CST parser alone ${fmt(row.floor.yamlCstCpuMs)} ms CPU, Ajv alone (${fmt(row.floor.schemas)} schemas) ${fmt(row.floor.ajvCpuMs)} ms CPU`)
  }
  // the cold 10,000-rule compile, stage by stage
  const gen = fresh(10_000)
  // the least of two runs for parse and for analyze
  let analysis: ReturnType<typeof analyze> | undefined
  timed(() => (analysis = analyze(gen.yaml, { filename: 'p.policy.yaml' })))
  const parseT = least(() => parse(gen.yaml))
  const analyzeWarm = least(() => analyze(gen.yaml, { filename: 'p.policy.yaml' }))
  // the same patterns with the salt changed: new to the analyser, timed alone
  const resalted = `r${process.pid}n${salt++}`
  const patterns = [...new Map(policyRegexes(analysis!.policy!).map(rx => [rx.source, { source: rx.source.replaceAll(gen.salt, resalted), flags: rx.flags }])).values()]
  const regexT = timed(() => analysePatterns(patterns))
  const cache = mapCache()
  const emitCold = timed(() => emit(analysis!.policy!, { source: gen.yaml, filename: 'p.policy.yaml', cache }))
  const emitWarm = timed(() => emit(analysis!.policy!, { source: gen.yaml, filename: 'p.policy.yaml', cache }))
  const stages = {
    parseCpuMs: parseT.cpuMs,
    lowerCheckCpuMs: Math.max(0, analyzeWarm.cpuMs - parseT.cpuMs),
    regexAnalysisWallMs: regexT.wallMs,
    emitCpuMs: emitCold.cpuMs,
    emitWarmCpuMs: emitWarm.cpuMs,
  }
  log(`    10,000 rules by stage: YAML parse ${fmt(stages.parseCpuMs)} ms CPU, lower + check ${fmt(stages.lowerCheckCpuMs)} ms CPU, regex analysis ${fmt(stages.regexAnalysisWallMs)} ms wall (${gen.distinctRegexes} patterns), emit ${fmt(stages.emitCpuMs)} ms CPU (${fmt(stages.emitWarmCpuMs)} with the validators cached)`)
  const megabyte = hostileYaml.megabyteShapes().map(([shape, make]) => {
    const src = make()
    let out: ReturnType<typeof compile> | undefined
    const t = timed(() => (out = compile(src, { filename: 'p.policy.yaml' })))
    const errors = [...new Set(out!.diagnostics.filter(d => d.severity === 'error').map(d => d.code))]
    return { shape, bytes: src.length, outcome: errors.length === 0 ? 'compiled' : errors.join(', '), ...t, ...(errors.length === 0 ? { floor: libraryFloor(src) } : {}) }
  })
  for (const m of megabyte) log(`    1 MB, ${m.shape}: ${fmt(m.wallMs)} ms (CPU ${fmt(m.cpuMs)}), ${m.outcome}${m.floor ? `; the yaml CST parser alone ${fmt(m.floor.yamlCstCpuMs)} ms CPU, Ajv alone ${fmt(m.floor.ajvCpuMs)} ms CPU` : ''}`)
  const worstMb = megabyte.reduce((a, b) => (b.wallMs > a.wallMs ? b : a))
  const [k1, k10] = rows
  const floorNote = (r: CompileTimeRow, target: number): string => `; the yaml package's CST parser and Ajv alone: ${fmt(r.floor.yamlCstCpuMs + r.floor.ajvCpuMs)} ms CPU${r.floor.yamlCstCpuMs + r.floor.ajvCpuMs >= target ? ', at or over the goal by themselves' : ''}`
  const goals = [
    { name: 'compile() of 1,000 rules over 991 typed tools, cold (new regexes, empty cache)', value: k1!.cold.wallMs, target: 500, met: k1!.cold.wallMs < 500, note: `CPU ${fmt(k1!.cold.cpuMs)} ms; warm cache ${fmt(k1!.warm.wallMs)} ms (CPU ${fmt(k1!.warm.cpuMs)})${floorNote(k1!, 500)}` },
    { name: 'compile() of 10,000 rules over 1,000 typed tools, cold (new regexes, empty cache)', value: k10!.cold.wallMs, target: 2000, met: k10!.cold.wallMs < 2000, note: `CPU ${fmt(k10!.cold.cpuMs)} ms; warm cache ${fmt(k10!.warm.wallMs)} ms (CPU ${fmt(k10!.warm.cpuMs)}); by stage (CPU): YAML ${fmt(stages.parseCpuMs)}, lower + check ${fmt(stages.lowerCheckCpuMs)}, regex analysis ${fmt(stages.regexAnalysisWallMs)} wall, emit ${fmt(stages.emitCpuMs)} (${fmt(stages.emitWarmCpuMs)} with validators cached)${floorNote(k10!, 2000)}` },
    { name: 'compile() of the slowest 1 MB policy of issue 18', value: worstMb.wallMs, target: 2000, met: worstMb.wallMs < 2000, note: `${worstMb.shape}, CPU ${fmt(worstMb.cpuMs)} ms, ${worstMb.outcome}${worstMb.floor ? `; the yaml package's CST parser and Ajv alone: ${fmt(worstMb.floor.yamlCstCpuMs + worstMb.floor.ajvCpuMs)} ms CPU` : ''}` },
  ]
  return {
    method: 'compile() in this process after a JIT warm-up; cold = a newly salted policy (every regex new to the analyser) with an empty cache, warm = the same policy again with the cache the cold build filled (regex verdicts then also come from this process\'s memory, as in a dev server); 1,000 rules: median of 3 cold/warm pairs, 10,000: of 2; wall ms with this process\'s CPU ms (user + system, all its threads; the native regex analyser runs in a child process, so its CPU is in the wall time only)',
    rows,
    stages,
    megabyte,
    loadAverage: loadavg().map(x => round(x, 2)),
    goals,
  }
}

export function compileTimeRows(r: CompileTimeResult): string[] {
  return [
    '',
    `Compile time (${r.method}; load average ${r.loadAverage[0]} at the end):`,
    '',
    '| Policy | cold ms (CPU ms) | warm cache ms (CPU ms) | yaml CST parser alone, CPU ms | Ajv alone, CPU ms | goal, cold |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...r.rows.map(x => `| ${fmt(x.rules)} rules, ${fmt(x.tools)} typed tools (${fmt(x.floor.schemas)} distinct schemas), ${x.distinctRegexes} regexes, ${fmt(x.yamlBytes)} B | ${fmt(x.cold.wallMs)} (${fmt(x.cold.cpuMs)}) | ${fmt(x.warm.wallMs)} (${fmt(x.warm.cpuMs)}) | ${fmt(x.floor.yamlCstCpuMs)} | ${fmt(x.floor.ajvCpuMs)} | < ${fmt(x.rules === 1000 ? 500 : 2000)} ms: ${x.cold.wallMs < (x.rules === 1000 ? 500 : 2000) ? 'met' : '**not met**'} |`),
    ...r.megabyte.map(m => `| 1 MB: ${m.shape} (${m.outcome}) | ${fmt(m.wallMs)} (${fmt(m.cpuMs)}) | | ${m.floor ? fmt(m.floor.yamlCstCpuMs) : ''} | ${m.floor ? fmt(m.floor.ajvCpuMs) : ''} | < 2,000 ms: ${m.wallMs < 2000 ? 'met' : '**not met**'} |`),
    '',
    'The two library columns are what the `yaml` package\'s CST parser (tokens only: no document tree, nothing of the compiler) and Ajv\'s standalone generation of the policy\'s validators (no parse, no emit) take alone on the same policy: a cold compile that reads YAML with the one and validates arguments with the other cannot take less than their sum.',
    '',
    `The cold 10,000-rule compile by stage: YAML parse ${fmt(r.stages.parseCpuMs)} ms CPU, lower + check ${fmt(r.stages.lowerCheckCpuMs)} ms CPU, regex analysis ${fmt(r.stages.regexAnalysisWallMs)} ms wall, emit ${fmt(r.stages.emitCpuMs)} ms CPU (${fmt(r.stages.emitWarmCpuMs)} ms with the validators cached).`,
  ]
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write('compile time: 1,000 and 10,000 rules, cold and warm, and 1 MB policies ...\n')
  const r = measureCompileTime()
  if (process.env.BENCH_NO_SAVE !== '1') savePart('compileTime', r, compileTimeRows(r))
  for (const g of r.goals) process.stdout.write(`${g.met ? 'met   ' : 'MISSED'} ${g.name}: ${fmt(g.value)} ms (goal < ${fmt(g.target)})\n`)
}
