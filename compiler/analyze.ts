/**
 * parse → lower → check: YAML text to a checked IR plus every diagnostic, in source order.
 * Never throws: an internal failure becomes an `internal-error` diagnostic that says it is a bug.
 */
import { check } from './check/index.js'
import type { Diagnostic } from './diagnostic.js'
import type { Policy } from './ir.js'
import { lower } from './lower/index.js'
import type { EnvValues } from './lower/expr.js'
import { parse } from './parse/index.js'

export interface AnalyzeOptions {
  filename: string
  env?: EnvValues
}

export interface Analysis {
  /** The checked policy; null iff there is an error diagnostic. */
  policy: Policy | null
  diagnostics: Diagnostic[]
}

export function analyze(source: string, options: AnalyzeOptions): Analysis {
  const diagnostics: Diagnostic[] = []
  let policy: Policy | null = null
  try {
    const parsed = parse(source)
    diagnostics.push(...parsed.diagnostics)
    // a text refused before it was read (too deep) has no tree: an "empty policy" would be noise
    const refused = parsed.root === null && parsed.diagnostics.some(d => d.severity === 'error')
    const lowered = refused ? { policy: null, diagnostics: [] } : lower(parsed.root, source, options)
    diagnostics.push(...lowered.diagnostics)
    policy = lowered.policy
    if (policy) check(policy, source, diagnostics)
  } catch (e) {
    diagnostics.push({
      code: 'internal-error',
      severity: 'error',
      message: `internal compiler error: ${e instanceof Error ? e.message : String(e)}`,
      span: { start: 0, end: Math.min(1, source.length) },
      help: 'this is a bug in vetoc, not in your policy; please report it with the policy file',
    })
    policy = null
  }
  diagnostics.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end)
  const failed = diagnostics.some(d => d.severity === 'error')
  return { policy: failed ? null : policy, diagnostics }
}
