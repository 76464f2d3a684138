import type { Span } from './ir.js'

/**
 * A diagnostic is data: collected, never thrown. Only internal bugs throw.
 * Messages follow these rules: lowercase, no final period, no line breaks, user input in backticks,
 * no implementation type names; the hint goes in `help`.
 */
export interface Diagnostic {
  /** Stable code: 'yaml-syntax', 'unknown-key', 'regex-super-linear', 'type-mismatch', ... */
  code: string
  severity: 'error' | 'warning'
  /** e.g. "unknown key `condtions` in rule `deny-prod`" */
  message: string
  /** Offsets into the YAML text; converted to line/column only at the edges. */
  span: Span
  /**
   * The file the span is in, when it is not the compiled file itself: a file the policy extends
   * (its path as joined onto the extending file's directory).
   */
  file?: string
  /** e.g. "did you mean `conditions`?" */
  help?: string
}
