/**
 * Regexes are parsed with regexpp (syntax) and judged with recheck (super-linear backtracking), never
 * with regex heuristics. recheck can take a second on some patterns, so its verdicts are cached.
 *
 * Verdicts: `safe` passes; exponential is an error; polynomial is accepted behind an input-length
 * bound (`regex_input_limit`) that the emitted code checks before running the regex; anything the
 * analyser could not judge (timeout, cancelled, unsupported) is an error: it never passes as safe.
 */
import { RegExpValidator } from '@eslint-community/regexpp'
import type { Diagnostics as RecheckResult } from 'recheck'
import { cacheFill, cacheGet, cacheKey, cacheSet, type CompileCache } from '../cache.js'
import type { Diagnostic } from '../diagnostic.js'
import type { RegexLit } from '../ir.js'
import { analyseMany, RECHECK_VERSION, type Pattern } from './recheck.js'

/** Verdicts of this process, by `flags/source`. */
const verdicts = new Map<string, RecheckResult>()

/** How long recheck may think about one pattern. */
const ANALYSIS_TIMEOUT_MS = 10_000

const memoryKey = (p: Pattern): string => `${p.flags}/${p.source}`
const diskKey = (p: Pattern): string => cacheKey('regex', [RECHECK_VERSION, String(ANALYSIS_TIMEOUT_MS), p.flags, p.source])

/** A verdict that depends on the machine's load (a timeout) is not remembered, here or in a cache. */
const settled = (v: RecheckResult): boolean => !(v.status === 'unknown' && (v.error.kind === 'timeout' || v.error.kind === 'cancel'))

function remember(p: Pattern, v: RecheckResult): void {
  if (verdicts.size > 10_000) verdicts.clear()
  verdicts.set(memoryKey(p), v)
}

/**
 * Makes sure every pattern has a verdict: from this process's memory, then the caller's cache,
 * and the rest analysed in one batch (compiler/check/recheck.ts). Returns the verdicts in order.
 */
export function analysePatterns(patterns: readonly Pattern[], cache?: CompileCache): RecheckResult[] {
  const out: (RecheckResult | undefined)[] = patterns.map(p => verdicts.get(memoryKey(p)))
  const todo: number[] = []
  const seen = new Map<string, number>()
  for (const [i, p] of patterns.entries()) {
    if (out[i] !== undefined) {
      const v = out[i]!
      if (cache !== undefined) cacheFill(cache, diskKey(p), () => JSON.stringify(v))
      continue
    }
    const cached = cacheGet(cache, diskKey(p))
    if (cached !== undefined) {
      const v = parseVerdict(cached, p)
      if (v !== undefined) {
        remember(p, v)
        out[i] = v
        continue
      }
    }
    // one analysis per distinct pattern of the batch
    if (!seen.has(memoryKey(p))) {
      seen.set(memoryKey(p), todo.length)
      todo.push(i)
    }
  }
  const fresh = analyseMany(todo.map(i => patterns[i]!), ANALYSIS_TIMEOUT_MS)
  for (const [n, i] of todo.entries()) {
    const p = patterns[i]!
    const v = fresh[n]!
    if (settled(v)) {
      remember(p, v)
      cacheSet(cache, diskKey(p), JSON.stringify(v))
    }
  }
  return patterns.map((p, i) => out[i] ?? fresh[seen.get(memoryKey(p))!]!)
}

/** A cached verdict, if it is one and is about this pattern (anything else is a miss). */
function parseVerdict(text: string, p: Pattern): RecheckResult | undefined {
  try {
    const v = JSON.parse(text) as RecheckResult
    if (v === null || typeof v !== 'object' || v.source !== p.source || v.flags !== p.flags) return undefined
    if (v.status === 'safe') return v
    if (v.status === 'vulnerable' && typeof v.complexity === 'object' && v.complexity !== null && Array.isArray(v.hotspot) && typeof v.attack === 'object' && v.attack !== null) return v
    if (v.status === 'unknown' && typeof v.error === 'object' && v.error !== null && settled(v)) return v
    return undefined
  } catch {
    return undefined
  }
}

function analyse(source: string, flags: string): RecheckResult {
  return analysePatterns([{ source, flags }])[0]!
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
  if (!validRegex(rx, out)) return
  judge(rx, analyse(rx.source, rx.flags), out, inputLimit)
}

/** Flags and syntax (regexpp); a problem is pushed to `out` (when given) and the regex is not analysed. */
export function validRegex(rx: RegexLit, out?: Diagnostic[]): boolean {
  const span = rx.span
  for (const f of rx.flags) {
    if (f === 'g' || f === 'y') {
      out?.push({ code: 'regex-flag', severity: 'error', message: `regex flag \`${f}\` is not allowed`, span, help: `\`${f}\` makes a regex stateful between calls; a condition only needs to know whether it matches` })
      return false
    }
  }
  const validator = new RegExpValidator({ ecmaVersion: 2025 })
  try {
    validator.validateFlags(rx.flags)
    validator.validatePattern(rx.source, 0, rx.source.length, { unicode: rx.flags.includes('u'), unicodeSets: rx.flags.includes('v') })
  } catch (e) {
    const message = String((e as Error).message).replace(/^Invalid regular expression: /, '')
    out?.push({ code: 'regex-syntax', severity: 'error', message: `invalid regex: ${message.charAt(0).toLowerCase()}${message.slice(1)}`, span })
    return false
  }
  return true
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
