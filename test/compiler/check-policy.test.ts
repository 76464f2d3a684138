/**
 * Step three's policy-wide checks (compiler/check/index.ts): every regex is found wherever it sits
 * in an expression or a context counter's key, and is judged; a rule for every tool of a policy
 * that governs none, and invisible bidirectional text, are warned about. Each diagnostic is
 * asserted as the user sees it: code, underlined text, message, help.
 */
import { describe, expect, it } from 'vitest'
import { analyze } from '../../compiler/analyze.js'
import { expectDiagnostic } from '../support/diagnostics.js'

const typed = `tools:
  t:
    parameters: { type: object, properties: { s: { type: string }, xs: { type: array, items: { type: string } }, o: { type: object } }, required: [s, xs, o] }
`
const whenRule = (when: string): string => `${typed}rules:\n  - id: r\n    tool: t\n    action: deny\n    when: ${JSON.stringify(when)}\n`

/** The regex-super-linear diagnostic of an exponential `(c+)+$`, underlined where it is written. */
function expectExponential(src: string, c: string, underline: string): void {
  expectDiagnostic(src, {
    code: 'regex-super-linear',
    underline,
    message: `regex \`(${c}+)+$\` can backtrack catastrophically: exponential time on inputs like \`'${c}' + '${c}'.repeat(31) + '\\x00${c}'\``,
    help: `rewrite so no input can be matched in more than one way (around \`${c}\`), e.g. make alternatives disjoint and avoid nested quantifiers`,
  })
}

describe('a regex is judged wherever it sits', () => {
  // each place is one the search of the expression tree must descend into
  const places: [string, string, string][] = [
    ['in an array literal', '[/(a+)+$/.test(args.s)].includes(true)', 'a'],
    ['in a computed member key', "args.o[args.s.match(/(b+)+$/) ? 'k' : 'j'] == 1", 'b'],
    ['in a branch of a conditional', "args.s == 'q' ? /(c+)+$/.test(args.s) : false", 'c'],
    ['in the argument of a secret detector', 'containsSecret(args.s.match(/(d+)+$/))', 'd'],
    ['in the body of a quantifier', 'args.xs.some(x => /(e+)+$/.test(x))', 'e'],
  ]
  for (const [where, when, c] of places) {
    it(where, () => expectExponential(whenRule(when), c, `/(${c}+)+$/`))
  }

  it('in every condition of a rule\'s condition list', () => {
    const src = `${typed}rules:\n  - id: r\n    tool: t\n    action: deny\n    conditions:\n      - { field: arguments.s, operator: matches, value: "(f+)+$" }\n      - { field: arguments.s, operator: matches, value: "(g+)+$" }\n`
    expectExponential(src, 'f', '"(f+)+$"')
    expectExponential(src, 'g', '"(g+)+$"')
  })

  it('in every group of a rule\'s condition groups', () => {
    const src = `${typed}rules:\n  - id: r\n    tool: t\n    action: deny\n    condition_groups:\n      - [{ field: arguments.s, operator: matches, value: "(h+)+$" }]\n      - [{ field: arguments.s, operator: matches, value: "(i+)+$" }]\n`
    expectExponential(src, 'h', '"(h+)+$"')
    expectExponential(src, 'i', '"(i+)+$"')
  })

  it('in the key of a context counter', () => {
    const src = `${typed}context:\n  n: { count: { per: 1h, tool: t, key: "args.s.match(/(j+)+$/)" } }\nrules:\n  - id: r\n    tool: t\n    when: "context.n > 1"\n    action: deny\n`
    expectExponential(src, 'j', '/(j+)+$/')
  })

  it('a polynomial regex in a counter key is bounded by the policy\'s `regex_input_limit`', () => {
    const src = `regex_input_limit: 100\n${typed}context:\n  n: { count: { per: 1h, tool: t, key: "args.s.match(/k\\\\s+.*777/)" } }\nrules:\n  - id: r\n    tool: t\n    when: "context.n > 1"\n    action: deny\n`
    expectDiagnostic(src, { code: 'regex-bounded', underline: '/k\\\\s+.*777/', message: /runs only on strings of up to 100 characters/ })
  })
})

describe('policy warnings', () => {
  it('a rule for every tool, in a policy that governs no tool, never matches', () => {
    const src = 'rules:\n  - id: everything\n    when: "true"\n    action: deny\n'
    const d = expectDiagnostic(src, { code: 'never-matches', underline: 'everything', message: 'rule `everything` applies to every governed tool, but the policy governs none', help: 'name the tools under `tools:` or in the rule' })
    expect(d.severity).toBe('warning')
  })

  it('a rule for every tool is fine once the policy governs one', () => {
    const { diagnostics } = analyze(`${typed}rules:\n  - id: everything\n    when: "true"\n    action: deny\n`, { filename: 'p.policy.yaml' })
    expect(diagnostics.map(d => d.code)).not.toContain('never-matches')
  })

  it('each invisible bidirectional control is underlined and named by its code point, four upper-case hex digits', () => {
    const src = `name: "a\u202Eb"\ndescription: "x\u061Cy"\n${typed}rules: []\n`
    const { diagnostics } = analyze(src, { filename: 'p.policy.yaml' })
    const bidi = diagnostics.filter(d => d.code === 'bidi-text')
    expect(bidi.map(d => ({ ...d, underlined: src.slice(d.span.start, d.span.end) }))).toEqual([
      { code: 'bidi-text', severity: 'warning', message: 'invisible bidirectional control character U+202E', span: { start: src.indexOf('\u202E'), end: src.indexOf('\u202E') + 1 }, underlined: '\u202E', help: 'such characters can make the text read differently from what the compiler sees; remove it' },
      { code: 'bidi-text', severity: 'warning', message: 'invisible bidirectional control character U+061C', span: { start: src.indexOf('\u061C'), end: src.indexOf('\u061C') + 1 }, underlined: '\u061C', help: 'such characters can make the text read differently from what the compiler sees; remove it' },
    ])
  })
})
