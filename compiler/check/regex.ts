/**
 * Regexes are parsed with regexpp (syntax) and judged with recheck (super-linear backtracking), never
 * with regex heuristics. recheck can take a second on some patterns, so its verdicts are cached.
 */
import { RegExpValidator } from '@eslint-community/regexpp'
import { checkSync, type Diagnostics as RecheckResult } from 'recheck'
import type { Diagnostic } from '../diagnostic.js'
import type { RegexLit } from '../ir.js'

const verdicts = new Map<string, RecheckResult>()

function analyse(source: string, flags: string): RecheckResult {
  const key = `${flags}/${source}`
  let v = verdicts.get(key)
  if (v === undefined) {
    v = checkSync(source, flags, { timeout: 10_000 })
    if (verdicts.size > 10_000) verdicts.clear()
    verdicts.set(key, v)
  }
  return v
}

/** The super-linear analysis verdict for a pattern (cached): `safe`, `vulnerable` or `unknown`. */
export function regexVerdict(source: string, flags: string): RecheckResult['status'] {
  return analyse(source, flags).status
}

export function checkRegex(rx: RegexLit, out: Diagnostic[]): void {
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
  const v = analyse(rx.source, rx.flags)
  if (v.status === 'vulnerable') {
    const kind = v.complexity.type === 'exponential' ? 'exponential' : `polynomial (degree ${v.complexity.degree})`
    const hot = v.hotspot.map(h => rx.source.slice(h.start, h.end)).filter(s => s !== '')
    out.push({
      code: 'regex-super-linear',
      severity: 'error',
      message: `regex \`${rx.source}\` can backtrack catastrophically: ${kind} time on inputs like \`${v.attack.pattern}\``,
      span,
      help: `rewrite so no input can be matched in more than one way${hot.length > 0 ? ` (around \`${hot[0]}\`)` : ''}, e.g. make alternatives disjoint and avoid nested quantifiers`,
    })
  } else if (v.status === 'unknown' && v.error.kind !== 'timeout' && v.error.kind !== 'cancel') {
    if (v.error.kind === 'invalid') out.push({ code: 'regex-syntax', severity: 'error', message: `invalid regex: ${v.error.message}`, span })
  }
}
