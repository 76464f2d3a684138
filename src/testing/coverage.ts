/**
 * Rule and condition coverage of a policy's tests, read from the counters of the instrumented build
 * (`compile(..., { coverage: true })`), then shown as a table, JSON, or lcov pointing at YAML lines
 * so existing coverage viewers show it.
 */
import { locate } from '../../compiler/extends.js'
import { position } from '../../compiler/format.js'

/** What the instrumented module exports beside `evaluate`. */
export interface InstrumentedModule {
  coverage: { points: { start: number; end: number }[]; hits: number[]; rules: number[] }
  resetCoverage(): void
}

export interface ConditionCoverage {
  /** the extended file (`extends:`) the condition is written in, as shown; absent for the policy itself */
  file?: string
  line: number
  column: number
  /** the condition's text in the policy */
  text: string
  whenTrue: number
  whenFalse: number
}

export interface RuleCoverage {
  id: string
  /** the extended file (`extends:`) the rule is written in, as shown; absent for the policy itself */
  file?: string
  line: number
  /** how many calls the rule's condition held for */
  matched: number
  /** limit rules: how many calls its limit decided (a limit rule is covered once it did) */
  exceeded?: number
}

export interface PolicyCoverage {
  policy: string
  /** absolute path, for lcov's `SF:` */
  path: string
  rules: RuleCoverage[]
  conditions: ConditionCoverage[]
  /** covered outcomes / all outcomes (each rule matched; each condition true and false), in percent */
  percent: number
}

/** A file whose rules are covered: the policy itself (`base` 0) or a file it extends. */
export interface CoverageFile {
  /** as shown to the user */
  shown: string
  /** absolute, for lcov's `SF:` */
  path: string
  source: string
  /** where its spans start in the compiled policy's span space (`CompileResult.files`) */
  base: number
}

type Working = PolicyCoverage & { files: CoverageFile[]; byKey: Map<string, ConditionCoverage> }

/** `files[0]` is the policy itself; `rules`: the compiled policy's rules in index order, each with the span of its id. */
export function emptyCoverage(policy: string, files: readonly CoverageFile[], rules: readonly { id: string; span: { start: number }; limit?: unknown }[]): Working {
  const main = files[0]!
  const where = (at: { file: CoverageFile }): { file?: string } => (at.file === main ? {} : { file: at.file.shown })
  return {
    policy,
    path: main.path,
    rules: rules.map(r => {
      const at = locate(files, r.span.start)
      return { id: r.id, ...where(at), line: position(at.file.source, at.offset).line, matched: 0, ...(r.limit !== undefined ? { exceeded: 0 } : {}) }
    }),
    conditions: [],
    percent: 0,
    files: [...files],
    byKey: new Map(),
  }
}

function ruleCovered(r: RuleCoverage): boolean {
  return r.matched > 0 && (r.exceeded === undefined || r.exceeded > 0)
}

/** Recomputes `percent` after counts changed. */
export function finishCoverage(cov: PolicyCoverage): void {
  const total = cov.rules.length + cov.conditions.length * 2
  const covered = cov.rules.filter(ruleCovered).length + cov.conditions.reduce((s, x) => s + (x.whenTrue > 0 ? 1 : 0) + (x.whenFalse > 0 ? 1 : 0), 0)
  cov.percent = total === 0 ? 100 : Math.floor((covered / total) * 1000) / 10
}

export function addCoverage(cov: Working, mod: Partial<InstrumentedModule>): void {
  const c = mod.coverage
  if (!c) return
  c.rules.forEach((n, i) => { if (cov.rules[i]) cov.rules[i]!.matched += n })
  c.points.forEach((p, i) => {
    const key = `${p.start}:${p.end}`
    let entry = cov.byKey.get(key)
    if (!entry) {
      const at = locate(cov.files, p.start)
      const pos = position(at.file.source, at.offset)
      const text = at.file.source.slice(at.offset, at.offset + p.end - p.start).replace(/\s+/g, ' ').trim()
      entry = { ...(at.file === cov.files[0] ? {} : { file: at.file.shown }), line: pos.line, column: pos.column + 1, text, whenTrue: 0, whenFalse: 0 }
      cov.byKey.set(key, entry)
      cov.conditions.push(entry)
    }
    entry.whenTrue += c.hits[i * 2] ?? 0
    entry.whenFalse += c.hits[i * 2 + 1] ?? 0
  })
  cov.conditions.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.line - b.line || a.column - b.column)
}

/** The JSON written by `--coverage`: no source text beyond each condition's own. */
export function coverageJson(cov: PolicyCoverage): object {
  return { policy: cov.policy, percent: cov.percent, rules: cov.rules, conditions: cov.conditions }
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`
}

export function coverageTable(cov: PolicyCoverage): string {
  const out = [`coverage of ${cov.policy}: ${cov.percent}%`]
  for (const r of cov.rules) out.push(`  ${ruleCovered(r) ? '✓' : '✗'} rule ${r.id} (${r.file !== undefined ? `${r.file}:${r.line}` : `line ${r.line}`}): matched ${r.matched}${r.exceeded !== undefined ? `, limit reached ${r.exceeded}` : ''}`)
  for (const c of cov.conditions) {
    const ok = c.whenTrue > 0 && c.whenFalse > 0
    out.push(`  ${ok ? '✓' : '✗'} ${c.file ?? cov.policy}:${c.line}:${c.column} \`${clip(c.text, 60)}\`: true ${c.whenTrue}, false ${c.whenFalse}`)
  }
  return out.join('\n')
}

/**
 * lcov: each rule a function (`FN`/`FNDA` at its line), each condition a branch pair (true, false)
 * at its line, and each of those lines a line hit with how often it was evaluated.
 */
export function coverageLcov(covs: readonly PolicyCoverage[]): string {
  const out: string[] = []
  for (const cov of covs) {
    // one record per source file: a policy's own rules, then each extended file's
    const paths = new Map<string | undefined, string>([[undefined, cov.path]])
    for (const f of (cov as Partial<Working>).files?.slice(1) ?? []) paths.set(f.shown, f.path)
    for (const [shown, path] of paths) {
      const rules = cov.rules.filter(r => r.file === shown)
      const conditions = cov.conditions.filter(c => c.file === shown)
      if (shown !== undefined && rules.length === 0 && conditions.length === 0) continue
      out.push('TN:', `SF:${path}`)
      for (const r of rules) out.push(`FN:${r.line},${r.id}`)
      for (const r of rules) out.push(`FNDA:${ruleCovered(r) ? r.matched : 0},${r.id}`)
      out.push(`FNF:${rules.length}`, `FNH:${rules.filter(ruleCovered).length}`)
      conditions.forEach((c, i) => {
        out.push(`BRDA:${c.line},${i},0,${c.whenTrue}`, `BRDA:${c.line},${i},1,${c.whenFalse}`)
      })
      out.push(`BRF:${conditions.length * 2}`, `BRH:${conditions.reduce((s, c) => s + (c.whenTrue > 0 ? 1 : 0) + (c.whenFalse > 0 ? 1 : 0), 0)}`)
      const lines = new Map<number, number>()
      for (const r of rules) lines.set(r.line, (lines.get(r.line) ?? 0) + r.matched)
      for (const c of conditions) lines.set(c.line, (lines.get(c.line) ?? 0) + c.whenTrue + c.whenFalse)
      for (const [l, n] of [...lines].sort((a, b) => a[0] - b[0])) out.push(`DA:${l},${n}`)
      out.push(`LF:${lines.size}`, `LH:${[...lines.values()].filter(n => n > 0).length}`, 'end_of_record')
    }
  }
  return `${out.join('\n')}\n`
}
