/**
 * Rule and condition coverage of a policy's tests, read from the counters of the instrumented build
 * (`compile(..., { coverage: true })`), then shown as a table, JSON, or lcov pointing at YAML lines
 * so existing coverage viewers show it.
 */
import { position } from '../../compiler/format.js'

/** What the instrumented module exports beside `evaluate`. */
export interface InstrumentedModule {
  coverage: { points: { start: number; end: number }[]; hits: number[]; rules: number[] }
  resetCoverage(): void
}

export interface ConditionCoverage {
  line: number
  column: number
  /** the condition's text in the policy */
  text: string
  whenTrue: number
  whenFalse: number
}

export interface RuleCoverage {
  id: string
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

/** `rules`: the compiled policy's rules in index order, each with the span of its id. */
export function emptyCoverage(policy: string, path: string, source: string, rules: readonly { id: string; span: { start: number }; limit?: unknown }[]): PolicyCoverage & { source: string; byKey: Map<string, ConditionCoverage> } {
  return { policy, path, rules: rules.map(r => ({ id: r.id, line: position(source, r.span.start).line, matched: 0, ...(r.limit !== undefined ? { exceeded: 0 } : {}) })), conditions: [], percent: 0, source, byKey: new Map() }
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

export function addCoverage(cov: ReturnType<typeof emptyCoverage>, mod: Partial<InstrumentedModule>): void {
  const c = mod.coverage
  if (!c) return
  c.rules.forEach((n, i) => { if (cov.rules[i]) cov.rules[i]!.matched += n })
  c.points.forEach((p, i) => {
    const key = `${p.start}:${p.end}`
    let entry = cov.byKey.get(key)
    if (!entry) {
      const pos = position(cov.source, p.start)
      entry = { line: pos.line, column: pos.column + 1, text: cov.source.slice(p.start, p.end).replace(/\s+/g, ' ').trim(), whenTrue: 0, whenFalse: 0 }
      cov.byKey.set(key, entry)
      cov.conditions.push(entry)
    }
    entry.whenTrue += c.hits[i * 2] ?? 0
    entry.whenFalse += c.hits[i * 2 + 1] ?? 0
  })
  cov.conditions.sort((a, b) => a.line - b.line || a.column - b.column)
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
  for (const r of cov.rules) out.push(`  ${ruleCovered(r) ? '✓' : '✗'} rule ${r.id} (line ${r.line}): matched ${r.matched}${r.exceeded !== undefined ? `, limit reached ${r.exceeded}` : ''}`)
  for (const c of cov.conditions) {
    const ok = c.whenTrue > 0 && c.whenFalse > 0
    out.push(`  ${ok ? '✓' : '✗'} ${cov.policy}:${c.line}:${c.column} \`${clip(c.text, 60)}\`: true ${c.whenTrue}, false ${c.whenFalse}`)
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
    out.push('TN:', `SF:${cov.path}`)
    for (const r of cov.rules) out.push(`FN:${r.line},${r.id}`)
    for (const r of cov.rules) out.push(`FNDA:${ruleCovered(r) ? r.matched : 0},${r.id}`)
    out.push(`FNF:${cov.rules.length}`, `FNH:${cov.rules.filter(ruleCovered).length}`)
    cov.conditions.forEach((c, i) => {
      out.push(`BRDA:${c.line},${i},0,${c.whenTrue}`, `BRDA:${c.line},${i},1,${c.whenFalse}`)
    })
    out.push(`BRF:${cov.conditions.length * 2}`, `BRH:${cov.conditions.reduce((s, c) => s + (c.whenTrue > 0 ? 1 : 0) + (c.whenFalse > 0 ? 1 : 0), 0)}`)
    const lines = new Map<number, number>()
    for (const r of cov.rules) lines.set(r.line, (lines.get(r.line) ?? 0) + r.matched)
    for (const c of cov.conditions) lines.set(c.line, (lines.get(c.line) ?? 0) + c.whenTrue + c.whenFalse)
    for (const [l, n] of [...lines].sort((a, b) => a[0] - b[0])) out.push(`DA:${l},${n}`)
    out.push(`LF:${lines.size}`, `LH:${[...lines.values()].filter(n => n > 0).length}`, 'end_of_record')
  }
  return `${out.join('\n')}\n`
}
