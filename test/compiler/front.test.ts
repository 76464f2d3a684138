import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { analyze } from '../../compiler/analyze.js'
import { formatDiagnostics } from '../../compiler/format.js'
import { stripSpans } from '../../compiler/ir-util.js'
import { expectDiagnostic } from '../support/diagnostics.js'

const SCHEMA = `tools:
  send_sms:
    parameters:
      type: object
      properties: { to: { type: string }, body: { type: string }, count: { type: number }, note: { type: string } }
      required: [to, body]
`

describe('shipped policies', () => {
  for (const f of ['policies/groq-tools.policy.yaml', 'policies/groq-tools-context.policy.yaml', 'policies/gemini-safety.policy.yaml']) {
    it(`${f} analyzes with no errors and no warnings`, () => {
      const { policy, diagnostics } = analyze(readFileSync(f, 'utf8'), { filename: f })
      expect(diagnostics).toEqual([])
      expect(policy).not.toBeNull()
    })
  }
  it('lowers the gemini conditions dialect (aliases, not_ operators, implicit every-tool rule)', () => {
    const { policy } = analyze(readFileSync('policies/gemini-safety.policy.yaml', 'utf8'), { filename: 'policies/gemini-safety.policy.yaml' })
    const rules = stripSpans(policy!.rules)
    expect(rules.map(r => [r.id, r.action, r.tools])).toEqual([
      ['email-approved-domain-only', 'deny', ['send_email']],
      ['require-approval-deletes', 'review', ['delete_file']],
      ['hourly-call-cap', 'deny', '*'],
    ])
    expect(rules[0]!.condition).toEqual({ kind: 'op', op: 'matches', negate: true, subject: { kind: 'member', key: 'to', optional: true, object: { kind: 'root', name: 'args' } }, value: { kind: 'regex', source: '@approved\\.example\\.com$', flags: '' } })
    expect(policy!.name).toBe('gemini-safety')
  })
})

describe('one policy with one of each error reports them all, each at its place', () => {
  const src = `version: "1.0"
${SCHEMA}rules:
  - id: r1
    tool: send_sms
    condtions: []
    action: deny
  - id: r2
    tool: send_sms
    action: denny
  - id: r1
    tool: send_sms
    action: deny
  - id: r4
    tool: send_sms
    when: "args.to = 'x'"
    action: deny
  - id: r5
    tool: send_sms
    when: "args.too == 'x'"
    action: deny
  - id: r6
    tool: send_sms
    when: "args.to == 5"
    action: deny
  - id: r7
    tool: send_sms
    when: "args.note.startsWith('x')"
    action: deny
  - id: r8
    tool: send_sms
    conditions: [ { field: arguments.count, operator: matches, value: '^\\d+$' } ]
    action: deny
  - id: r9
    tool: send_sms
    when: "/(x+x+)+y/.test(args.to)"
    action: deny
  - id: r10
    tool: send_sms
    conditions: [ { field: arguments.to, operator: matchez, value: x } ]
    action: deny
  - id: r11
    tool: send_sms
    when: "/(?<a>x)(?<a>y)/.test(args.to)"
    action: deny
  - id: r12
    tool: send_sms
    when: "new Date()"
    action: deny
  - id: r13
    tool: send_sms
    conditions: [ { field: arguments.to, operator: matches, value: "@approved\\.example.com$" } ]
    action: deny
  - id: r14
    tool: send_sms
    when: "args.to.match(/x/) &&"
    action: deny
  - id: r15
    tool: send_sms
    when: "args.to = 1"
    severity: extreme
    action: deny
  - id: r16
    tool: send_sms
    when: false
    action: deny
`
  const cases = [
    { code: 'unknown-key', underline: 'condtions', help: 'did you mean `conditions`?', line: 11, column: 5 },
    { code: 'invalid-value', underline: 'denny', help: 'did you mean `deny`?', line: 15, column: 13 },
    { code: 'duplicate-id', underline: 'r1', help: /line 9/, line: 16, column: 9 },
    { code: 'expression-disallowed', underline: "args.to = 'x'", help: 'to compare, write `===`', line: 21, column: 12 },
    { code: 'unknown-field', underline: 'args.too', help: 'did you mean `to`?', line: 25, column: 12 },
    { code: 'type-mismatch', underline: 'args.to == 5', line: 29, column: 12 },
    { code: 'possibly-undefined', underline: 'args.note', help: /args\.note\?\.startsWith/, line: 33, column: 12 },
    { code: 'type-mismatch', underline: "{ field: arguments.count, operator: matches, value: '^\\d+$' }", help: 'a regex can only match a string', line: 37 },
    { code: 'regex-super-linear', underline: '/(x+x+)+y/', line: 41, column: 12 },
    { code: 'invalid-value', underline: 'matchez', help: 'did you mean `matches`?', line: 45 },
    { code: 'regex-syntax', underline: '(', message: /duplicate capture group name/i, line: 49 },
    { code: 'expression-disallowed', underline: 'new Date()', line: 53, column: 12 },
    { code: 'yaml-bad-escape', underline: '\\.', message: /invalid escape `\\\.`/, help: /single quotes/, line: 57 },
    { code: 'expression-syntax', line: 61 },
    { code: 'invalid-value', underline: 'extreme', line: 66 },
  ]
  for (const c of cases) it(`${c.code} ${c.underline ?? ''}`, () => expectDiagnostic(src, c))
  it('reports everything in one run, in source order, and yields no policy', () => {
    const { policy, diagnostics } = analyze(src, { filename: 'p.policy.yaml' })
    expect(policy).toBeNull()
    const errors = diagnostics.filter(d => d.severity === 'error')
    expect(errors.length).toBeGreaterThanOrEqual(cases.length)
    const starts = diagnostics.map(d => d.span.start)
    expect(starts).toEqual([...starts].sort((a, b) => a - b))
    expect(diagnostics.some(d => d.code === 'never-matches' && d.severity === 'warning')).toBe(true)
  })
  it('formats as file:line:col with a code frame and help', () => {
    const { diagnostics } = analyze(src, { filename: 'p.policy.yaml' })
    const text = formatDiagnostics(diagnostics.filter(d => d.code === 'unknown-key'), src, 'p.policy.yaml')
    expect(text).toBe('p.policy.yaml:11:5: error: unknown key `condtions` in rule `r1`\n   |\n11 |     condtions: []\n   |     ^^^^^^^^^\n  = help: did you mean `conditions`?')
  })
})

describe('regex judgement uses a real analyser', () => {
  for (const rx of ['(x+x+)+y', '^(\\d+|\\d+0)+$', '(a|b|ab)*c', '(\\w+\\s?)*$', '^(a|aa)+$']) {
    it(`rejects ${rx}`, () => {
      expectDiagnostic(`rules:\n  - id: r\n    tool: t\n    action: deny\n    conditions: [ { field: args.s, operator: matches, value: '${rx}' } ]\n`, { code: 'regex-super-linear' })
    })
  }
  it('judges the regexes inside tool schemas too (the validator runs them on every call)', () => {
    const schema = (extra: string): string => `tools:\n  t:\n    parameters:\n      type: object\n      properties:\n        pattern: { type: string }\n        email: { type: string, pattern: '^[a-z]+@x\\.com$' }\n${extra}rules: []\n`
    expect(analyze(schema(''), { filename: 'p.yaml' }).diagnostics.filter(d => d.severity === 'error')).toEqual([])
    expectDiagnostic(schema("        id: { type: string, pattern: '^(\\d+|\\d+0)+$' }\n"), { code: 'regex-super-linear', underline: "'^(\\d+|\\d+0)+$'", line: 8 })
    expectDiagnostic(schema("      patternProperties:\n        '^(a|b|ab)*c$': { type: string }\n"), { code: 'regex-super-linear', underline: "'^(a|b|ab)*c$'" })
    expectDiagnostic(schema("        id: { type: string, pattern: '[z-a]' }\n"), { code: 'regex-syntax', underline: "'[z-a]'" })
  })
  it('accepts linear patterns such as the shipped allowlist', () => {
    const { diagnostics } = analyze(`rules:\n  - id: r\n    tool: t\n    action: deny\n    when: '!/^https:\\/\\/api\\.(stripe|twilio)\\.invalid\\//.test(args.url)'\n`, { filename: 'p.yaml' })
    expect(diagnostics.filter(d => d.severity === 'error')).toEqual([])
  })
  it('rejects stateful flags', () => expectDiagnostic(`rules:\n  - id: r\n    tool: t\n    action: deny\n    when: '/a/g.test(args.s)'\n`, { code: 'regex-flag', underline: '/a/g' }))
  it('turns a Python inline flag group into a JS flag and rejects Python-only syntax', () => {
    const { policy } = analyze(`rules:\n  - id: r\n    tool: t\n    action: deny\n    conditions: [ { field: args.s, operator: matches, value: '(?is)^a.b$' } ]\n`, { filename: 'p.yaml' })
    expect(stripSpans(policy!.rules[0]!.condition)).toMatchObject({ value: { source: '^a.b$', flags: 'is' } })
    expectDiagnostic(`rules:\n  - id: r\n    tool: t\n    action: deny\n    conditions: [ { field: args.s, operator: matches, value: '(?P<x>a)' } ]\n`, { code: 'regex-unsupported', underline: '(?P<' })
  })
})

describe('expressions', () => {
  const when = (w: string): string => `${SCHEMA}rules:\n  - id: r\n    tool: send_sms\n    action: deny\n    when: "${w}"\n`
  for (const [w, underline] of [['this.x', 'this'], ['`a${1}`', '`a${1}`'], ['args.constructor', 'constructor'], ['args[\\"__proto__\\"]', '\\"__proto__\\"'], ['foo(1)', 'foo'], ['args.to.replace(1, 2)', 'replace'], ["'a' in args", "'a' in args"]] as const) {
    it(`rejects ${w}`, () => {
      const d = analyze(when(w), { filename: 'p.yaml' }).diagnostics.filter(x => x.severity === 'error')
      expect(d.length).toBeGreaterThan(0)
      expect(d.map(x => when(w).slice(x.span.start, x.span.end))).toContain(underline)
    })
  }
  it('accepts an expression wrapped in parentheses (regression: the text after `)` was rejected)', () => {
    expect(analyze(when("(args.note != null && args.note.startsWith('x'))"), { filename: 'p.yaml' }).diagnostics).toEqual([])
    expect(analyze(when("((args.count ?? 0) > 3)"), { filename: 'p.yaml' }).diagnostics).toEqual([])
    // parentheses hide nothing: prototype keys are still refused, and they end an optional chain as in JS
    expectDiagnostic(when('args[(\\"constructor\\")]'), { code: 'expression-disallowed', underline: '\\"constructor\\"' })
    expectDiagnostic(when("(args.note?.trim()).startsWith('x')"), { code: 'possibly-undefined', underline: 'args.note?.trim()', message: 'the value may be absent, and `startsWith` on it would fail' })
  })
  it('narrows optional properties after a null check', () => {
    const { diagnostics } = analyze(when("args.note != null && args.note.startsWith('x') || args.note?.endsWith('y')"), { filename: 'p.yaml' })
    expect(diagnostics).toEqual([])
  })
  it('folds env constants at build time and reports unknown ones', () => {
    const src = `rules:\n  - id: r\n    tool: t\n    action: deny\n    when: "env.production && args.x == 1"\n`
    const { policy } = analyze(src, { filename: 'p.yaml', env: { production: true } })
    expect(stripSpans(policy!.rules[0]!.condition)).toMatchObject({ kind: 'logical', left: { kind: 'lit', value: true } })
    expectDiagnostic(src.replace('env.production', 'env.prod'), { code: 'unknown-env', underline: 'prod' })
  })
})

describe('policy keys', () => {
  it('reads Veto rule files: settings, global tags, severity, disabled rules', () => {
    const src = `settings:\n  default_action: block\n  fail_mode: open\n  global_tags: [pci]\nrules:\n  - id: a\n    name: A\n    action: warn\n    tools: [x]\n    tags: [t]\n    severity: low\n  - id: b\n    enabled: false\n    action: block\n    tools: [x]\n`
    const { policy, diagnostics } = analyze(src, { filename: 'veto/rules/x.yaml' })
    expect(diagnostics.filter(d => d.severity === 'error')).toEqual([])
    expect(policy!.default).toBe('deny')
    expect(policy!.failMode).toBe('open')
    expect(policy!.name).toBe('x')
    expect(policy!.rules.map(r => [r.id, r.action, r.warn, r.tags, r.severity])).toEqual([['a', 'allow', true, ['pci', 't'], 'low']])
  })
  it('a rule tool one typo away from a declared tool is an error (issue 2: no deny rule lost to a typo)', () => {
    const src = `${SCHEMA}rules:\n  - id: r\n    tools: [send_sms, send_smss]\n    action: deny\n`
    expectDiagnostic(src, { code: 'unknown-tool', underline: 'send_smss', line: 9, column: 23, help: /^did you mean `send_sms`\?/ })
    // a tool unlike any declared one is simply governed (untyped, with a warning), as SPEC 1 says
    const other = analyze(`${SCHEMA}rules:\n  - id: r\n    tool: delete_file\n    action: deny\n`, { filename: 'p.yaml' })
    expect(other.diagnostics.map(d => [d.code, d.severity])).toEqual([['untyped-tool', 'warning']])
    expect(other.policy!.tools.map(t => t.name)).toEqual(['send_sms', 'delete_file'])
  })
  it('rejects another version', () => expectDiagnostic('version: "2.0"\nrules: []\n', { code: 'unsupported-version', underline: '"2.0"' }))
  it('parses limit and outside_hours', () => {
    const { policy } = analyze(`rules:\n  - id: cap\n    tool: send_sms\n    action: deny\n    limit: { max: 3, per: 1h, key: args.to }\n    outside_hours: { from: "09:00", to: "20:00", tz: America/New_York }\n`, { filename: 'p.yaml' })
    expect(stripSpans(policy!.rules[0]!.limit)).toEqual({ max: 3, perMs: 3_600_000, key: { kind: 'member', object: { kind: 'root', name: 'args' }, key: 'to', optional: false } })
    expect(stripSpans(policy!.rules[0]!.outsideHours)).toEqual({ from: 540, to: 1200, tz: 'America/New_York' })
    expectDiagnostic(`rules:\n  - id: cap\n    tool: t\n    action: deny\n    outside_hours: { from: "09:00", to: "20:00", tz: Mars/Olympus }\n`, { code: 'invalid-value', underline: 'Mars/Olympus' })
  })
})

describe('analyze never throws', () => {
  const shipped = readFileSync('policies/groq-tools.policy.yaml', 'utf8')
  it('on arbitrary text and on mutations of a shipped policy', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.tuple(fc.nat(shipped.length), fc.nat(40), fc.string({ maxLength: 12 })).map(([at, del, ins]) => shipped.slice(0, at) + ins + shipped.slice(at + del))), text => {
        const r = analyze(text, { filename: 'fuzz.policy.yaml' })
        expect(r.diagnostics.every(d => d.code !== 'internal-error')).toBe(true)
        expect(r.policy === null).toBe(r.diagnostics.some(d => d.severity === 'error'))
      }),
      { seed: 7, numRuns: 300 },
    )
  })
})
