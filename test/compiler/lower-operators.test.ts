/**
 * The lowering of every condition operator (SPEC 4.4), `not_` forms included: the IR each one
 * becomes, and what the emitted module then decides. A dropped negation, a swapped operator or a
 * lost value shows up as a changed line here.
 */
import { describe, expect, it } from 'vitest'
import { analyze } from '../../compiler/analyze.js'
import { stripSpans } from '../../compiler/ir-util.js'
import { compileModule } from '../support/compiled.js'

const VALUES: Record<string, string> = {
  equals: 'x', contains: 'x', starts_with: '/etc', ends_with: '.key', matches: "'^a+$'", greater_than: '10', greater_than_or_equal: '10',
  less_than: '10', less_than_or_equal: '10', in: '[a, 2]', exists: 'true', in_cidr: '[10.0.0.0/8, "fd00::/8"]', private_address: 'null',
  contains_secret: 'true', contains_pii: 'null',
}

/** The condition of a one-rule policy, lowered, spans removed, as one JSON line. */
function lowered(operator: string, value: string | undefined, field = 'args.a'): string {
  const src = `tools:\n  t: {}\nrules:\n  - id: r\n    tool: t\n    action: deny\n    conditions: [ { field: ${field}, operator: ${operator}${value === undefined ? '' : `, value: ${value}`} } ]\n`
  const { policy, diagnostics } = analyze(src, { filename: 'p.policy.yaml' })
  const errors = diagnostics.filter(d => d.severity === 'error')
  if (errors.length > 0) return `errors: ${errors.map(e => e.message).join('; ')}`
  return JSON.stringify(stripSpans(policy!.rules[0]!.condition))
}

describe('each operator lowers to its IR', () => {
  it('plain and not_ forms', () => {
    const lines = Object.entries(VALUES).flatMap(([op, v]) => [`${op}: ${lowered(op, v)}`, `not_${op}: ${lowered(`not_${op}`, v)}`])
    expect(lines).toMatchInlineSnapshot(`
      [
        "equals: {"kind":"op","op":"equals","negate":false,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":"x"}}",
        "not_equals: {"kind":"op","op":"equals","negate":true,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":"x"}}",
        "contains: {"kind":"op","op":"contains","negate":false,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":"x"}}",
        "not_contains: {"kind":"op","op":"contains","negate":true,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":"x"}}",
        "starts_with: {"kind":"op","op":"starts_with","negate":false,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":"/etc"}}",
        "not_starts_with: {"kind":"op","op":"starts_with","negate":true,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":"/etc"}}",
        "ends_with: {"kind":"op","op":"ends_with","negate":false,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":".key"}}",
        "not_ends_with: {"kind":"op","op":"ends_with","negate":true,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":".key"}}",
        "matches: {"kind":"op","op":"matches","negate":false,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"regex","source":"^a+$","flags":""}}",
        "not_matches: {"kind":"op","op":"matches","negate":true,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"regex","source":"^a+$","flags":""}}",
        "greater_than: {"kind":"op","op":"greater_than","negate":false,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":10}}",
        "not_greater_than: {"kind":"op","op":"greater_than","negate":true,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":10}}",
        "greater_than_or_equal: {"kind":"op","op":"greater_than_or_equal","negate":false,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":10}}",
        "not_greater_than_or_equal: {"kind":"op","op":"greater_than_or_equal","negate":true,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":10}}",
        "less_than: {"kind":"op","op":"less_than","negate":false,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":10}}",
        "not_less_than: {"kind":"op","op":"less_than","negate":true,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":10}}",
        "less_than_or_equal: {"kind":"op","op":"less_than_or_equal","negate":false,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":10}}",
        "not_less_than_or_equal: {"kind":"op","op":"less_than_or_equal","negate":true,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"lit","value":10}}",
        "in: {"kind":"op","op":"in","negate":false,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"array","items":[{"kind":"lit","value":"a"},{"kind":"lit","value":2}]}}",
        "not_in: {"kind":"op","op":"in","negate":true,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":{"kind":"array","items":[{"kind":"lit","value":"a"},{"kind":"lit","value":2}]}}",
        "exists: {"kind":"op","op":"exists","negate":false,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":null}",
        "not_exists: {"kind":"op","op":"exists","negate":true,"subject":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"value":null}",
        "in_cidr: {"kind":"inCidr","arg":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"cidrs":["10.0.0.0/8","fd00::/8"]}",
        "not_in_cidr: {"kind":"unary","op":"!","arg":{"kind":"inCidr","arg":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true},"cidrs":["10.0.0.0/8","fd00::/8"]}}",
        "private_address: {"kind":"privateAddress","arg":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true}}",
        "not_private_address: {"kind":"unary","op":"!","arg":{"kind":"privateAddress","arg":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true}}}",
        "contains_secret: {"kind":"detect","detector":"secret","arg":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true}}",
        "not_contains_secret: {"kind":"unary","op":"!","arg":{"kind":"detect","detector":"secret","arg":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true}}}",
        "contains_pii: {"kind":"detect","detector":"pii","arg":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true}}",
        "not_contains_pii: {"kind":"unary","op":"!","arg":{"kind":"detect","detector":"pii","arg":{"kind":"member","object":{"kind":"root","name":"args"},"key":"a","optional":true}}}",
      ]
    `)
  })
  it('operators without a value take `true` or `null` in its place, and nothing else', () => {
    for (const op of ['exists', 'not_exists', 'private_address', 'not_private_address', 'contains_secret', 'not_contains_pii']) {
      expect(lowered(op, undefined), op).toBe(lowered(op, 'true'))
      expect(lowered(op, 'null'), op).toBe(lowered(op, 'true'))
      expect(lowered(op, 'false'), op).toBe(`errors: \`${op}\` takes no \`value\``)
      expect(lowered(op, '[true]'), op).toBe(`errors: \`${op}\` takes no \`value\``)
    }
  })
  it('leading Python flag groups become sorted JavaScript flags, once each', () => {
    expect(lowered('matches', "'(?si)a'")).toContain('"source":"a","flags":"is"')
    expect(lowered('matches', "'(?mim)^a'")).toContain('"source":"^a","flags":"im"')
    expect(lowered('matches', "'(?x)a'")).toBe('errors: inline flag `x` has no JavaScript equivalent')
  })
  it('a field with `*` segments and a URL part', () => {
    expect(lowered('not_equals', 'x', 'args.items.*.url.hostname')).toMatchInlineSnapshot(`"{"kind":"quantifier","quantifier":"some","array":{"kind":"member","object":{"kind":"root","name":"args"},"key":"items","optional":true},"param":"args.items.*","body":{"kind":"op","op":"equals","negate":true,"subject":{"kind":"urlPart","object":{"kind":"member","object":{"kind":"var","name":"args.items.*"},"key":"url","optional":true},"part":"hostname"},"value":{"kind":"lit","value":"x"}}}"`)
    expect(lowered('in_cidr', '10.0.0.0/8', 'args.hosts.*')).toMatchInlineSnapshot(`"{"kind":"quantifier","quantifier":"some","array":{"kind":"member","object":{"kind":"root","name":"args"},"key":"hosts","optional":true},"param":"args.hosts.*","body":{"kind":"inCidr","arg":{"kind":"var","name":"args.hosts.*"},"cidrs":["10.0.0.0/8"]}}"`)
  })
})

describe('negated address and detector operators decide the opposite of the plain ones', () => {
  const rule = (op: string, value = ''): string => `  - id: ${op}\n    tool: ${op}\n    action: deny\n    conditions: [ { field: args.a, operator: ${op}${value} } ]\n`
  const ops = ['private_address', 'not_private_address', 'in_cidr', 'not_in_cidr', 'contains_secret', 'not_contains_secret', 'contains_pii', 'not_contains_pii']
  const src = `tools:\n${ops.map(o => `  ${o}: {}\n`).join('')}rules:\n${ops.map(o => rule(o, o.endsWith('in_cidr') ? ', value: 10.0.0.0/8' : '')).join('')}`
  const cases: [string, string, boolean][] = [
    ['private_address', '127.0.0.1', true], ['private_address', '8.8.8.8', false],
    ['in_cidr', '10.1.2.3', true], ['in_cidr', '11.1.2.3', false],
    ['contains_secret', 'AKIAABCDEFGHIJKLMNOP', true], ['contains_secret', 'hello', false],
    ['contains_pii', 'mail ana@example.com', true], ['contains_pii', 'hello', false],
  ]
  for (const [op, a, matches] of cases) {
    it(`${op} and not_${op} on ${a}`, async () => {
      const { module } = await compileModule(src)
      expect(module.evaluate(op, { a }).decision).toBe(matches ? 'deny' : 'allow')
      expect(module.evaluate(`not_${op}`, { a }).decision).toBe(matches ? 'allow' : 'deny')
    })
  }
})

describe('a call in `when` short-circuits only after an optional link of its own chain', () => {
  // `args.a.trim()` with `a` absent is an evaluation error (fail mode: deny, saying why) wherever it
  // stands: as an array item, an operand, a branch, in parentheses, a computed key, an argument, the
  // receiver of an optional read. Only `args.a?.trim()` may give undefined.
  const TRIM = /^evaluation error: `trim` needs a string, got undefined$/
  const cases: [string, Record<string, unknown>][] = [
    ["args.a.trim().startsWith('x')", {}],
    ["[args.a.trim()].includes('x')", {}],
    ["args.a.trim() === 'x'", {}],
    ["'x' === args.a.trim()", {}],
    ["(args.a.trim() || 'y') === 'x'", {}],
    ["('y' && args.a.trim()) === 'x'", {}],
    ["(args.a.trim()) === 'x'", {}],
    ["!args.a.trim()", {}],
    ["(args.a.trim() ? 'p' : 'q') === 'p'", {}],
    ["(args.b ? args.a.trim() : 'q') === 'p'", { b: true }],
    ["(args.b ? 'q' : args.a.trim()) === 'p'", { b: false }],
    ["args.a.trim()?.length === 1", {}],
    ["args.m[args.a.trim()] === 1", { m: {} }],
    ["args.s.startsWith(args.a.trim())", { s: 'x' }],
    ['containsSecret(args.a.trim())', {}],
  ]
  it.each(cases)('%s', async (when, args) => {
    const { module } = await compileModule(`tools:\n  t: {}\nrules:\n  - id: r\n    tool: t\n    action: allow\n    when: ${JSON.stringify(when)}\n`)
    expect(module.evaluate('t', args, {})).toMatchObject({ decision: 'deny', reason: expect.stringMatching(TRIM) })
  })
  it('while after an optional link the same call gives undefined', async () => {
    const { module } = await compileModule(`tools:\n  t: {}\nrules:\n  - id: r\n    tool: t\n    action: deny\n    when: "args.a?.trim() == null && args.a?.b.trim() == null"\n`)
    expect(module.evaluate('t', {}, {})).toMatchObject({ decision: 'deny', rule: 'r' })
  })
})

describe('env and session read with a computed key written as a string', () => {
  it("`env['stage']` is the build-time constant and `session['labels']` the labels; any other key form is refused", async () => {
    const one = (when: string): string => `tools:\n  t: {}\nrules:\n  - id: r\n    tool: t\n    action: deny\n    when: ${JSON.stringify(when)}\n`
    const { module: staged } = await compileModule(one("env['stage'] === 'prod'"), 'e.policy.yaml', { stage: 'prod' })
    expect(staged.evaluate('t', {}).decision).toBe('deny')
    const { module: unstaged } = await compileModule(one("env['stage'] === 'prod'"), 'e.policy.yaml', { stage: 'dev' })
    expect(unstaged.evaluate('t', {}).decision).toBe('allow')
    const { module: labelled } = await compileModule(one("session['labels'].includes('secret')"))
    expect(labelled.evaluate('t', {}, {}, { session: { id: 's', labels: ['secret'] } }).decision).toBe('deny')
    expect(labelled.evaluate('t', {}, {}, { session: { id: 's', labels: [] } }).decision).toBe('allow')
    const refused = (when: string): string[] => analyze(one(when), { filename: 'e.policy.yaml', env: { stage: 'prod' } }).diagnostics.filter(d => d.severity === 'error').map(d => d.message)
    expect(refused('env[1] === 1')).toEqual(['`env` must be read with a fixed property name'])
    expect(refused("session[1].includes('x')")).toEqual(['`session` must be read with a fixed property name'])
  })
})

describe('a field path ending in a URL part', () => {
  it('reads that part of a URL argument; right after the root it is an argument of that name', async () => {
    const cond = (field: string): string => `tools:\n  t: {}\nrules:\n  - id: r\n    tool: t\n    action: deny\n    conditions: [ { field: ${field}, operator: equals, value: evil.example } ]\n`
    const { module: part } = await compileModule(cond('args.url.hostname'))
    expect(part.evaluate('t', { url: 'https://evil.example/x' }).decision).toBe('deny')
    expect(part.evaluate('t', { url: 'https://good.example/evil.example' }).decision).toBe('allow')
    const { module: argument } = await compileModule(cond('args.hostname'))
    expect(argument.evaluate('t', { hostname: 'evil.example' }).decision).toBe('deny')
    const { module: nested } = await compileModule(cond('args.hostname.x'))
    expect(nested.evaluate('t', { hostname: { x: 'evil.example' } }).decision).toBe('deny')
  })
})

describe('ipInRange ranges', () => {
  it('a parenthesised range is read like a bare one; holes and non-strings in the list are refused where they stand', async () => {
    const one = (when: string): string => `tools:\n  t: {}\nrules:\n  - id: r\n    tool: t\n    action: deny\n    when: ${JSON.stringify(when)}\n`
    const { module } = await compileModule(one('ipInRange(args.h, ("10.0.0.0/8"))'))
    expect([module.evaluate('t', { h: '10.1.2.3' }).decision, module.evaluate('t', { h: '11.1.2.3' }).decision]).toEqual(['deny', 'allow'])
    const errors = (when: string): string[] => analyze(one(when), { filename: 'p.policy.yaml' }).diagnostics.filter(d => d.severity === 'error').map(d => `${d.code} ${one(when).slice(d.span.start, d.span.end)}`)
    expect(errors("ipInRange(args.h, [, '10.0.0.0/8'])")).toEqual(["invalid-cidr [, '10.0.0.0/8']"])
    expect(errors("ipInRange(args.h, ['10.0.0.0/8', 3])")).toEqual(['invalid-cidr 3'])
    expect(errors("ipInRange(args.h, ['10.0.0.0/8', '10.0.0.0/33'])")).toEqual(["invalid-cidr '10.0.0.0/33'"])
  })
})
