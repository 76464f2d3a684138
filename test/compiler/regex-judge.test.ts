/**
 * The diagnostics of the regex checker, word for word (compiler/check/regex.ts): the flag and syntax
 * checks (`validRegex`, before any analysis) and what each of recheck's verdicts turns into
 * (`judge`). Verdicts recheck rarely gives on a small pattern (a timeout, an invalid pattern that
 * regexpp let through) are handed to `judge` directly.
 */
import type { Diagnostics } from 'recheck'
import { describe, expect, it } from 'vitest'
import { analyze } from '../../compiler/analyze.js'
import { judge, validRegex } from '../../compiler/check/regex.js'
import type { Diagnostic } from '../../compiler/diagnostic.js'
import type { RegexLit } from '../../compiler/ir.js'

const span = { start: 3, end: 9 }
const rx = (source: string, flags = ''): RegexLit => ({ kind: 'regex', source, flags, span })

function judged(source: string, v: Diagnostics, inputLimit: number | null = 4096): Diagnostic[] {
  const out: Diagnostic[] = []
  judge(rx(source), v, out, inputLimit)
  return out
}

const unanalysed = (source: string, why: string): Diagnostic => ({
  code: 'regex-unanalysed',
  severity: 'error',
  message: `regex \`${source}\` could not be checked for catastrophic backtracking: ${why}`,
  span,
  help: 'a regex that was not shown safe is refused; simplify it (fewer nested or adjacent quantifiers, no backreferences or lookarounds), or split it into several conditions',
})

const unknown = (error: Record<string, unknown>): Diagnostics => ({ source: 'a|b', flags: '', status: 'unknown', checker: 'automaton', error } as unknown as Diagnostics)

describe('a verdict that is not a judgement says why', () => {
  it('a pattern recheck calls invalid is a syntax error, with recheck\'s reason', () => {
    expect(judged('a|b', unknown({ kind: 'invalid', message: 'unexpected end' }))).toEqual([{ code: 'regex-syntax', severity: 'error', message: 'invalid regex: unexpected end', span }])
  })

  const cases: [string, Record<string, unknown>, string][] = [
    ['a timeout names the budget in seconds', { kind: 'timeout' }, 'the analysis did not finish within 10 s'],
    ['a cancelled analysis', { kind: 'cancel' }, 'the analysis was cancelled'],
    ['an unsupported pattern, with the analyser\'s reason', { kind: 'unsupported', message: 'lookbehind' }, 'the analyser does not support it (lookbehind)'],
    ['an unsupported pattern with an empty reason (no empty parentheses)', { kind: 'unsupported', message: '' }, 'the analyser does not support it'],
    ['an unsupported pattern without a reason', { kind: 'unsupported' }, 'the analyser does not support it'],
    ['an analyser failure, with its reason', { kind: 'unexpected', message: 'internal' }, 'the analyser failed (internal)'],
    ['an analyser failure without a reason', { kind: 'unexpected' }, 'the analyser failed'],
  ]
  for (const [what, error, why] of cases) {
    it(what, () => {
      const r = rx('a|b')
      const out: Diagnostic[] = []
      judge(r, unknown(error), out, 4096)
      expect(out).toEqual([unanalysed('a|b', why)])
      expect(r.inputLimit).toBeUndefined()
    })
  }
})

describe('the rewrite hint points at the first non-empty hotspot', () => {
  const vulnerable = (hotspot: { start: number; end: number }[]): Diagnostics =>
    ({ source: 'x(a+)+y', flags: '', status: 'vulnerable', checker: 'automaton', complexity: { type: 'exponential', summary: '2^n', isFuzz: false }, attack: { pattern: "'a'.repeat(9)", string: 'aaaaaaaaa', base: 9, suffix: '', pumps: [] }, hotspot: hotspot.map(h => ({ ...h, temperature: 'heat' })) } as unknown as Diagnostics)

  it('an empty hotspot is passed over', () => {
    const [d] = judged('x(a+)+y', vulnerable([{ start: 1, end: 1 }, { start: 2, end: 4 }]))
    expect(d).toEqual({
      code: 'regex-super-linear',
      severity: 'error',
      message: "regex `x(a+)+y` can backtrack catastrophically: exponential time on inputs like `'a'.repeat(9)`",
      span,
      help: 'rewrite so no input can be matched in more than one way (around `a+`), e.g. make alternatives disjoint and avoid nested quantifiers',
    })
  })

  it('without a hotspot the hint names no place', () => {
    expect(judged('x(a+)+y', vulnerable([]))[0]!.help).toBe('rewrite so no input can be matched in more than one way, e.g. make alternatives disjoint and avoid nested quantifiers')
    expect(judged('x(a+)+y', vulnerable([{ start: 0, end: 0 }]))[0]!.help).toBe('rewrite so no input can be matched in more than one way, e.g. make alternatives disjoint and avoid nested quantifiers')
  })
})

describe('flags and syntax are checked before any analysis', () => {
  for (const f of ['g', 'y']) {
    it(`flag \`${f}\` is refused: it makes the regex stateful between calls`, () => {
      const out: Diagnostic[] = []
      expect(validRegex(rx('(a+)+$', `i${f}`), out)).toBe(false)
      expect(out).toEqual([{ code: 'regex-flag', severity: 'error', message: `regex flag \`${f}\` is not allowed`, span, help: `\`${f}\` makes a regex stateful between calls; a condition only needs to know whether it matches` }])
    })
  }

  it('a refused flag is the only diagnostic of its regex: an exponential pattern is not analysed as well', () => {
    const src = `tools:\n  t:\n    parameters: { type: object, properties: { s: { type: string } }, required: [s] }\nrules:\n  - id: r\n    tool: t\n    action: deny\n    when: "/(a+)+$/g.test(args.s)"\n`
    const { diagnostics } = analyze(src, { filename: 'p.policy.yaml' })
    expect(diagnostics.map(d => [d.code, src.slice(d.span.start, d.span.end)])).toEqual([['regex-flag', '/(a+)+$/g']])
  })

  it('regexpp\'s message loses its "Invalid regular expression" prefix and starts in lower case', () => {
    const out: Diagnostic[] = []
    expect(validRegex(rx('a', 'ii'), out)).toBe(false)
    expect(out).toEqual([{ code: 'regex-syntax', severity: 'error', message: "invalid regex: duplicated flag 'i'", span }])
  })

  it('a pattern error names the pattern', () => {
    const out: Diagnostic[] = []
    expect(validRegex(rx('(a'), out)).toBe(false)
    expect(out).toEqual([{ code: 'regex-syntax', severity: 'error', message: 'invalid regex: /(a/: Unterminated group', span }])
  })

  it('a valid pattern says nothing, and `out` may be left out', () => {
    const out: Diagnostic[] = []
    expect(validRegex(rx('^a+$', 'iu'), out)).toBe(true)
    expect(out).toEqual([])
    expect(validRegex(rx('a', 'g'))).toBe(false)
  })
})
