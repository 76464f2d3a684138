/**
 * Lowering paths outside the operators that no larger suite decided, found by `npm run mutate`
 * (compiler/lower/index.ts, rule.ts, lowerer.ts, schema.ts): a numeric `version`, the policy name a
 * file gives, param types and list defaults, the rule a diagnostic names, result-rule actions,
 * redactions and labels written as one string, the regexes inside a tool's schema, and quantifier,
 * address-range, counter and business-hours forms written wrong.
 */
import { describe, expect, it } from 'vitest'
import { analyze } from '../../compiler/analyze.js'
import { compile } from '../../compiler/index.js'
import { compileModule } from '../support/compiled.js'

type Seen = [code: string, underline: string, message: string]

function lower(src: string, filename = 'p.policy.yaml'): { seen: Seen[]; policy: ReturnType<typeof analyze>['policy'] } {
  const { diagnostics, policy } = analyze(src, { filename })
  const seen = diagnostics.filter(d => d.code !== 'untyped-tool' && d.code !== 'no-rules').map((d): Seen => [d.code, src.slice(d.span.start, d.span.end), d.message])
  return { seen, policy }
}
const diagnose = (src: string): Seen[] => lower(src).seen

describe('the policy header', () => {
  it('`version: 1.0` written as a number is the version; other numbers are refused as written', () => {
    expect(diagnose('version: 1.0\nrules: []\n')).toEqual([])
    expect(diagnose('version: 1.0   # the only one\nrules: []\n')).toEqual([])
    expect(diagnose('version: 1.00\nrules: []\n')).toEqual([['unsupported-version', '1.00', 'unsupported policy version `1.00`']])
    expect(diagnose('version: 2\nrules: []\n')).toEqual([['unsupported-version', '2', 'unsupported policy version `2`']])
  })

  it('the policy name: from the file, `policy` when the file name is only the suffix, and a number or boolean `name:` as text', () => {
    expect(lower('rules: []\n', 'dir/a.b.policy.yml').policy?.name).toBe('a.b')
    expect(lower('rules: []\n', 'dir/.policy.yaml').policy?.name).toBe('policy')
    expect(lower('rules: []\n', 'C:\\rules\\.yaml').policy?.name).toBe('policy')
    expect(lower('name: 12\nrules: []\n').policy?.name).toBe('12')
    expect(lower('name: true\nrules: []\n').policy?.name).toBe('true')
  })

  it('a null or a list is not a policy name', () => {
    expect(diagnose('name: ~\nrules: []\n')).toEqual([['invalid-type', '~', 'policy name must be a string']])
    expect(diagnose('name: [x]\nrules: []\n')).toEqual([['invalid-type', '[x]', 'policy name must be a string']])
  })
})

describe('params', () => {
  it('an unknown param type is one diagnostic, even with a default', () => {
    expect(diagnose('params:\n  x: { type: integer, default: 1 }\nrules: []\n')).toEqual([['invalid-value', 'integer', 'unknown param type `integer`']])
  })

  it('a list default must hold only its element type', () => {
    expect(diagnose('params:\n  x: { type: "string[]", default: [a, 1] }\nrules: []\n')).toEqual([['type-mismatch', '[a, 1]', 'the default of param `x` is not a string[]']])
    expect(diagnose('params:\n  x: { type: "number[]", default: [1, a] }\nrules: []\n')).toEqual([['type-mismatch', '[1, a]', 'the default of param `x` is not a number[]']])
    expect(diagnose('params:\n  x: { type: "string[]", default: [a, b] }\n  y: { type: "number[]", default: [1, 2] }\nrules: []\n')).toEqual([])
  })
})

describe('rules', () => {
  it('a diagnostic names the rule by `id`, else by `name`, else says "a rule"', () => {
    const unknownKey = (ids: string): string => diagnose(`tools:\n  t: {}\nrules:\n  - { ${ids}tool: t, action: deny, bogus: 1 }\n`).find(d => d[0] === 'unknown-key')![2]
    expect(unknownKey('name: nm, ')).toBe('unknown key `bogus` in rule `nm`')
    expect(unknownKey('id: i, name: nm, ')).toBe('unknown key `bogus` in rule `i`')
    expect(unknownKey('')).toBe('unknown key `bogus` in a rule')
  })

  it('a tool a letter away from a declared one is refused with the exact message', () => {
    expect(diagnose('tools:\n  send_email: {}\nrules:\n  - { id: r, tool: send_emial, action: deny }\n')).toEqual([['unknown-tool', 'send_emial', 'rule `r` names tool `send_emial`, which is not declared under `tools:`']])
  })

  it('a result rule\'s action: an unknown one is named, review is refused, deny is kept', () => {
    const result = (action: string): string => `tools:\n  t: {}\nrules:\n  - { id: r, tool: t, on: result, action: ${action} }\n`
    expect(diagnose(result('bogus'))).toEqual([['invalid-value', 'bogus', 'unknown action `bogus`']])
    expect(diagnose(result('review'))).toEqual([['invalid-value', 'review', 'a result rule cannot `review`']])
    expect(lower(result('deny')).policy?.rules[0]).toMatchObject({ action: 'deny', on: 'result' })
  })
})

describe('`when` together with `conditions` or `condition_groups`', () => {
  const TOOL = 'tools:\n  t:\n    parameters: { type: object, properties: { a: { type: number }, b: { type: number } } }\n'

  it('both must hold: the rule matches only where the expression and the conditions both do', async () => {
    const { module } = await compileModule(`${TOOL}rules:\n  - { id: r, tool: t, action: deny, when: "args.a == 1", conditions: [ { field: args.b, operator: equals, value: 2 } ] }\n`, 'when-and-conditions.policy.yaml')
    expect(module.evaluate('t', { a: 1, b: 2 })).toMatchObject({ decision: 'deny', rule: 'r' })
    expect(module.evaluate('t', { a: 1, b: 3 }).decision).toBe('allow')
    expect(module.evaluate('t', { a: 0, b: 2 }).decision).toBe('allow')
  })

  it('with groups, the expression and any one group', async () => {
    const { module } = await compileModule(`${TOOL}rules:\n  - { id: r, tool: t, action: deny, when: "args.a == 1", condition_groups: [ [ { field: args.b, operator: equals, value: 2 } ], [ { field: args.b, operator: equals, value: 3 } ] ] }\n`, 'when-and-groups.policy.yaml')
    expect(module.evaluate('t', { a: 1, b: 2 }).decision).toBe('deny')
    expect(module.evaluate('t', { a: 1, b: 3 }).decision).toBe('deny')
    expect(module.evaluate('t', { a: 1, b: 4 }).decision).toBe('allow')
    expect(module.evaluate('t', { a: 0, b: 3 }).decision).toBe('allow')
  })
})

describe('result redactions and labels written as one string', () => {
  const rule = (extra: string): string => `tools:\n  t: {}\nrules:\n  - { id: r, tool: t, on: result, ${extra} }\n`

  it('`redact: secrets` is the list [secrets]; each kind is listed once', () => {
    expect(lower(rule('redact: secrets')).policy?.rules[0]?.redact).toEqual([{ kind: 'secrets' }])
    expect(lower(rule('redact: [secrets, pii, secrets, pii]')).policy?.rules[0]?.redact).toEqual([{ kind: 'secrets' }, { kind: 'pii' }])
  })

  it('a bad path or label written alone is underlined where it is', () => {
    expect(diagnose(rule('redact: "a..b"'))).toEqual([['invalid-redact', '"a..b"', 'empty segment in redact path `a..b`']])
    expect(diagnose(rule('adds: "Bad Label"'))).toEqual([['invalid-label', '"Bad Label"', 'invalid session label `Bad Label`']])
    expect(lower(rule('adds: pii.seen')).policy?.rules[0]?.adds).toEqual(['pii.seen'])
  })

  it('`adds` that is not a list says which key', () => {
    expect(diagnose(rule('adds: {a: 1}'))).toEqual([['invalid-type', '{a: 1}', '`adds` must be a list of strings']])
  })
})

describe('regexes inside a tool\'s parameter schema', () => {
  const schema = (parameters: string): Seen[] => diagnose(`tools:\n  t:\n    parameters: ${parameters}\nrules: []\n`)
  const EXPONENTIAL = 'regex `^(a+)+$` can backtrack catastrophically: exponential time on inputs like `\'a\' + \'a\'.repeat(31) + \'\\x00\'`'

  it('are analysed under a property named `pattern` or `patternProperties` too (names, not keywords)', () => {
    expect(schema('{ type: object, properties: { pattern: { type: string, pattern: "^(a+)+$" } } }')).toEqual([['regex-super-linear', '"^(a+)+$"', EXPONENTIAL]])
    expect(schema('{ type: object, properties: { p: { anyOf: [ { type: string, pattern: "^(a+)+$" } ] } } }')).toEqual([['regex-super-linear', '"^(a+)+$"', EXPONENTIAL]])
  })

  it('a `patternProperties` key is a regex with the u flag, as the validator runs it', () => {
    expect(schema('{ type: object, patternProperties: { "^(a+)+$": { type: string } } }')).toEqual([['regex-super-linear', '"^(a+)+$"', EXPONENTIAL]])
    expect(schema('{ type: object, patternProperties: { "\\\\a": { type: string } } }')).toEqual([['regex-syntax', '"\\\\a"', 'invalid regex: /\\a/u: Invalid escape']])
    expect(schema('{ type: object, properties: { p: { type: string, pattern: "\\\\a" } } }')).toEqual([['regex-syntax', '"\\\\a"', 'invalid regex: /\\a/u: Invalid escape']])
  })

  it('a `pattern` that is not a string is refused by the schema check alone, never analysed as a regex', () => {
    for (const pattern of ['5', '~', 'true']) {
      const src = `tools:\n  t:\n    parameters: { type: object, properties: { p: { type: string, pattern: ${pattern} } } }\nrules: []\n`
      const codes = compile(src, { filename: 'p.policy.yaml' }).diagnostics.filter(d => d.severity === 'error').map(d => d.code)
      expect(codes, pattern).toEqual(['schema-invalid'])
    }
  })
})

describe('conditions-dialect entries', () => {
  const TOOL = 'tools:\n  t:\n    parameters: { type: object, properties: { p: { type: string }, host: { type: string } } }\n'
  const condition = (c: string): Seen[] => diagnose(`${TOOL}rules:\n  - id: r\n    tool: t\n    action: deny\n    conditions:\n      - ${c}\n`)

  it('a condition that is not a mapping, lacks its field, or has an unknown key or operator: one diagnostic each, saying which', () => {
    expect(condition('5')).toEqual([['invalid-type', '5', 'a condition must be a mapping']])
    expect(condition('{ operator: equals, value: 1 }')).toEqual([['missing-key', '{', 'a condition needs a `field`']])
    expect(condition('{ field: args.p, operator: equals, value: x, bogus: 2 }')).toEqual([['unknown-key', 'bogus', 'unknown key `bogus` in a condition']])
    expect(condition('{ field: args.p, operator: equal, value: x }')).toEqual([['invalid-value', 'equal', 'unknown operator `equal`']])
    expect(condition('{ field: "", operator: equals, value: x }')).toEqual([['invalid-type', '""', '`field` must be a dotted path such as `arguments.path`']])
  })

  it('inline regex flags only at the start; other foreign group syntax is named', () => {
    expect(condition('{ field: args.p, operator: matches, value: "(?i)ab" }')).toEqual([])
    expect(condition('{ field: args.p, operator: matches, value: "a(?i)b" }')).toEqual([['regex-syntax', '"a(?i)b"', 'invalid regex: /a(?i)b/: Invalid group']])
    expect(condition('{ field: args.p, operator: matches, value: "(?im:ab)" }')).toEqual([['regex-unsupported', '(?im:', '`(?im:` is regex syntax JavaScript does not have']])
  })

  it('a field named like a URL part is an argument, not a part of `args`', async () => {
    const { module } = await compileModule(`${TOOL}rules:\n  - { id: r, tool: t, action: deny, conditions: [ { field: args.host, operator: equals, value: evil.example } ] }\n`, 'host-field.policy.yaml')
    expect(module.evaluate('t', { host: 'evil.example' })).toMatchObject({ decision: 'deny', rule: 'r' })
    expect(module.evaluate('t', { host: 'good.example' }).decision).toBe('allow')
  })
})

describe('the language\'s calls written wrong, each reported once', () => {
  const when = (w: string): string => `tools:\n  t: {}\nrules:\n  - { id: r, tool: t, action: deny, when: ${JSON.stringify(w)} }\n`
  const CIDR_FORM = 'the range of `ipInRange` must be a CIDR string, or a list of them, written in the policy'
  const CASES: [string, Seen[]][] = [
    ['args.xs.some()', [['expression-disallowed', 'args.xs.some()', '`some` takes one arrow function']]],
    ['args.xs.some(1)', [['expression-disallowed', 'args.xs.some(1)', '`some` takes one arrow function']]],
    ['args.xs.every(x => 1, 2)', [['expression-disallowed', 'args.xs.every(x => 1, 2)', '`every` takes one arrow function']]],
    // a spread anywhere among the arguments
    ['ipInRange(args.h, ...args.c)', [['expression-disallowed', 'ipInRange(args.h, ...args.c)', 'spread arguments are not allowed']]],
    ["ipInRange(...args.c, '10.0.0.0/8')", [['expression-disallowed', "ipInRange(...args.c, '10.0.0.0/8')", 'spread arguments are not allowed']]],
    ['args.s.match(...args.c)', [['expression-disallowed', 'args.s.match(...args.c)', 'spread arguments are not allowed']]],
    ['ipInRange(args.h, [])', [['invalid-cidr', '[]', '`ipInRange` needs at least one range']]],
    ["ipInRange(args.h, [, '10.0.0.0/8'])", [['invalid-cidr', "[, '10.0.0.0/8']", CIDR_FORM]]],
  ]
  for (const [w, seen] of CASES) {
    it(`\`${w}\``, () => {
      expect(diagnose(when(w))).toEqual(seen)
    })
  }
})

describe('counters and business hours written wrong, each reported once', () => {
  const counter = (count: string): string => `tools:\n  t: {}\ncontext:\n  c: { count: ${count} }\nrules: []\n`
  const hours = (h: string): string => `tools:\n  t: {}\nrules:\n  - { id: r, tool: t, action: deny, outside_hours: ${h} }\n`
  const NEEDS = '`outside_hours` needs `from`, `to` and `tz`'
  const CASES: [string, Seen[]][] = [
    [counter('{ per: 1h, key: 5 }'), [['invalid-type', '5', '`key` must be an expression string such as `args.to`']]],
    [counter('{ per: 1x, key: "args.(" }'), [['invalid-value', '1x', 'a duration must be written such as `30s`, `10m`, `1h` or `1d`'], ['expression-syntax', '(', 'expression syntax: unexpected token']]],
    [hours('{ from: "09:00", to: "20:00", tz: 5 }'), [['invalid-type', '5', '`tz` must be a string']]],
    [hours('{ to: "20:00", tz: UTC }'), [['missing-key', '{ to: "20:00", tz: UTC }', NEEDS]]],
    [hours('{ from: "09:00", tz: UTC }'), [['missing-key', '{ from: "09:00", tz: UTC }', NEEDS]]],
    [hours('{ from: "9", to: "20:00", tz: UTC }'), [['invalid-value', '"9"', 'a time of day must be written `"HH:MM"` (24-hour)']]],
  ]
  for (const [src, seen] of CASES) {
    it(src.split('\n').find(l => l.includes('count:') || l.includes('outside_hours'))!.trim(), () => {
      expect(diagnose(src)).toEqual(seen)
    })
  }
})
