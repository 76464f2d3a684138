/** The shared corpus: `test/corpus/<case>/cases.json`, read strictly (unknown keys are errors). */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface CorpusCall {
  description: string
  tool: string
  args?: unknown
  /** arguments given as JSON text, for keys such as `__proto__` that an object literal cannot carry */
  argsJson?: string
  context?: unknown
  decision: 'allow' | 'review' | 'deny'
  rule?: string
  reason?: string
  warnings?: string[]
  /** the clock, as an ISO time (for `outside_hours`) */
  now?: string
  /** the limits handed to the guard, as [rule, max, key] */
  limits?: [string, number, string][]
}

export interface CorpusCase {
  name: string
  policyPath: string
  compiles: boolean
  calls: CorpusCall[]
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpus')
const CASE_KEYS = new Set(['policy', 'compiles', 'calls'])
const CALL_KEYS = new Set(['description', 'tool', 'args', 'argsJson', 'context', 'decision', 'rule', 'reason', 'warnings', 'now', 'limits'])

export function loadCorpus(): CorpusCase[] {
  return readdirSync(ROOT).sort().map(name => {
    const file = join(ROOT, name, 'cases.json')
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    for (const k of Object.keys(raw)) if (!CASE_KEYS.has(k)) throw new Error(`${file}: unknown key ${k}`)
    const calls = raw['calls'] as Record<string, unknown>[]
    for (const c of calls) for (const k of Object.keys(c)) if (!CALL_KEYS.has(k)) throw new Error(`${file}: unknown key ${k} in call ${String(c['description'])}`)
    return { name, policyPath: resolve(dirname(file), raw['policy'] as string), compiles: raw['compiles'] as boolean, calls: calls as unknown as CorpusCall[] }
  })
}

export function argsOf(call: CorpusCall): unknown {
  return call.argsJson !== undefined ? JSON.parse(call.argsJson) : call.args
}

/** The fields a corpus call pins down, taken from a Decision. */
export function nowOf(call: CorpusCall): number | undefined {
  return call.now === undefined ? undefined : Date.parse(call.now)
}

export function observed(d: { decision: string; rule?: string; reason?: string; warnings?: string[]; limits?: { rule: string; max: number; key: string }[] }, call: CorpusCall): Partial<CorpusCall> {
  const out: Partial<CorpusCall> = { decision: d.decision as CorpusCall['decision'] }
  if (call.limits !== undefined) out.limits = (d.limits ?? []).map(l => [l.rule, l.max, l.key])
  if (call.rule !== undefined || d.rule !== undefined) out.rule = d.rule
  if (call.reason !== undefined) out.reason = d.reason
  if (call.warnings !== undefined || d.warnings !== undefined) out.warnings = d.warnings
  return out
}

export function expected(call: CorpusCall): Partial<CorpusCall> {
  const out: Partial<CorpusCall> = { decision: call.decision }
  if (call.rule !== undefined) out.rule = call.rule
  else out.rule = undefined
  if (call.reason !== undefined) out.reason = call.reason
  if (call.warnings !== undefined) out.warnings = call.warnings
  if (call.limits !== undefined) out.limits = call.limits
  return out
}
