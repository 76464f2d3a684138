/**
 * Regexes are parsed with regexpp (syntax) and judged with recheck (super-linear backtracking), never
 * with regex heuristics. recheck can take a second on some patterns, so its verdicts are cached.
 *
 * Verdicts: `safe` passes; exponential is an error; polynomial is accepted behind an input-length
 * bound (`regex_input_limit`) that the emitted code checks before running the regex; anything the
 * analyser could not judge (timeout, cancelled, unsupported) is an error: it never passes as safe.
 */
import { RegExpValidator } from '@eslint-community/regexpp'
import { checkSync, type Diagnostics as RecheckResult } from 'recheck'
import type { Diagnostic } from '../diagnostic.js'
import type { RegexLit } from '../ir.js'

const verdicts = new Map<string, RecheckResult>()

/** How long recheck may think about one pattern. */
const ANALYSIS_TIMEOUT_MS = 10_000

function analyse(source: string, flags: string): RecheckResult {
  const key = `${flags}/${source}`
  let v = verdicts.get(key)
  if (v === undefined) {
    v = checkSync(source, flags, { timeout: ANALYSIS_TIMEOUT_MS })
    // a verdict that depends on the machine's load (a timeout) is not remembered
    if (v.status === 'unknown' && (v.error.kind === 'timeout' || v.error.kind === 'cancel')) return v
    if (verdicts.size > 10_000) verdicts.clear()
    verdicts.set(key, v)
  }
  return v
}

/** The super-linear analysis verdict for a pattern (cached): `safe`, `vulnerable` or `unknown`. */
export function regexVerdict(source: string, flags: string): RecheckResult['status'] {
  return analyse(source, flags).status
}

/**
 * The longest input a regex of polynomial `degree` may run on, for a policy whose
 * `regex_input_limit` is `limit`: `limit` is the bound for degree 2, and a degree-d pattern gets
 * limit^(2/d), so its worst case costs about what a degree-2 pattern's does at `limit`.
 */
export function boundFor(limit: number, degree: number): number {
  // the epsilon keeps exact powers exact (4096^(2/3) is 255.99999... in floating point)
  return Math.max(1, Math.floor(limit ** (2 / Math.max(2, degree)) + 1e-9))
}

/**
 * Checks `rx`. `inputLimit` is the policy's `regex_input_limit` for a regex the emitted rules run
 * (a polynomial one then gets `rx.inputLimit` and a warning); `null` for a regex no bound can guard
 * (a tool schema's `pattern`, run inside the argument validator), where polynomial is an error.
 */
export function checkRegex(rx: RegexLit, out: Diagnostic[], inputLimit: number | null): void {
  const span = rx.span
  for (const f of rx.flags) {
    if (f === 'g' || f === 'y') {
      out.push({ code: 'regex-flag', severity: 'error', message: `regex flag \`${f}\` is not allowed`, span, help: `\`${f}\` makes a regex stateful between calls; a condition only needs to know whether it matches` })
      return
    }
  }
  const validator = new RegExpValidator({ ecmaVersion: 2025 })
  try {
    validator.validateFlags(rx.flags)
    validator.validatePattern(rx.source, 0, rx.source.length, { unicode: rx.flags.includes('u'), unicodeSets: rx.flags.includes('v') })
  } catch (e) {
    const message = String((e as Error).message).replace(/^Invalid regular expression: /, '')
    out.push({ code: 'regex-syntax', severity: 'error', message: `invalid regex: ${message.charAt(0).toLowerCase()}${message.slice(1)}`, span })
    return
  }
  judge(rx, analyse(rx.source, rx.flags), out, inputLimit)
}

/** Turns recheck's verdict on `rx` into diagnostics (and a bound on `rx`); exported for its tests. */
export function judge(rx: RegexLit, v: RecheckResult, out: Diagnostic[], inputLimit: number | null): void {
  const span = rx.span
  if (v.status === 'safe') return
  if (v.status === 'unknown') {
    if (v.error.kind === 'invalid') {
      out.push({ code: 'regex-syntax', severity: 'error', message: `invalid regex: ${v.error.message}`, span })
      return
    }
    const why = v.error.kind === 'timeout' ? `the analysis did not finish within ${ANALYSIS_TIMEOUT_MS / 1000} s` : v.error.kind === 'cancel' ? 'the analysis was cancelled' : `${v.error.kind === 'unsupported' ? 'the analyser does not support it' : 'the analyser failed'}${'message' in v.error && v.error.message ? ` (${v.error.message})` : ''}`
    out.push({
      code: 'regex-unanalysed',
      severity: 'error',
      message: `regex \`${rx.source}\` could not be checked for catastrophic backtracking: ${why}`,
      span,
      help: 'a regex that was not shown safe is refused; simplify it (fewer nested or adjacent quantifiers, no backreferences or lookarounds), or split it into several conditions',
    })
    return
  }
  const hot = v.hotspot.map(h => rx.source.slice(h.start, h.end)).filter(s => s !== '')
  const rewrite = `rewrite so no input can be matched in more than one way${hot.length > 0 ? ` (around \`${hot[0]}\`)` : ''}, e.g. make alternatives disjoint and avoid nested quantifiers`
  if (v.complexity.type === 'exponential' || inputLimit === null) {
    const kind = v.complexity.type === 'exponential' ? 'exponential' : `polynomial (degree ${v.complexity.degree})`
    out.push({
      code: 'regex-super-linear',
      severity: 'error',
      message: `regex \`${rx.source}\` can backtrack catastrophically: ${kind} time on inputs like \`${v.attack.pattern}\``,
      span,
      help: v.complexity.type === 'exponential' ? rewrite : `a tool schema's \`pattern\` runs inside the argument validator, where no input bound applies: ${rewrite}, or add \`maxLength\` and check the pattern in a rule`,
    })
    return
  }
  const degree = v.complexity.degree
  const bound = boundFor(inputLimit, degree)
  rx.inputLimit = bound
  out.push({
    code: 'regex-bounded',
    severity: 'warning',
    message: `regex \`${rx.source}\` takes polynomial time (degree ${degree}) on inputs like \`${v.attack.pattern}\`: it runs only on strings of up to ${bound} characters; a longer one goes to the fail mode`,
    span,
    help: `the bound comes from \`regex_input_limit: ${inputLimit}\` (the limit for degree 2; degree d gets limit^(2/d)); ${rewrite} to lift it`,
  })
}
