/**
 * `vetoc test [paths...] [--coverage] [--min-coverage N] [--coverage-dir dir]`. Exit status: 0 every
 * case holds (and coverage is at least N), 1 a case failed or coverage is below N, 2 a file is
 * invalid (or a usage error).
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { coverageJson, coverageLcov, coverageTable, type PolicyCoverage } from './coverage.js'
import { readFileSync } from 'node:fs'
import { compile } from '../../compiler/index.js'
import { formatDiagnostics } from '../../compiler/format.js'
import { readExtendedFrom } from '../read-extended.js'
import { formatReplay, replayLog } from './replay.js'
import { importModule, runPolicyTests, type TestFileReport } from './run.js'

interface Io {
  stdout: (s: string) => void
  stderr: (s: string) => void
}

const TEST_FILE = /\.policy\.test\.ya?ml$/

/** Every `*.policy.test.yaml` under `dir`, skipping `node_modules` and dot folders, sorted. */
export function findTestFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile() && TEST_FILE.test(e.name)) out.push(p)
    }
  }
  walk(dir)
  return out.sort()
}

export async function runTestCommand(argv: string[], io: Io, usage: (message: string) => Error): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { coverage: { type: 'boolean' }, 'min-coverage': { type: 'string' }, 'coverage-dir': { type: 'string' } } })
  let min: number | undefined
  if (values['min-coverage'] !== undefined) {
    min = Number(values['min-coverage'])
    if (!Number.isFinite(min) || min < 0 || min > 100) throw usage(`--min-coverage takes a percentage from 0 to 100, got \`${values['min-coverage']}\``)
  }
  const coverage = values.coverage === true || min !== undefined || values['coverage-dir'] !== undefined
  const files: string[] = []
  for (const p of positionals.length > 0 ? positionals : ['.']) {
    let isDir: boolean
    try {
      isDir = statSync(p).isDirectory()
    } catch {
      throw usage(`no such file or folder \`${p}\``)
    }
    files.push(...(isDir ? findTestFiles(p) : [p]))
  }
  if (files.length === 0) throw usage('no `*.policy.test.yaml` files found')
  const reports: TestFileReport[] = []
  for (const f of files) {
    const r = await runPolicyTests(f, { coverage })
    reports.push(r)
    if (r.diagnostics !== '') io.stderr(`${r.diagnostics}\n\n`)
    if (r.status === 'invalid') {
      io.stdout(`INVALID ${r.file}\n`)
      continue
    }
    for (const c of r.results) if (!c.passed) io.stdout(`${c.message}\n\n`)
    const failed = r.results.filter(c => !c.passed).length
    io.stdout(`${failed === 0 ? 'PASS' : 'FAIL'} ${r.file}: ${r.results.length - failed} of ${r.results.length} passed\n`)
  }
  const cases = reports.flatMap(r => r.results)
  const failed = cases.filter(c => !c.passed).length
  const invalid = reports.filter(r => r.status === 'invalid').length
  io.stdout(`\n${cases.length - failed} passed, ${failed} failed${invalid > 0 ? `, ${invalid} invalid ${invalid === 1 ? 'file' : 'files'}` : ''} (${reports.length} ${reports.length === 1 ? 'file' : 'files'})\n`)
  let below = false
  if (coverage) {
    const covs = reports.map(r => r.coverage).filter((c): c is PolicyCoverage => c !== undefined)
    const dir = values['coverage-dir'] ?? 'coverage'
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'vetoc-coverage.json'), `${JSON.stringify(covs.map(coverageJson), null, 2)}\n`)
    writeFileSync(join(dir, 'vetoc.lcov'), coverageLcov(covs))
    for (const c of covs) io.stdout(`\n${coverageTable(c)}\n`)
    io.stdout(`\ncoverage written to ${join(dir, 'vetoc-coverage.json')} and ${join(dir, 'vetoc.lcov')}\n`)
    const low = covs.filter(c => min !== undefined && c.percent < min)
    for (const c of low) io.stdout(`coverage of ${c.policy} is ${c.percent}%, below --min-coverage ${min}\n`)
    below = low.length > 0
  }
  if (invalid > 0) return 2
  return failed > 0 || below ? 1 : 0
}

/**
 * `vetoc replay <log.jsonl> --policy <candidate.yaml> [--expect-no-change] [--policy-name name]`.
 * Exit status: 0, or 1 with `--expect-no-change` when a decision would change (or the candidate has
 * errors), 2 usage errors.
 */
export async function runReplayCommand(argv: string[], io: Io, usage: (message: string) => Error): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { policy: { type: 'string' }, 'expect-no-change': { type: 'boolean' }, 'policy-name': { type: 'string' } } })
  if (positionals.length !== 1) throw usage('`vetoc replay` takes one decision log')
  if (values.policy === undefined) throw usage('`vetoc replay` needs `--policy <candidate.yaml>`')
  const read = (f: string): string => {
    try {
      return readFileSync(f, 'utf8')
    } catch (e) {
      throw usage(`cannot read \`${f}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
  }
  const log = read(positionals[0]!)
  const source = read(values.policy)
  const out = compile(source, { filename: values.policy, resolve: readExtendedFrom(process.cwd()) })
  if (out.diagnostics.length > 0) io.stderr(`${formatDiagnostics(out.diagnostics, source, values.policy, out.files)}\n`)
  if (out.diagnostics.some(d => d.severity === 'error')) return 1
  const candidate = await importModule(out.code, out.digest!)
  const report = await replayLog(log, candidate, values['policy-name'] !== undefined ? { policyName: values['policy-name'] } : {})
  if (report.total === 0) io.stderr(`vetoc: no record of policy \`${values['policy-name'] ?? candidate.policy.name}\` in ${positionals[0]}; name the recorded policy with --policy-name\n`)
  io.stdout(formatReplay(report, positionals[0]!))
  return values['expect-no-change'] && report.changed > 0 ? 1 : 0
}
