import { expect } from 'vitest'
import { analyze } from '../../compiler/analyze.js'
import type { Diagnostic } from '../../compiler/diagnostic.js'
import { position } from '../../compiler/format.js'

export interface Expected {
  code: string
  /** the exact text the diagnostic underlines */
  underline?: string
  help?: string | RegExp
  message?: string | RegExp
  line?: number
  column?: number
}

/** Asserts that `src` yields a diagnostic with this code, underline, help and position. */
export function expectDiagnostic(src: string, want: Expected, filename = 'p.policy.yaml'): Diagnostic {
  const { diagnostics } = analyze(src, { filename })
  const found = diagnostics.filter(d => d.code === want.code && (want.underline === undefined || src.slice(d.span.start, d.span.end) === want.underline))
  expect(found, `no \`${want.code}\` diagnostic underlining ${JSON.stringify(want.underline)}; got ${JSON.stringify(diagnostics.map(d => [d.code, src.slice(d.span.start, d.span.end), d.message]))}`).toHaveLength(1)
  const d = found[0]!
  if (want.help !== undefined) expect(d.help).toMatch(want.help)
  if (want.message !== undefined) expect(d.message).toMatch(want.message)
  const p = position(src, d.span.start)
  if (want.line !== undefined) expect(p.line).toBe(want.line)
  if (want.column !== undefined) expect(p.column + 1).toBe(want.column)
  return d
}

/** One line per diagnostic: `severity code «underlined» message | help`. */
export function report(src: string): string[] {
  return analyze(src, { filename: 'p.policy.yaml' }).diagnostics.map(d => `${d.severity} ${d.code} «${src.slice(d.span.start, d.span.end)}» ${d.message}${d.help !== undefined ? ` | ${d.help}` : ''}`)
}
