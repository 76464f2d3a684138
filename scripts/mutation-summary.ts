/**
 * `npm run mutate:summary`: the mutation score of each scope, from the results `npm run mutate`
 * recorded in reports/stryker-incremental.json (compiler/) and reports/stryker-incremental-runtime.json
 * (the runtime's limits, records and guard), against the mutants Stryker's instrumenter makes of the
 * files as they are now. This is the table in the README's development section.
 *
 * Score = (killed + timed out) / (killed + timed out + survived + no coverage). Ignored mutants are
 * not counted: static code, and `// Stryker disable` lines with a reason. A mutant of the current
 * code with no recorded result is "not yet run": the file was never run, the run stopped before it,
 * or the code changed since. The next `npm run mutate` tests those.
 */
import { Instrumenter } from '@stryker-mutator/instrumenter'
import { existsSync, readFileSync } from 'node:fs'
import { glob } from 'tinyglobby'

interface Mutant { status?: string; mutatorName: string; replacement: string; location: { start: { line: number; column: number }; end: { line: number; column: number } } }
interface Incremental { files: Record<string, { source: string; mutants: Mutant[] }> }

/** The recorded results: one file per run of `npm run mutate:compiler` and `npm run mutate:runtime` (package.json). */
// `--by-file`: one row per file as well (where the survivors and the mutants not yet run are)
const byFile = process.argv.includes('--by-file')
const args = process.argv.slice(2).filter(a => a !== '--by-file')
const FILES = args.length > 0 ? args : ['reports/stryker-incremental.json', 'reports/stryker-incremental-runtime.json']
const recorded: Incremental['files'] = {}
for (const file of FILES) {
  if (existsSync(file)) Object.assign(recorded, (JSON.parse(readFileSync(file, 'utf8')) as Incremental).files)
}

const SCOPES: [string, (f: string) => boolean][] = [
  ['`compiler/emit/`', f => f.startsWith('compiler/emit/')],
  ['`compiler/lower/`', f => f.startsWith('compiler/lower/')],
  ['`compiler/` (other folders)', f => f.startsWith('compiler/') && !f.startsWith('compiler/emit/') && !f.startsWith('compiler/lower/')],
  ['`src/limits/`', f => f.startsWith('src/limits/')],
  ['`src/records/`', f => f.startsWith('src/records/')],
  ['`src/guard.ts` and `src/approvals/review-step.ts`', f => f === 'src/guard.ts' || f === 'src/approvals/review-step.ts'],
]

/** The files `npm run mutate` mutates: the `mutate` patterns of stryker.config.mjs. */
async function mutated(): Promise<string[]> {
  const config = (await import(new URL('../stryker.config.mjs', import.meta.url).href)) as { default: { mutate: string[] } }
  return (await glob(config.default.mutate)).sort()
}

interface Row { killed: number; timeout: number; survived: number; noCoverage: number; ignored: number; pending: number; mutants: number }
const empty = (): Row => ({ killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, pending: 0, mutants: 0 })

const silent = { isDebugEnabled: () => false, isTraceEnabled: () => false, isInfoEnabled: () => false, isWarnEnabled: () => false, isErrorEnabled: () => false, isFatalEnabled: () => false, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} }
const instrumenter = new Instrumenter(silent as never)
/**
 * A mutant's identity that survives edits elsewhere in its file: its mutator, its replacement, the
 * text of the lines it spans and its columns there, and how many such mutants came before it. So a
 * result still counts when only other lines changed (as Stryker's own incremental diff reuses it);
 * a mutant on a changed line is "not yet run". `base`: the recorded locations are the report's
 * (1-based lines and columns), the instrumenter's are 0-based.
 */
function keysOf(mutants: readonly Mutant[], source: string, base: number): string[] {
  const lines = source.split('\n')
  const seen = new Map<string, number>()
  return mutants.map(m => {
    const { start, end } = m.location
    const text = lines.slice(start.line - base, end.line - base + 1).join('\n')
    const key = `${m.mutatorName} ${start.column - base}-${end.column - base} ${m.replacement} ${text}`
    const n = seen.get(key) ?? 0
    seen.set(key, n + 1)
    return `${key} #${n}`
  })
}

/** Each mutant of the file as it is now, with its recorded status (undefined: not yet run). */
async function statuses(path: string): Promise<(string | undefined)[]> {
  const source = readFileSync(path, 'utf8')
  const { mutants } = await instrumenter.instrument([{ name: path, content: source, mutate: true }], { plugins: null, excludedMutations: [], ignorers: [] } as never)
  const entry = recorded[path]
  const before = new Map<string, string>()
  if (entry !== undefined) {
    const keys = keysOf(entry.mutants, entry.source, 1)
    entry.mutants.forEach((m, i) => { if (m.status !== undefined) before.set(keys[i]!, m.status) })
  }
  const now = keysOf(mutants as readonly Mutant[], source, 0)
  return mutants.map((m, i) => (m.status === 'Ignored' ? 'Ignored' : before.get(now[i]!)))
}

function add(row: Row, list: readonly (string | undefined)[]): void {
  for (const status of list) {
    row.mutants++
    if (status === 'Killed') row.killed++
    else if (status === 'Timeout') row.timeout++
    else if (status === 'Survived') row.survived++
    else if (status === 'NoCoverage') row.noCoverage++
    else if (status === 'Ignored') row.ignored++
    else row.pending++
  }
}

const pct = (r: Row): string => {
  const counted = r.killed + r.timeout + r.survived + r.noCoverage
  return counted === 0 ? 'n/a' : `${((100 * (r.killed + r.timeout)) / counted).toFixed(1)}%`
}
const covered = (r: Row): string => {
  const counted = r.killed + r.timeout + r.survived
  return counted === 0 ? 'n/a' : `${((100 * (r.killed + r.timeout)) / counted).toFixed(1)}%`
}
const n = (x: number): string => x.toLocaleString('en-US')

const files = await mutated()
const total = empty()
const lines = ['| scope | mutants | killed | timed out | survived | no coverage | ignored | not yet run | score of those run | score of covered |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
const row = (name: string, r: Row): string => `| ${name} | ${n(r.mutants)} | ${n(r.killed)} | ${n(r.timeout)} | ${n(r.survived)} | ${n(r.noCoverage)} | ${n(r.ignored)} | ${n(r.pending)} | ${pct(r)} | ${covered(r)} |`
for (const [name, inScope] of SCOPES) {
  const r = empty()
  for (const f of files.filter(inScope)) {
    const list = await statuses(f)
    add(r, list)
    add(total, list)
    if (byFile) {
      const own = empty()
      add(own, list)
      lines.push(row(`\`${f}\``, own))
    }
  }
  lines.push(row(name, r))
}
lines.push(row('everything mutated', total))
console.log(lines.join('\n'))
