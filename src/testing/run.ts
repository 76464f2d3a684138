/**
 * Runs one policy test file: compiles its policy (once per distinct `env`), imports the module, and
 * drives a real guard per case, and one guard per session whose steps share one clock, one limit
 * store and one session id. `review` steps are answered by `approve:` (default false), so an
 * approved call counts against limits like any allowed call.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { compile } from '../../compiler/index.js'
import { formatDiagnostics, position } from '../../compiler/format.js'
import type { Diagnostic } from '../../compiler/diagnostic.js'
import { createGuard, type Guard, type GuardDecision } from '../guard.js'
import { createMemoryStore } from '../limits/memory.js'
import type { CompiledPolicy, Decision, LimitStore } from '../types.js'
import { readExtendedFrom } from '../read-extended.js'
import { checkAgainstPolicy, parseTestFile, type EnvValue, type Step } from './spec.js'
import { addCoverage, emptyCoverage, finishCoverage, type InstrumentedModule, type PolicyCoverage } from './coverage.js'

export interface RunOptions {
  /** Run the instrumented build and return `coverage`. @default false */
  coverage?: boolean
  /** The time of steps without `now` (epoch ms). @default the time the run starts */
  now?: number
  /** How paths appear in messages. @default process.cwd() */
  cwd?: string
}

export interface CaseResult {
  /** `session name › step name`, or the case's name, or `tool #n` */
  name: string
  /** `file:line:col` of the case or step */
  where: string
  passed: boolean
  expected: { decision: string; rule?: string; reason?: string; result?: string; resultRule?: string }
  actual: { decision: string; rule?: string; reason?: string; result?: string; resultRule?: string }
  /** the failure, formatted (code frame, expected and actual); '' when it passed */
  message: string
}

export interface TestFileReport {
  file: string
  policyFile: string
  /** `invalid`: the test file or its policy has errors (`diagnostics`), nothing ran */
  status: 'passed' | 'failed' | 'invalid'
  results: CaseResult[]
  /** formatted diagnostics (errors and warnings of the test file and its policy) */
  diagnostics: string
  coverage?: PolicyCoverage
}

/** The default policy of `x.policy.test.yaml` is its sibling `x.policy.yaml`. */
export function defaultPolicyPath(testFile: string): string {
  return testFile.replace(/\.test\.ya?ml$/, '.yaml')
}

let loaded = 0

export async function importModule(code: string, digest: string): Promise<CompiledPolicy & Partial<InstrumentedModule>> {
  const dir = join(tmpdir(), 'vetoc-test')
  mkdirSync(dir, { recursive: true })
  // a fresh file per load, so an instrumented module's counters belong to this run alone
  const file = join(dir, `${digest}-${process.pid}-${loaded++}.mjs`)
  writeFileSync(file, code)
  return (await import(pathToFileURL(file).href)) as CompiledPolicy & Partial<InstrumentedModule>
}

function describe(d: { decision: string; rule?: string; reason?: string }): string {
  return `${d.decision}${d.rule !== undefined ? ` (rule \`${d.rule}\`)` : ' (no rule)'}${d.reason !== undefined ? `: ${d.reason}` : ''}`
}

export async function runPolicyTests(testFile: string, options: RunOptions = {}): Promise<TestFileReport> {
  const cwd = options.cwd ?? process.cwd()
  const shown = relative(cwd, resolve(testFile)) || testFile
  const source = readFileSync(testFile, 'utf8')
  const spec = parseTestFile(source, shown)
  const policyPath = spec.policy !== undefined ? resolve(dirname(testFile), spec.policy) : defaultPolicyPath(resolve(testFile))
  const policyShown = relative(cwd, policyPath) || policyPath
  const report: TestFileReport = { file: shown, policyFile: policyShown, status: 'invalid', results: [], diagnostics: '' }
  const testErrors = (ds: Diagnostic[]): string => formatDiagnostics(ds, source, shown)
  if (spec.diagnostics.some(d => d.severity === 'error')) {
    report.diagnostics = testErrors(spec.diagnostics)
    return report
  }
  let policySource: string
  try {
    policySource = readFileSync(policyPath, 'utf8')
  } catch (e) {
    report.diagnostics = testErrors([{ code: 'missing-policy', severity: 'error', message: `cannot read the policy \`${policyShown}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, span: { start: 0, end: 1 }, help: 'name it with `policy: <path>` (relative to the test file), or put the test beside `x.policy.yaml` as `x.policy.test.yaml`' }])
    return report
  }

  const modules = new Map<string, CompiledPolicy & Partial<InstrumentedModule>>()
  let ruleSpans: { id: string; span: { start: number }; limit?: unknown }[] = []
  let extended: { filename: string; source: string; base: number }[] = []
  const policyErrors: string[] = []
  const moduleFor = async (env: Record<string, EnvValue>): Promise<(CompiledPolicy & Partial<InstrumentedModule>) | undefined> => {
    const key = JSON.stringify(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1)))
    if (modules.has(key)) return modules.get(key)
    const out = compile(policySource, { filename: policyShown, env, resolve: readExtendedFrom(cwd), ...(options.coverage ? { coverage: true } : {}) })
    if (out.diagnostics.some(d => d.severity === 'error')) {
      policyErrors.push(formatDiagnostics(out.diagnostics, policySource, policyShown, out.files))
      return undefined
    }
    if (modules.size === 0) {
      ruleSpans = out.policy!.rules
      extended = out.files
    }
    const mod = await importModule(out.code, out.digest!)
    modules.set(key, mod)
    return mod
  }
  const first = await moduleFor({})
  if (!first) {
    report.diagnostics = policyErrors.join('\n\n')
    return report
  }
  const semantic = checkAgainstPolicy(spec, first.policy.tools, first.policy.rules.map(r => r.id))
  const all = [...spec.diagnostics, ...semantic]
  if (all.length > 0) report.diagnostics = testErrors(all)
  if (semantic.length > 0) return report

  const start = options.now ?? Date.now()
  const at = (span: { start: number }): string => {
    const p = position(source, span.start)
    return `${shown}:${p.line}:${p.column + 1}`
  }
  /** Runs one step on a guard made for it (or reused); `clock.t` is the shared clock. */
  const runSteps = async (steps: Step[], label: (s: Step, i: number) => string, session: string | undefined): Promise<void> => {
    const store: LimitStore = createMemoryStore()
    const clock = { t: start }
    const guards = new Map<string, Guard>()
    for (const [i, step] of steps.entries()) {
      if (step.now !== undefined) clock.t = step.now
      const mod = await moduleFor(step.env)
      if (!mod) continue
      const gkey = `${JSON.stringify(step.env)}|${JSON.stringify(step.params ?? {})}`
      let guard = guards.get(gkey)
      const errors: string[] = []
      if (!guard) {
        try {
          guard = createGuard(mod, { clock: () => clock.t, store, ...(step.params ? { params: step.params } : {}), onError: e => errors.push(e.message) })
        } catch (e) {
          report.results.push(failure(step, label(step, i), at(step.span), { decision: 'error', reason: (e as Error).message }))
          continue
        }
        guards.set(gkey, guard)
      }
      let asked: Decision | undefined
      const d: GuardDecision = await guard(step.tool, step.args, step.context, {
        ...(session !== undefined ? { session } : {}),
        approve: request => {
          asked = request.decision
          return { approved: step.approve, by: 'vetoc test' }
        },
      })
      // a review step is judged by what the policy asked, then counted as the answer made it
      const seen = asked ?? d
      const actual: CaseResult['actual'] = { decision: seen.decision, ...(seen.rule !== undefined ? { rule: seen.rule } : {}), ...(seen.reason !== undefined ? { reason: seen.reason } : {}) }
      const result = await resultStep(guard, step, d, session)
      if (result) Object.assign(actual, result)
      report.results.push(judge(step, label(step, i), at(step.span), actual))
    }
  }
  const judge = (step: Step, name: string, where: string, actual: CaseResult['actual']): CaseResult => {
    const e = step.expect
    const expected: CaseResult['expected'] = { decision: e.decision, ...(e.rule !== undefined ? { rule: e.rule } : {}), ...(e.reason !== undefined ? { reason: e.reason } : {}) }
    let passed = actual.decision === e.decision && (e.rule === undefined || actual.rule === e.rule) && (e.reason === undefined || actual.reason === e.reason)
    if (step.expectResult) {
      expected.result = step.expectResult.action
      if (step.expectResult.rule !== undefined) expected.resultRule = step.expectResult.rule
      passed &&= actual.result === step.expectResult.action && (step.expectResult.rule === undefined || actual.resultRule === step.expectResult.rule)
    }
    return passed ? { name, where, passed, expected, actual, message: '' } : failure(step, name, where, actual, expected)
  }
  const failure = (step: Step, name: string, where: string, actual: CaseResult['actual'], expected?: CaseResult['expected']): CaseResult => {
    const exp = expected ?? { decision: step.expect.decision }
    const frame = formatDiagnostics([{ code: 'test-failed', severity: 'error', message: `\`${name}\` failed`, span: { start: step.span.start, end: step.span.start + 1 } }], source, shown).replace(': error: ', ': fail: ')
    const lines = [frame, `  expected: ${describe(exp)}`, `  actual:   ${describe(actual)}`]
    if (exp.result !== undefined) lines.push(`  expected result: ${exp.result}${exp.resultRule ? ` (rule \`${exp.resultRule}\`)` : ''}`, `  actual result:   ${actual.result ?? 'not run'}${actual.resultRule ? ` (rule \`${actual.resultRule}\`)` : ''}`)
    return { name, where, passed: false, expected: exp, actual, message: lines.join('\n') }
  }

  for (const [i, c] of spec.cases.entries()) await runSteps([c], s => s.name ?? `${s.tool} #${i + 1}`, undefined)
  for (const [i, s] of spec.sessions.entries()) {
    const sname = s.name ?? `session #${i + 1}`
    await runSteps(s.steps, (step, j) => `${sname} › ${step.name ?? `${step.tool} #${j + 1}`}`, `vetoc-test-${i}`)
  }
  if (policyErrors.length > 0) {
    report.diagnostics = [report.diagnostics, ...policyErrors].filter(Boolean).join('\n\n')
    return report
  }
  report.status = report.results.every(r => r.passed) ? 'passed' : 'failed'
  if (options.coverage) {
    const files = [{ shown: policyShown, path: policyPath, source: policySource, base: 0 }, ...extended.map(f => ({ shown: f.filename, path: resolve(cwd, f.filename), source: f.source, base: f.base }))]
    const cov = emptyCoverage(policyShown, files, ruleSpans)
    for (const mod of modules.values()) addCoverage(cov, mod)
    // a limit is decided by the guard's store, not the module: counted from the decisions
    for (const r of cov.rules) if (r.exceeded !== undefined) r.exceeded = report.results.filter(c => c.actual.rule === r.id && c.actual.decision !== 'allow').length
    // result rules decide in `guard.result`: counted from what the steps' results met
    for (const r of cov.rules) r.matched += report.results.filter(c => c.actual.resultRule === r.id).length
    finishCoverage(cov)
    report.coverage = cov
  }
  return report
}

/**
 * What the result rules did with the step's `result` (SPEC 4.2), when the guard has them; steps that
 * were not allowed never ran, so their result is not judged.
 */
async function resultStep(guard: Guard, step: Step, d: GuardDecision, session: string | undefined): Promise<{ result: string; resultRule?: string } | undefined> {
  const withResult = guard as Guard & { result?: (tool: string, args: unknown, result: unknown, context?: unknown, options?: { session?: string }) => Promise<{ action?: string; rule?: string }> }
  if (d.decision !== 'allow' || typeof withResult.result !== 'function') return undefined
  const r = await withResult.result(step.tool, step.args, step.result, step.context, session !== undefined ? { session } : {})
  return { result: r.action ?? 'pass', ...(r.rule !== undefined ? { resultRule: r.rule } : {}) }
}
