/**
 * Every diagnostic the lowering gives, word for word: for each broken policy, the whole list of
 * diagnostics (severity, code, the text underlined, message and help), so that a check that stops
 * reporting, reports twice, reports at the wrong place or loses its advice fails here. The messages
 * and help are what a policy author reads; they are part of the compiler's behaviour.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { analyze } from '../../compiler/analyze.js'
import { compileModule } from '../support/compiled.js'
import { report } from '../support/diagnostics.js'

const TOOLS = 'tools:\n  t: {}\n'
/** A policy with one tool `t` and these rules (YAML list items, indented by two). */
const rules = (body: string, head = ''): string => `${head}${TOOLS}rules:\n${body}`

describe('policy-level diagnostics', () => {
  it('an empty file', () => {
    expect(report('')).toMatchInlineSnapshot(`
      [
        "error empty-policy «» the policy file is empty | a policy needs at least \`rules:\`",
      ]
    `)
    expect(report('# nothing\n')).toMatchInlineSnapshot(`
      [
        "error empty-policy «#» the policy file is empty | a policy needs at least \`rules:\`",
      ]
    `)
  })
  it('an unsupported version, a bad regex_input_limit, a bad approval_ttl', () => {
    expect(report(`version: "2.0"\nregex_input_limit: 0\napproval_ttl: soon\n${TOOLS}rules: []\n`)).toMatchInlineSnapshot(`
      [
        "error unsupported-version «"2.0"» unsupported policy version \`2.0\` | the only version is \`"1.0"\`",
        "error invalid-value «0» \`regex_input_limit\` must be a positive whole number of characters | the default is 4096: a polynomial regex then runs on strings of up to that many characters",
        "error invalid-value «soon» a duration must be written such as \`30s\`, \`10m\`, \`1h\` or \`1d\`",
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
      ]
    `)
    expect(report(`version: [1]\nregex_input_limit: 1.5\n${TOOLS}rules: []\n`)).toMatchInlineSnapshot(`
      [
        "error unsupported-version «[1]» unsupported policy version \`seq\` | the only version is \`"1.0"\`",
        "error invalid-value «1.5» \`regex_input_limit\` must be a positive whole number of characters | the default is 4096: a polynomial regex then runs on strings of up to that many characters",
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
      ]
    `)
  })
  it('no rules, rules that are not a list, tools that are not a mapping', () => {
    expect(report(TOOLS)).toMatchInlineSnapshot(`
      [
        "warning no-rules «t» the policy has no \`rules\` | every governed tool gets the \`default\` decision",
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
      ]
    `)
    expect(report(`${TOOLS}rules: 3\n`)).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-type «3» \`rules\` must be a list",
      ]
    `)
    expect(report('tools: [a]\nrules: []\n')).toMatchInlineSnapshot(`
      [
        "error invalid-type «[a]» \`tools\` must be a mapping from tool name to its declaration",
      ]
    `)
  })
  it('an unknown top-level key, a bad default and unknown_tools, a bad fail_mode', () => {
    expect(report(`defualt: deny\ndefault: maybe\nunknown_tools: 3\nfail_mode: shut\n${TOOLS}rules: []\n`)).toMatchInlineSnapshot(`
      [
        "error unknown-key «defualt» unknown key \`defualt\` in the policy | did you mean \`default\`?",
        "error invalid-value «maybe» unknown default \`maybe\` | expected one of \`allow\`, \`review\`, \`deny\`, \`block\`, \`require_approval\`, \`warn\`, \`log\`",
        "error invalid-type «3» unknown_tools decision must be one of \`allow\`, \`review\`, \`deny\`, \`block\`, \`require_approval\`, \`warn\`, \`log\`",
        "error invalid-value «shut» unknown fail mode \`shut\` | expected one of \`closed\`, \`open\`",
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
      ]
    `)
    expect(report(`zzzz: 1\n${TOOLS}rules: []\n`)).toMatchInlineSnapshot(`
      [
        "error unknown-key «zzzz» unknown key \`zzzz\` in the policy | allowed keys: \`extends\`, \`version\`, \`name\`, \`description\`, \`default\`, \`unknown_tools\`, \`fail_mode\`, \`regex_input_limit\`, \`tools\`, \`context\`, \`params\`, \`rules\`, \`settings\`, \`approval_ttl\`",
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
      ]
    `)
  })
  it('settings: a bad default_action, fail_mode and global_tags', () => {
    expect(report(`settings: { default_action: nope, fail_mode: [x], global_tags: [1, [2]] }\n${TOOLS}rules: []\n`)).toMatchInlineSnapshot(`
      [
        "error invalid-value «nope» unknown default action \`nope\` | expected one of \`allow\`, \`review\`, \`deny\`, \`block\`, \`require_approval\`, \`warn\`, \`log\`",
        "error invalid-type «[x]» fail mode must be one of \`closed\`, \`open\`",
        "error invalid-type «1» each entry of \`global_tags\` must be a string",
        "error invalid-type «[2]» each entry of \`global_tags\` must be a string",
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
      ]
    `)
    expect(report(`settings: { global_tags: tag }\n${TOOLS}rules: []\n`)).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
      ]
    `)
  })
  it('tool declarations: parameters and returns that are not schemas, normalize that is not a mapping, $id', () => {
    expect(report('tools:\n  t: { parameters: [1], returns: 3, normalize: [path] }\nrules: []\n')).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-type «[1]» the parameters of tool \`t\` must be a JSON Schema object",
        "error invalid-type «3» the \`returns\` of tool \`t\` must be a JSON Schema object",
        "error invalid-type «[path]» \`normalize\` of tool \`t\` must map argument names to kinds | e.g. \`normalize: { path: path, cmd: [text, shell] }\`",
      ]
    `)
    expect(report('tools:\n  t:\n    parameters: { $id: "x", type: object }\nrules: []\n')).toMatchInlineSnapshot(`
      [
        "error schema-unsupported «$id» the schema of tool \`t\` uses \`$id\` | remove \`$id\`: a tool schema is one document, and its \`$ref\`s point inside it (\`#/definitions/...\`)",
      ]
    `)
    expect(report('tools:\n  t: 3\nrules: []\n')).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-type «3» tool \`t\` must be a mapping",
      ]
    `)
  })
  it('normalize: prototype keys, empty lists, unknown kinds, shell not last, a kind twice', () => {
    expect(report('tools:\n  t:\n    normalize: { __proto__: path, a: [], b: [nope], c: [shell, text], d: [path, path], e: [text, shell] }\nrules: []\n')).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-field «__proto__» argument \`__proto__\` cannot be normalised | reads see own properties only; prototype keys never resolve",
        "error invalid-value «[]» \`normalize\` of \`a\` lists no kind | kinds: \`path\`, \`url\`, \`shell\`, \`text\`, \`lower\`, \`trim\`",
        "error invalid-value «nope» unknown normalize kind \`nope\` | expected one of \`path\`, \`url\`, \`shell\`, \`text\`, \`lower\`, \`trim\`",
        "error invalid-value «shell» \`shell\` must be the last kind: it turns the string into words | put string kinds such as \`text\` before it, e.g. \`[text, shell]\`",
        "error invalid-value «path» kind \`path\` is listed twice",
      ]
    `)
    expect(report('tools:\n  t:\n    normalize: { a: [bogus, pth] }\nrules: []\n')).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-value «bogus» unknown normalize kind \`bogus\` | expected one of \`path\`, \`url\`, \`shell\`, \`text\`, \`lower\`, \`trim\`",
        "error invalid-value «pth» unknown normalize kind \`pth\` | did you mean \`path\`?",
      ]
    `)
  })
  it('context and params', () => {
    expect(report(`context: [a]\nparams: 3\n${TOOLS}rules: []\n`)).toMatchInlineSnapshot(`
      [
        "error invalid-type «[a]» \`context\` must be a mapping from field name to type",
        "error invalid-type «3» \`params\` must be a mapping from name to \`{ type, default }\`",
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
      ]
    `)
    expect(report(`context:\n  a: {}\n  b: { type: strin }\n  c: { count: { per: 1h, tools: [nope] } }\n  d: { count: {} }\n  e: { count: { per: 1h, key: 3 } }\nparams:\n  p: { type: number }\n  q: { type: number, default: "x" }\n  r: { type: string, default: 1 }\n  s: { type: boolean, default: 1 }\n${TOOLS}rules: []\n`)).toMatchInlineSnapshot(`
      [
        "error missing-key «a» context field \`a\` needs a type or \`count\` | e.g. \`hourly_calls: { count: { per: 1h } }\`",
        "error missing-key «b» context field \`b\` needs a type or \`count\` | e.g. \`hourly_calls: { count: { per: 1h } }\`",
        "error unknown-key «type» unknown key \`type\` in context field \`b\` | allowed keys: \`count\`",
        "error unknown-tool «{ per: 1h, tools: [nope] }» counter \`c\` counts tool \`nope\`, which the policy does not govern | declare it under \`tools:\` or name it in a rule",
        "error missing-key «{}» \`count\` needs \`per\` (e.g. \`1h\`)",
        "error invalid-type «3» \`key\` must be an expression string such as \`args.to\`",
        "error missing-key «p» param \`p\` needs a \`default\`",
        "error type-mismatch «"x"» the default of param \`q\` is not a number",
        "error type-mismatch «1» the default of param \`r\` is not a string",
        "error type-mismatch «1» the default of param \`s\` is not a boolean",
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
      ]
    `)
  })
})

describe('every key given a value of the wrong kind names itself', () => {
  // each policy below puts one wrong value under one key: the diagnostic must name that key (its
  // own `what`), underline the value, and nothing else may be reported
  const cases: Record<string, string> = {
    'policy name': 'name: [1]\ntools:\n  t: {}\nrules: []\n',
    'policy description': 'description: [1]\ntools:\n  t: {}\nrules: []\n',
    'settings': 'settings: 3\ntools:\n  t: {}\nrules: []\n',
    'global_tags': 'settings: { global_tags: 3 }\ntools:\n  t: {}\nrules: []\n',
    'tool description': 'tools:\n  t: { description: [1], parameters: { type: object } }\nrules: []\n',
    'tool redact': 'tools:\n  t: { redact: 3, parameters: { type: object } }\nrules: []\n',
    'tool adds': 'tools:\n  t: { adds: 3, parameters: { type: object } }\nrules: []\n',
    'context field type': 'context:\n  c: colour\ntools:\n  t: { parameters: { type: object } }\nrules: []\n',
    'context field without type or count': 'context:\n  c: {}\ntools:\n  t: { parameters: { type: object } }\nrules: []\n',
    'param': 'params:\n  p: 3\ntools:\n  t: { parameters: { type: object } }\nrules: []\n',
    'param type': 'params:\n  p: { type: colour, default: 1 }\ntools:\n  t: { parameters: { type: object } }\nrules: []\n',
    'rule id': 'tools:\n  t: { parameters: { type: object } }\nrules:\n  - { id: [1], tool: t, action: deny }\n',
    'rule description': 'tools:\n  t: { parameters: { type: object } }\nrules:\n  - { id: r, tool: t, action: deny, description: [1] }\n',
    'rule message': 'tools:\n  t: { parameters: { type: object } }\nrules:\n  - { id: r, tool: t, action: deny, message: [1] }\n',
    'rule tags': 'tools:\n  t: { parameters: { type: object } }\nrules:\n  - { id: r, tool: t, action: deny, tags: 3 }\n',
    'rule enabled': 'tools:\n  t: { parameters: { type: object } }\nrules:\n  - { id: r, tool: t, action: deny, enabled: maybe }\n',
    'rule action': 'tools:\n  t: { parameters: { type: object } }\nrules:\n  - { id: r, tool: t, action: [deny] }\n',
    'rule redact': 'tools:\n  t: { parameters: { type: object } }\nrules:\n  - { id: r, tool: t, on: result, action: allow, redact: 3 }\n',
    'rule adds': 'tools:\n  t: { parameters: { type: object } }\nrules:\n  - { id: r, tool: t, action: allow, adds: 3 }\n',
    'a rule named by `name`': 'tools:\n  t: { parameters: { type: object } }\nrules:\n  - { name: by_name, tool: t, action: deny, message: [1] }\n',
    'an unnamed rule': 'tools:\n  t: { parameters: { type: object } }\nrules:\n  - { tool: t, action: deny }\n  - { tool: t, action: deny, severity: [1] }\n',
  }
  it.each(Object.entries(cases))('%s', (_, src) => {
    expect(report(src)).toMatchSnapshot()
  })
})

describe('limits, counters and windows written wrong', () => {
  const rule = (extra: string): string => `tools:\n  t: { parameters: { type: object, properties: { to: { type: string } } } }\nrules:\n  - { id: r, tool: t, action: deny, ${extra} }\n`
  const counter = (count: string): string => `context:\n  n: { count: ${count} }\ntools:\n  t: { parameters: { type: object, properties: { to: { type: string } } } }\nrules: []\n`
  const cases: Record<string, string> = {
    'limit not a mapping': rule('limit: 3'),
    'limit without max or per': rule('limit: {}'),
    'max not a whole number': rule('limit: { max: 1.5, per: 1h }'),
    'max negative': rule('limit: { max: -1, per: 1h }'),
    'max a string': rule('limit: { max: "3", per: 1h }'),
    'per with text before the number': rule('limit: { max: 3, per: x1h }'),
    'per with text after the unit': rule('limit: { max: 3, per: 1hx }'),
    'per with a letter between': rule('limit: { max: 3, per: 1xh }'),
    'per zero': rule('limit: { max: 3, per: 0h }'),
    'per a number': rule('limit: { max: 3, per: 3600 }'),
    'a key that is not text': rule('limit: { max: 3, per: 1h, key: [args.to] }'),
    'a key that does not parse': rule('limit: { max: 3, per: 1h, key: "args.to +" }'),
    'outside_hours not a mapping': rule('outside_hours: 3'),
    'outside_hours missing tz': rule('outside_hours: { from: "09:00", to: "17:00" }'),
    'a time with one-digit minutes': rule('outside_hours: { from: "9:5", to: "17:00", tz: UTC }'),
    'a time with text after it': rule('outside_hours: { from: "09:00x", to: "17:00", tz: UTC }'),
    'a time with text before it': rule('outside_hours: { from: "x09:00", to: "17:00", tz: UTC }'),
    'a time as a number': rule('outside_hours: { from: 9.30, to: "17:00", tz: UTC }'),
    'an unknown zone': rule('outside_hours: { from: "09:00", to: "17:00", tz: Mars/Base }'),
    'a zone that is not text': rule('outside_hours: { from: "09:00", to: "17:00", tz: [UTC] }'),
    'a count not a mapping': counter('3'),
    'a count without per': counter('{}'),
    'a count with a bad per and key': counter('{ per: soon, key: [1] }'),
  }
  it.each(Object.entries(cases))('%s', (_, src) => {
    expect(report(src).filter(l => !l.includes('untyped-tool'))).toMatchSnapshot()
  })
  it('"1 h" is an hour, and a window from "09:30" starts at half past nine', async () => {
    const { policy } = analyze(rule('limit: { max: 3, per: 1 h }'), { filename: 'p.policy.yaml' })
    expect(policy?.rules[0]?.limit?.perMs).toBe(3_600_000)
    const hours = analyze(rule('outside_hours: { from: "09:30", to: "17:05", tz: UTC }'), { filename: 'p.policy.yaml' }).policy?.rules[0]?.outsideHours
    expect([hours?.from, hours?.to]).toEqual([570, 1025])
  })
})

describe('regexes and ids inside tool schemas, wherever they are nested', () => {
  const tool = (parameters: string): string => `tools:\n  t:\n    parameters: ${parameters}\nrules: []\n`
  const cases: Record<string, string> = {
    'a super-linear pattern in a list of schemas': tool('{ type: object, properties: { a: { anyOf: [ { type: string }, { type: string, pattern: "^(a+)+$" } ] } } }'),
    'a super-linear patternProperties key': tool('{ type: object, patternProperties: { "^(a+)+$": { type: string } } }'),
    'a super-linear pattern under a patternProperties key': tool('{ type: object, patternProperties: { "^x": { type: string, pattern: "^(b+)+$" } } }'),
    'a pattern JavaScript reads only without the u flag': tool('{ type: object, properties: { a: { type: string, pattern: "a\\\\-b" } } }'),
    'an $id in a list of schemas': tool('{ type: object, properties: { a: { anyOf: [ { $id: "x" }, { type: string } ] } } }'),
    'an $id in a property schema': tool('{ type: object, properties: { a: { $id: "y", type: string } } }'),
    'an $id under definitions': tool('{ type: object, definitions: { d: { $id: "z" } } }'),
  }
  it.each(Object.entries(cases))('%s', (_, src) => {
    expect(report(src)).toMatchSnapshot()
  })
})

describe('rule diagnostics', () => {
  it('missing id and action, duplicate ids, unknown tools', () => {
    expect(report(rules('  - tool: t\n    action: deny\n  - id: a\n    tool: t\n  - id: a\n    tool: tt\n    action: deny\n  - id: b\n    tools: [t, zzz]\n    action: allow\n'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error missing-key «t» a rule has no \`id\` or \`name\` | give every rule an \`id\`; decisions and records name it",
        "error missing-key «a» rule \`a\` has no \`action\` | add \`action: allow\`, \`review\` or \`deny\`",
        "error duplicate-id «a» duplicate rule id \`a\` | the first rule with this id is on line 6; ids must be unique within a policy",
        "warning untyped-tool «zzz» tool \`zzz\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
      ]
    `)
  })
  it('both tool and tools, a bad severity, metadata and when', () => {
    expect(report(rules('  - id: a\n    tool: t\n    tools: [t]\n    action: deny\n    severity: extreme\n    metadata: [1]\n    when: 3\n'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error conflicting-keys «tools» rule \`a\` has both \`tool\` and \`tools\` | keep one of them",
        "error invalid-value «extreme» unknown severity \`extreme\` | expected one of \`critical\`, \`high\`, \`medium\`, \`low\`, \`info\`",
        "error invalid-type «[1]» \`metadata\` must be a mapping",
        "error invalid-type «3» \`when\` must be an expression string",
      ]
    `)
  })
  it('warn-only actions, and condition_groups that are not lists', () => {
    expect(report(rules('  - id: a\n    tool: t\n    action: warn\n  - id: b\n    tool: t\n    action: deny\n    condition_groups: 3\n'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "warning warn-only «warn» rule \`a\` uses \`warn\`: it allows the call and only notes the match | use \`deny\` or \`review\` to stop the call",
        "error invalid-type «3» \`condition_groups\` must be a list of condition lists",
      ]
    `)
  })
  it('result rules: review, limits and hours; redact on a call rule', () => {
    expect(report(rules('  - id: a\n    tool: t\n    on: result\n    action: review\n    limit: { max: 1, per: 1h }\n    outside_hours: { from: "09:00", to: "17:00", tz: UTC }\n  - id: b\n    tool: t\n    action: deny\n    redact: [x]\n'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-value «review» a result rule cannot \`review\` | a result rule takes \`action: deny\` (the model gets the reason instead of the output) or \`allow\`, and may \`redact:\` or \`adds:\`",
        "error invalid-key «limit» \`limit\` does not apply to a result rule | limits and hours decide calls; put them on a call rule",
        "error invalid-key «outside_hours» \`outside_hours\` does not apply to a result rule | limits and hours decide calls; put them on a call rule",
        "error invalid-key «redact» \`redact\` applies only to a result rule | add \`on: result\` to redact the tool's output; to keep arguments out of records, use \`redact:\` under the tool in \`tools:\`",
      ]
    `)
    expect(report(rules('  - id: a\n    tool: t\n    on: result\n    redact: [result, result.a..b, result.__proto__, args.x]\n'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-redact «result» redacting the whole result is a deny | \`redact\` takes \`secrets\`, \`pii\` or dotted paths into the result, such as \`token\` or \`items.*.email\`; to withhold the whole output use \`action: deny\`",
        "error invalid-redact «result.a..b» empty segment in redact path \`result.a..b\` | \`redact\` takes \`secrets\`, \`pii\` or dotted paths into the result, such as \`token\` or \`items.*.email\`; to withhold the whole output use \`action: deny\`",
        "error invalid-redact «result.__proto__» property \`__proto__\` is not allowed in a redact path | \`redact\` takes \`secrets\`, \`pii\` or dotted paths into the result, such as \`token\` or \`items.*.email\`; to withhold the whole output use \`action: deny\`",
      ]
    `)
    expect(report(rules('  - id: a\n    tool: t\n    on: answer\n    action: deny\n'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-value «answer» unknown \`on\` \`answer\` | expected one of \`call\`, \`result\`",
      ]
    `)
  })
  it('result is readable only in a result rule', () => {
    expect(report(rules('  - id: a\n    tool: t\n    action: deny\n    conditions: [ { field: result.x, operator: exists } ]\n'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-field «result.x» \`result\` is readable only in a result rule | add \`on: result\` to run the rule on the tool's output, after its handler returned",
      ]
    `)
  })
  it('limits and hours', () => {
    expect(report(rules('  - id: a\n    tool: t\n    action: deny\n    limit: {}\n  - id: b\n    tool: t\n    action: deny\n    limit: { max: 1.5, per: soon, key: 3 }\n'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error missing-key «{}» \`limit\` needs \`max\`",
        "error missing-key «{}» \`limit\` needs \`per\` (e.g. \`1h\`)",
        "error invalid-type «1.5» \`max\` must be a whole number of calls",
      ]
    `)
    expect(report(rules('  - id: a\n    tool: t\n    action: deny\n    outside_hours: { from: "09:00" }\n  - id: b\n    tool: t\n    action: deny\n    outside_hours: { from: "9am", to: "25:00", tz: Mars/Base }\n  - id: c\n    tool: t\n    action: deny\n    outside_hours: { from: "09:00", to: "09:00", tz: UTC }\n'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error missing-key «{ from: "09:00" }» \`outside_hours\` needs \`from\`, \`to\` and \`tz\` | e.g. \`{ from: "09:00", to: "20:00", tz: "America/New_York" }\`",
        "error invalid-value «"9am"» a time of day must be written \`"HH:MM"\` (24-hour) | quote it: \`"09:00"\`",
        "error invalid-value «"25:00"» a time of day must be written \`"HH:MM"\` (24-hour) | quote it: \`"09:00"\`",
        "warning never-matches «{ from: "09:00", to: "09:00", tz: UTC }» \`outside_hours\` with \`from\` equal to \`to\` covers the whole day",
      ]
    `)
  })
  it('session labels', () => {
    expect(report(rules('  - id: a\n    tool: t\n    action: deny\n    adds: ["bad label!", ok]\n    conditions: [ { field: session.nope, operator: exists } ]\n'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-key «adds» \`adds\` applies only to a result rule | add \`on: result\`, or declare the labels a tool carries under \`tools: <name>: adds:\`",
        "error invalid-field «session.nope» unknown session field \`session.nope\` | the session exposes \`session.labels\` (a string array)",
      ]
    `)
  })
})

describe('condition diagnostics', () => {
  const cond = (c: string): string => rules(`  - id: a\n    tool: t\n    action: deny\n    conditions: ${c}\n`)
  it('conditions that are not a list, and conditions missing field or operator', () => {
    expect(report(cond('3'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-type «3» conditions must be a list of \`{ field, operator, value }\`",
      ]
    `)
    expect(report(cond('[ { value: 1 } ]'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error missing-key «{» a condition needs a \`field\`",
        "error missing-key «{» a condition needs an \`operator\`",
      ]
    `)
  })
  it('operators with a value they do not take, or without the value they need', () => {
    expect(report(cond('[ { field: args.a, operator: exists, value: 3 }, { field: args.a, operator: private_address, value: x }, { field: args.a, operator: equals } ]'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-value «3» \`exists\` takes no \`value\`",
        "error invalid-value «x» \`private_address\` takes no \`value\`",
        "error missing-key «equals» operator \`equals\` needs a \`value\`",
      ]
    `)
    expect(report(cond('[ { field: args.a, operator: exists, value: true }, { field: args.a, operator: not_exists, value: null } ]'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
      ]
    `)
  })
  it('values of the wrong type', () => {
    expect(report(cond('[ { field: args.a, operator: matches, value: 3 }, { field: args.a, operator: in, value: x }, { field: args.a, operator: in, value: [[1]] }, { field: args.a, operator: equals, value: [1] }, { field: args.a, operator: starts_with, value: 3 }, { field: args.a, operator: greater_than, value: x } ]'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-type «3» the value of \`matches\` must be a regex string",
        "error invalid-type «x» the value of \`in\` must be a list",
        "error invalid-type «[1]» the elements of an \`in\` list must be scalars",
        "error invalid-type «[1]» the value of \`equals\` must be a scalar",
        "error invalid-type «3» the value of \`starts_with\` must be a string",
        "error invalid-type «x» the value of \`greater_than\` must be a number",
      ]
    `)
  })
  it('CIDR operators', () => {
    expect(report(cond('[ { field: args.a, operator: in_cidr }, { field: args.a, operator: in_cidr, value: [] }, { field: args.a, operator: in_cidr, value: [3] }, { field: args.a, operator: in_cidr, value: 10.0.0.0/33 } ]'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error missing-key «in_cidr» operator \`in_cidr\` needs a \`value\`: a CIDR or a list of them",
        "error invalid-cidr «[]» \`in_cidr\` needs at least one CIDR",
        "error invalid-cidr «3» the value of \`in_cidr\` must be a CIDR string or a list of them | e.g. \`10.0.0.0/8\` or \`[10.0.0.0/8, "fd00::/8"]\`",
        "error invalid-cidr «10.0.0.0/33» invalid CIDR \`10.0.0.0/33\` | the prefix length must be a whole number from 0 to 32",
      ]
    `)
  })
  it('field paths', () => {
    expect(report(cond('[ { field: 3, operator: exists }, { field: argz.a, operator: exists }, { field: args..a, operator: exists }, { field: args.__proto__, operator: exists } ]'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-type «3» \`field\` must be a dotted path such as \`arguments.path\`",
        "error unknown-field-root «argz.a» unknown field root \`argz\` | did you mean \`args\`?",
        "error invalid-field «.» empty segment in field path",
        "error invalid-field «__proto__» property \`__proto__\` is not allowed",
      ]
    `)
  })
  it('Python regex syntax', () => {
    expect(report(cond(String.raw`[ { field: args.a, operator: matches, value: '(?x)a' }, { field: args.a, operator: matches, value: '(?P<n>a)' }, { field: args.a, operator: matches, value: '\Aa\Z' } ]`))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error regex-unsupported «(?x)» inline flag \`x\` has no JavaScript equivalent | supported leading flags: \`(?i)\`, \`(?m)\`, \`(?s)\` and their combinations",
        "error regex-unsupported «(?P<» \`(?P<\` is regex syntax JavaScript does not have | JavaScript names groups as \`(?<name>...)\` and refers back with \`\\k<name>\`",
        "error regex-unsupported «\\Z» \`\\Z\` is regex syntax JavaScript does not have | use \`$\` (without the \`m\` flag) for the end of the input",
      ]
    `)
  })
})

describe('expression diagnostics', () => {
  const when = (w: string): string => rules(`  - id: a\n    tool: t\n    action: deny\n    when: "${w}"\n`)
  it('quantifier functions', () => {
    expect(report(when('args.l.some()'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error expression-disallowed «args.l.some()» \`some\` takes one arrow function | write \`xs.some(x => ...)\`: one parameter, an expression body",
      ]
    `)
    expect(report(when('args.l.some(async x => x)'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error expression-disallowed «async x => x» the function given to \`some\` must be a plain arrow with an expression body | write \`xs.some(x => ...)\`: one parameter, an expression body",
      ]
    `)
    expect(report(when('args.l.some((x, y) => x)'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error expression-disallowed «(x, y) => x» the function given to \`some\` takes exactly one named parameter | write \`xs.some(x => ...)\`: one parameter, an expression body",
      ]
    `)
    expect(report(when('args.l.some(args => args)'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error reserved-name «args» parameter name \`args\` is reserved | it would hide a name expressions use; pick another, such as \`x\`",
      ]
    `)
    expect(report(when('args.l.some(x => x.m.every(x => x))'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error shadowed-name «x» parameter \`x\` hides the outer parameter of the same name | give the inner parameter its own name, so each name means one element",
      ]
    `)
  })
  it('function arity, spreads and ipInRange ranges', () => {
    expect(report(when('isPrivateAddress(args.a, 1)'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error expression-disallowed «isPrivateAddress(args.a, 1)» \`isPrivateAddress\` takes 1 argument, got 2",
      ]
    `)
    expect(report(when('ipInRange(args.a)'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error expression-disallowed «ipInRange(args.a)» \`ipInRange\` takes 2 arguments, got 1",
      ]
    `)
    expect(report(when('isPrivateAddress(...args.a)'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error expression-disallowed «isPrivateAddress(...args.a)» spread arguments are not allowed",
      ]
    `)
    expect(report(when("ipInRange(args.a, args.b) || ipInRange(args.a, []) || ipInRange(args.a, ['10.0.0.0/33', 3])"))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-cidr «args.b» the range of \`ipInRange\` must be a CIDR string, or a list of them, written in the policy | ranges are checked when the policy compiles, e.g. \`ipInRange(h, ["10.0.0.0/8", "fd00::/8"])\`",
        "error invalid-cidr «[]» \`ipInRange\` needs at least one range",
        "error invalid-cidr «'10.0.0.0/33'» invalid CIDR \`10.0.0.0/33\` | the prefix length must be a whole number from 0 to 32",
        "error invalid-cidr «3» the range of \`ipInRange\` must be a CIDR string, or a list of them, written in the policy | ranges are checked when the policy compiles, e.g. \`ipInRange(h, ["10.0.0.0/8", "fd00::/8"])\`",
      ]
    `)
  })
  it('literals, names and operators a `when` expression refuses', () => {
    for (const w of ['args.n > 1n', 'args.a === [1,,2][0]', 'env', 'argz.a', 'zzzqqq', 'typeof args.a', 'delete args.a', 'args.a = 1', '`t${args.a}`', 'env[args.k]', 'env.nope', 'session[args.k]', 'session.id', 'args[args.k] === 1 && args[\'a\'] === 1 && args[0] === 1']) {
      expect([w, ...report(when(w)).filter(l => !l.includes('untyped-tool'))]).toMatchSnapshot()
    }
  })
  it('syntax errors: the message without acorn\'s position, underlined where the parser stopped', () => {
    const lines = (src: string): string[] => report(src).filter(l => !l.includes('untyped-tool'))
    // text after a whole expression (two spaces before it: the underline starts at the text)
    expect(lines(when('args.a === 1  args.b'))).toMatchInlineSnapshot(`
      [
        "error expression-syntax «args.b» expression syntax: unexpected text after the expression | a \`when\` holds exactly one expression; combine conditions with \`&&\` or \`||\`",
      ]
    `)
    expect(lines(when('args.a === )'))).toMatchInlineSnapshot(`
      [
        "error expression-syntax «)» expression syntax: unexpected token",
      ]
    `)
    expect(lines(when('/a(/.test(args.a)'))).toMatchInlineSnapshot(`
      [
        "error regex-syntax «a» invalid regex: /a(/: Unterminated group",
      ]
    `)
    // an error on line 11, column 13 of a block scalar: acorn's "(11:13)" is taken off the message
    const block = rules(`  - id: a\n    tool: t\n    action: deny\n    when: |\n${Array.from({ length: 10 }, () => '      args.a === 1 &&\n').join('')}      args.bbbbb === )\n`)
    expect(lines(block)).toMatchInlineSnapshot(`
      [
        "error expression-syntax «)» expression syntax: unexpected token",
      ]
    `)
  })
  it('a `when` spread over lines underlines the name it refuses, in every YAML scalar style (property)', () => {
    // before, every multi-line style underlined the scalar's start (a `|` block its first line's
    // first letter) wherever the error was
    const styles: Record<string, (lines: string[]) => string> = {
      literal: l => `|\n${l.map(x => `      ${x}\n`).join('')}`,
      folded: l => `>-\n${l.map(x => `      ${x}\n`).join('')}`,
      plain: l => `${l[0]}\n${l.slice(1).map(x => `      ${x}\n`).join('')}`,
      double: l => `"${l.join('\n      ')}"\n`,
      single: l => `'${l.join('\n\n      ')}'\n`,
    }
    fc.assert(fc.property(fc.constantFrom(...Object.keys(styles)), fc.array(fc.constantFrom('args.a === 1', 'args.bb !== 2', '(args.c ||  args.d)', 'args.e'), { minLength: 1, maxLength: 6 }), fc.nat(), fc.constantFrom('zzqq', 'qqq_1'), (style, terms, at, name) => {
      const parts = terms.map(t => `${t} &&`)
      const line = at % (parts.length + 1)
      parts.splice(line, 0, `${name}  === 1 &&`)
      parts.push('true')
      const src = rules(`  - id: a\n    tool: t\n    action: deny\n    when: ${styles[style]!(parts)}`)
      const errors = analyze(src, { filename: 'p.policy.yaml' }).diagnostics.filter(d => d.severity === 'error')
      expect(errors.map(d => `${d.code} «${src.slice(d.span.start, d.span.end)}»`)).toEqual([`expression-disallowed «${name}»`])
    }), { numRuns: 300 })
  })
  it('names and operators refused in `when`, each with its own advice or none', () => {
    const lines = (w: string, head = ''): string[] => report(rules(`  - id: a\n    tool: t\n    action: deny\n    when: "${w}"\n`, head)).filter(l => !l.includes('untyped-tool'))
    expect(['result.a === 1', 'session === 1', 'undefined === args.a', 'envv === 1', 'args.a in args', 'args.a instanceof args.b', 'args.a += 1', 'args.a++ === 1'].flatMap(w => lines(w))).toMatchInlineSnapshot(`
      [
        "error expression-disallowed «result» \`result\` is readable only in a result rule | add \`on: result\` to run the rule on the tool's output, after its handler returned",
        "error expression-disallowed «session» \`session\` must be read as \`session.labels\` | the session's labels are a string array, e.g. \`session.labels.includes('secret')\`",
        "error expression-disallowed «undefined» \`undefined\` is not a value in a \`when\` expression | to test for an absent value write \`x == null\` (true for null and absent)",
        "error expression-disallowed «envv» unknown name \`envv\` | did you mean \`env\`?",
        "error expression-disallowed «args.a in args» operator \`in\` is not allowed in a \`when\` expression | to test for a property write \`args.x != null\`",
        "error expression-disallowed «args.a instanceof args.b» operator \`instanceof\` is not allowed in a \`when\` expression",
        "error expression-disallowed «args.a += 1» assignment is not allowed in a \`when\` expression",
        "error expression-disallowed «args.a++» increment/decrement is not allowed in a \`when\` expression",
      ]
    `)
    // a diagnostic without advice carries no `help` key at all (not one holding undefined)
    const noHelp = analyze(when('args.a instanceof args.b'), { filename: 'p.policy.yaml' }).diagnostics.find(d => d.code === 'expression-disallowed')!
    expect(Object.keys(noHelp)).not.toContain('help')
  })
  it('env constants: known, unknown with and without env given', () => {
    const src = when('env.stage === 1 && env.stag === 1')
    const lines = (env?: Record<string, string>): string[] => analyze(src, { filename: 'p.policy.yaml', ...(env ? { env } : {}) }).diagnostics.filter(d => d.code !== 'untyped-tool').map(d => `${d.code} ${d.message} | ${d.help ?? ''}`)
    expect(lines()).toMatchInlineSnapshot(`
      [
        "unknown-env unknown build-time constant \`env.stage\` | pass \`env\` to the compiler (plugin option \`env\`, or \`--env\` on the CLI)",
        "unknown-env unknown build-time constant \`env.stag\` | pass \`env\` to the compiler (plugin option \`env\`, or \`--env\` on the CLI)",
      ]
    `)
    expect(lines({ stage: 'prod' })).toMatchInlineSnapshot(`
      [
        "unknown-env unknown build-time constant \`env.stag\` | did you mean \`stage\`?",
      ]
    `)
    expect(lines({})).toMatchInlineSnapshot(`
      [
        "unknown-env unknown build-time constant \`env.stage\` | known constants: none",
        "unknown-env unknown build-time constant \`env.stag\` | known constants: none",
      ]
    `)
  })
})

describe('condition values and their advice', () => {
  const cond = (c: string, head = ''): string => rules(`  - id: a\n    tool: t\n    action: deny\n    conditions: ${c}\n`, head)
  it('a numeric comparison takes a number or a string in JSON number syntax, nothing else', () => {
    const accepted = ['10', '"10"', '"-5"', '"0"', '"1.5"', '"2.50"', '"1e5"', '"1E+5"', '"-0.5e-3"']
    const refused = ['"01"', '"1."', '".5"', '"1e"', '" 5"', '"5 "', '"0x10"', '"+5"', '"1,5"', '"--1"', 'true', '"a1"', '"1a"', '"1.5.5"', '"e5"', '"1e+"']
    const one = (v: string): string => report(cond(`[ { field: args.n, operator: less_than, value: ${v} } ]`)).filter(l => !l.includes('untyped-tool')).join('\n')
    for (const v of accepted) expect(one(v), v).toBe('')
    for (const v of refused) expect(one(v), v).toBe(`error invalid-type «${v}» the value of \`less_than\` must be a number`)
  })
  it('a field path given as the value gets the rewrite that compares two fields', () => {
    expect(report(cond('[ { field: args.amount, operator: greater_than, value: context.limit }, { field: arguments.amount, operator: not_less_than_or_equal, value: context.limit }, { field: args.amount, operator: greater_than, value: context.__proto__ }, { field: args.a.*, operator: greater_than, value: context.limit }, { field: args.a, operator: greater_than, value: nothing.limit }, { field: args.a, operator: greater_than, value: context.a-b } ]'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-type «context.limit» the value of \`greater_than\` must be a number | \`value\` is a constant, not a field path; to compare two fields, write the rule with \`when: "args.amount > context.limit"\` instead of this condition",
        "error invalid-type «context.limit» the value of \`not_less_than_or_equal\` must be a number | \`value\` is a constant, not a field path; to compare two fields, write the rule with \`when: "!(args.amount <= context.limit)"\` instead of this condition",
        "error invalid-type «context.__proto__» the value of \`greater_than\` must be a number",
        "error invalid-type «context.limit» the value of \`greater_than\` must be a number",
        "error invalid-type «nothing.limit» the value of \`greater_than\` must be a number",
        "error invalid-type «context.a-b» the value of \`greater_than\` must be a number",
      ]
    `)
  })
  it('regex syntax from other languages, each with its advice', () => {
    expect(report(cond(String.raw`[ { field: args.a, operator: matches, value: '(?#note)a' }, { field: args.a, operator: matches, value: 'a(?i:b)' }, { field: args.a, operator: matches, value: 'a++' }, { field: args.a, operator: matches, value: '\A[ab]' }, { field: args.a, operator: matches, value: 'a\z' }, { field: args.a, operator: matches, value: '(?i)a' }, { field: args.a, operator: matches, value: '(?ims)a' } ]`))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error regex-unsupported «(?#» \`(?#\` is regex syntax JavaScript does not have | JavaScript regexes have no comments",
        "error regex-unsupported «(?i:» \`(?i:\` is regex syntax JavaScript does not have | scoped inline flags are not supported; put flags in a leading group such as \`(?i)\`",
        "error regex-unsupported «++» \`++\` is regex syntax JavaScript does not have | possessive quantifiers do not exist in JavaScript; rewrite without them",
        "error regex-unsupported «\\A» \`\\A\` is regex syntax JavaScript does not have | use \`^\` (without the \`m\` flag) for the start of the input",
        "error regex-unsupported «\\z» \`\\z\` is regex syntax JavaScript does not have | use \`$\` (without the \`m\` flag) for the end of the input",
      ]
    `)
  })
  it('unknown field roots, with and without a near name, in call and result rules', () => {
    expect(report(cond('[ { field: sesion.labels, operator: exists } ]')).filter(l => !l.includes('untyped-tool'))).toEqual(['error unknown-field-root «sesion.labels» unknown field root `sesion` | did you mean `session`?'])
    expect(report(cond('[ { field: zzzqqq.a, operator: exists }, { field: resul.a, operator: exists } ]'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error unknown-field-root «zzzqqq.a» unknown field root \`zzzqqq\` | a field starts with \`arguments\`, \`args\`, \`context\`, \`params\`, \`tool_name\`, \`session\` or (in result rules) \`result\`",
        "error unknown-field-root «resul.a» unknown field root \`resul\` | a field starts with \`arguments\`, \`args\`, \`context\`, \`params\`, \`tool_name\`, \`session\` or (in result rules) \`result\`",
      ]
    `)
    expect(report(rules('  - id: a\n    tool: t\n    on: result\n    action: deny\n    conditions: [ { field: resul.a, operator: exists } ]\n'))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error unknown-field-root «resul.a» unknown field root \`resul\` | did you mean \`result\`?",
      ]
    `)
  })
})

describe('method calls in `when`', () => {
  const when = (w: string): string => rules(`  - { id: r, tool: t, action: deny, when: ${JSON.stringify(w)} }\n`)
  it('arity, spread, optional calls, match without a regex, test on a non-regex', () => {
    expect(['args.s.startsWith()', 'args.s.trim(1)', 'args.s.includes(...args.x)', 'args.f?.()', "args.s.match('a')", 'args.x.test(args.s)', "args.s['trim']()", 'env.X'].flatMap(w => report(when(w)).filter(l => !l.includes('untyped-tool')))).toMatchInlineSnapshot(`
      [
        "error expression-disallowed «args.s.startsWith()» \`startsWith\` takes 1 argument, got 0",
        "error expression-disallowed «args.s.trim(1)» \`trim\` takes no arguments, got 1",
        "error expression-disallowed «args.s.includes(...args.x)» spread arguments are not allowed",
        "error expression-disallowed «args.f?.()» optional calls \`f?.()\` are not allowed in a \`when\` expression",
        "error expression-disallowed «'a'» \`match\` takes a regex literal | write the pattern as \`/.../flags\`; regexes are compiled once, at module load",
        "error expression-disallowed «args.x» \`test\` must be called on a regex literal | write \`/pattern/.test(args.x)\`",
        "error expression-disallowed «args.s['trim']» calling this function is not allowed in a \`when\` expression | allowed methods: \`match\`, \`test\`, \`startsWith\`, \`endsWith\`, \`includes\`, \`toLowerCase\`, \`toUpperCase\`, \`trim\`, \`some\`, \`every\`; functions: \`url\`, \`isPrivateAddress\`, \`ipInRange\`, \`containsSecret\`, \`containsPii\`",
        "error unknown-env «X» unknown build-time constant \`env.X\` | pass \`env\` to the compiler (plugin option \`env\`, or \`--env\` on the CLI)",
      ]
    `)
  })
  it('an unknown build-time constant with and without env', () => {
    const src = when('env.STAGE === 1')
    const line = (env?: Record<string, string>): string[] => analyze(src, { filename: 'p.policy.yaml', ...(env ? { env } : {}) }).diagnostics.filter(d => d.code === 'unknown-env').map(d => `${d.message} | ${d.help}`)
    expect([...line(), ...line({}), ...line({ STAGES: 'x', OTHER: 'y' }), ...line({ A: 'x', B: 'y' })]).toMatchInlineSnapshot(`
      [
        "unknown build-time constant \`env.STAGE\` | pass \`env\` to the compiler (plugin option \`env\`, or \`--env\` on the CLI)",
        "unknown build-time constant \`env.STAGE\` | known constants: none",
        "unknown build-time constant \`env.STAGE\` | did you mean \`STAGES\`?",
        "unknown build-time constant \`env.STAGE\` | known constants: \`A\`, \`B\`",
      ]
    `)
  })
})

describe('params and defaults', () => {
  it('a default that is not of the param type, for every type; warn and log cannot be the default', () => {
    const src = `default: warn\nparams:\n  a: { type: "string[]", default: [1] }\n  b: { type: "number[]", default: ["1"] }\n  c: { type: unknown, default: { x: 1 } }\n  d: { type: "string[]", default: [a, b] }\n  e: { type: "number[]", default: [1, 2] }\n  f: { type: string, default: 1 }\n  g: { type: "string[]", default: a }\n  h: { type: "number[]", default: 1 }\n${TOOLS}rules: []\n`
    expect(report(src)).toMatchInlineSnapshot(`
      [
        "error invalid-value «warn» \`warn\` cannot be a default | use \`allow\`, \`review\` or \`deny\`",
        "error type-mismatch «[1]» the default of param \`a\` is not a string[]",
        "error type-mismatch «["1"]» the default of param \`b\` is not a number[]",
        "error type-mismatch «1» the default of param \`f\` is not a string",
        "error type-mismatch «a» the default of param \`g\` is not a string[]",
        "error type-mismatch «1» the default of param \`h\` is not a number[]",
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
      ]
    `)
  })
})

describe('times of day', () => {
  it('"24:00" ends the day and one-digit hours read; past 24:00, a number or a word is refused', () => {
    const hours = (from: string, to: string): string => `  - { id: r${from.length}${to.length}, tool: t, action: deny, outside_hours: { from: ${from}, to: ${to}, tz: UTC } }\n`
    expect(report(rules(hours('"7:05"', '"24:00"') + hours('"24:30"', '930') + hours('"00:60"', 'noon')))).toMatchInlineSnapshot(`
      [
        "warning untyped-tool «t» tool \`t\` has no parameter schema: its arguments are neither type-checked nor validated | declare it under \`tools:\` with \`parameters:\` (a JSON Schema)",
        "error invalid-value «"24:30"» a time of day must be written \`"HH:MM"\` (24-hour) | quote it: \`"09:00"\`",
        "error invalid-value «930» a time of day must be written \`"HH:MM"\` (24-hour) | quote it: \`"09:00"\`",
        "error invalid-value «"00:60"» a time of day must be written \`"HH:MM"\` (24-hour) | quote it: \`"09:00"\`",
        "error invalid-value «noon» a time of day must be written \`"HH:MM"\` (24-hour) | quote it: \`"09:00"\`",
      ]
    `)
  })
})

describe('numbers JSON cannot hold', () => {
  it('`.inf`, `-.inf` and `.nan` are refused wherever they are written (they used to stop the emitter with an internal error)', () => {
    const src = `params:\n  p: { type: number, default: .inf }\ntools:\n  t:\n    parameters: { type: object, properties: { k: { enum: [1, -.inf] } } }\nrules:\n  - { id: r, tool: t, action: deny, conditions: [ { field: args.x, operator: equals, value: .nan } ], metadata: { a: 1e999 } }\n`
    expect(report(src)).toMatchInlineSnapshot(`
      [
        "error invalid-value «.inf» \`.inf\` is not a number a policy can hold | policy values are JSON values: write a finite number",
        "error invalid-value «-.inf» \`-.inf\` is not a number a policy can hold | policy values are JSON values: write a finite number",
        "error unknown-field «args.x» unknown field \`x\` in the arguments of \`t\` | did you mean \`k\`?",
        "error invalid-value «.nan» \`.nan\` is not a number a policy can hold | policy values are JSON values: write a finite number",
        "error invalid-value «1e999» \`1e999\` is not a number a policy can hold | policy values are JSON values: write a finite number",
      ]
    `)
  })
  it('a number spelled past the double range in a `when` literal or a comparison\'s JSON-number string (the emitter read "1e400" as false, and 1e400 stopped it)', () => {
    const src = `tools:\n  t: {}\nrules:\n  - { id: a, tool: t, action: deny, when: "args.n < 1e400 || args.n > -2e308" }\n  - { id: b, tool: t, action: deny, conditions: [ { field: args.n, operator: less_than, value: "1e400" }, { field: args.n, operator: greater_than, value: "1e300" } ] }\n`
    expect(report(src).filter(l => !l.includes('untyped-tool'))).toMatchInlineSnapshot(`
      [
        "error invalid-value «1e400» \`1e400\` is not a number a policy can hold | policy values are JSON values: write a finite number",
        "error invalid-value «2e308» \`2e308\` is not a number a policy can hold | policy values are JSON values: write a finite number",
        "error invalid-value «"1e400"» \`1e400\` is not a number a policy can hold | policy values are JSON values: write a finite number",
      ]
    `)
  })
})

describe('names, lists and labels read leniently where YAML would surprise', () => {
  it('a name written as a number or boolean is its text; other strings are not', () => {
    const one = (head: string): ReturnType<typeof analyze> => analyze(`${head}tools:\n  t: { parameters: { type: object } }\nrules: []\n`, { filename: 'p.policy.yaml' })
    expect(one('name: 42\n').policy?.name).toBe('42')
    expect(one('name: true\n').policy?.name).toBe('true')
    expect(report(`description: 42\ntools:\n  t: { parameters: { type: object } }\nrules: []\n`)).toEqual(['error invalid-type «42» policy description must be a string'])
  })
  it('one string stands for a list of one; each entry of a list must be a string', () => {
    const rules = (extra: string): string => `tools:\n  t: { parameters: { type: object } }\nrules:\n  - { id: r, tool: t, action: deny, ${extra} }\n`
    expect(analyze(rules('tags: single'), { filename: 'p.policy.yaml' }).policy?.rules[0]?.tags).toEqual(['single'])
    expect(report(rules('tags: [a, 3, [b]]'))).toEqual(['error invalid-type «3» each entry of `tags` must be a string', 'error invalid-type «[b]» each entry of `tags` must be a string'])
  })
  it('session labels: one or a list, each checked where it is written, repeats kept once', () => {
    const tool = (adds: string): string => `tools:\n  t: { parameters: { type: object }, adds: ${adds} }\nrules: []\n`
    expect(analyze(tool('[secret, pii, secret]'), { filename: 'p.policy.yaml' }).policy?.tools[0]?.adds).toEqual(['secret', 'pii'])
    expect(analyze(tool('secret'), { filename: 'p.policy.yaml' }).policy?.tools[0]?.adds).toEqual(['secret'])
    expect(report(tool('[ok, "no spaces", fine]'))).toEqual(['error invalid-label «"no spaces"» invalid session label `no spaces` | a label is 1 to 64 letters, digits, `_`, `.`, `:` or `-`'])
    expect(report(tool('"bad label"'))).toEqual(['error invalid-label «"bad label"» invalid session label `bad label` | a label is 1 to 64 letters, digits, `_`, `.`, `:` or `-`'])
  })
})

describe('the policy as a whole', () => {
  it('text or a list instead of a mapping, an empty rules key, the smallest regex_input_limit', () => {
    expect(report('just text\n')).toMatchInlineSnapshot(`
      [
        "error invalid-type «just text» the policy must be a mapping",
      ]
    `)
    expect(report('- a\n- b\n')).toMatchInlineSnapshot(`
      [
        "error invalid-type «- a
      - b
      » the policy must be a mapping",
      ]
    `)
    expect(report('tools:\n  t: { parameters: { type: object } }\nrules:\n')).toEqual([])
    expect(report('regex_input_limit: 1\ntools:\n  t: { parameters: { type: object } }\nrules: []\n')).toEqual([])
  })
  it('a tool named only by rules is declared once, with nothing to redact', async () => {
    const src = 'tools:\n  t: { parameters: { type: object } }\nrules:\n  - { id: a, tool: other, action: deny }\n  - { id: b, tool: other, action: review }\n'
    const { policy } = analyze(src, { filename: 'p.policy.yaml' })
    expect(policy?.tools.map(t => [t.name, t.redact])).toEqual([['t', []], ['other', []]])
  })
})

describe('rules with parts left out', () => {
  it('a rule without id is named by its place in messages; without action it is an error, except a result rule, which passes', () => {
    expect(report('tools:\n  t: { parameters: { type: object } }\nrules:\n  - { id: a, tool: t, action: deny }\n  - { tool: t }\n')).toMatchInlineSnapshot(`
      [
        "error missing-key «{» a rule has no \`id\` or \`name\` | give every rule an \`id\`; decisions and records name it",
        "error missing-key «{ tool: t }» rule \`rule-2\` has no \`action\` | add \`action: allow\`, \`review\` or \`deny\`",
      ]
    `)
    const { policy, diagnostics } = analyze('tools:\n  t: { parameters: { type: object } }\nrules:\n  - { id: r, tool: t, on: result, when: "true" }\n', { filename: 'p.policy.yaml' })
    expect(diagnostics.filter(d => d.severity === 'error')).toEqual([])
    expect([policy?.rules[0]?.action, policy?.rules[0]?.warn]).toEqual(['allow', false])
  })
  it('`when: true` and `when: false` are the literal, anything but text or a boolean is an error', async () => {
    const rule = (when: string): string => `tools:\n  t: { parameters: { type: object } }\nrules:\n  - { id: r, tool: t, action: deny, when: ${when} }\n`
    expect((await compileModule(rule('true'))).module.evaluate('t', {}).decision).toBe('deny')
    expect((await compileModule(rule('false'))).module.evaluate('t', {}).decision).toBe('allow')
    expect(report(rule('[x]'))).toEqual(['error invalid-type «[x]» `when` must be an expression string'])
  })
})
