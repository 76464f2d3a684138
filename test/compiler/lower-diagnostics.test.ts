/**
 * What lowering says about a `when` expression or a condition it refuses: the exact diagnostics
 * (code, underlined text, message, help), and nothing else. One refusal must not bring a second
 * diagnostic with it, which a half-built expression handed on to the checker would. Found by
 * `npm run mutate` (compiler/lower/expr.ts and compiler/lower/conditions.ts).
 */
import { describe, expect, it } from 'vitest'
import { analyze } from '../../compiler/analyze.js'

type Seen = [code: string, underline: string, message: string, help: string | undefined]

function diagnose(src: string, env?: Record<string, string | number | boolean>): Seen[] {
  const { diagnostics } = analyze(src, { filename: 'p.policy.yaml', ...(env ? { env } : {}) })
  return diagnostics.map(d => [d.code, src.slice(d.span.start, d.span.end), d.message, d.help])
}

const TOOL = 'tools:\n  t:\n    parameters: { type: object, properties: { p: { type: string } } }\n'
const when = (w: string, env?: Record<string, string | number | boolean>): Seen[] => diagnose(`${TOOL}rules:\n  - { id: r, tool: t, action: deny, when: ${JSON.stringify(w)} }\n`, env)
const condition = (c: string): Seen[] => diagnose(`${TOOL}rules:\n  - id: r\n    tool: t\n    action: deny\n    conditions:\n      - ${c}\n`)

const METHODS = 'allowed methods: `match`, `test`, `startsWith`, `endsWith`, `includes`, `toLowerCase`, `toUpperCase`, `trim`, `some`, `every`'
const PROTO = 'reads see own properties only; prototype keys never resolve'

describe('refused reads and calls in `when`', () => {
  it('a prototype key, named or computed, is refused at the key', () => {
    expect(when('args.__proto__ == 1')).toEqual([['expression-disallowed', '__proto__', 'property `__proto__` is not allowed', PROTO]])
    expect(when('args["constructor"] == 1')).toEqual([['expression-disallowed', '\\"constructor\\"', 'property `constructor` is not allowed', PROTO]])
  })

  it('a computed key is a string or a number literal; any other literal is walked as an expression', () => {
    expect(when('args[1n] == 1')).toEqual([['expression-disallowed', '1n', 'bigint literals are not allowed in a `when` expression', undefined]])
  })

  it('a call of anything but a method or a function is refused, naming what was called', () => {
    const functions = 'functions: `url`, `isPrivateAddress`, `ipInRange`, `containsSecret`, `containsPii`'
    expect(when('foo(1)')).toEqual([['expression-disallowed', 'foo', 'calling `foo` is not allowed in a `when` expression', `${METHODS}; ${functions}`]])
    expect(when('args["a"]() == 1')).toEqual([['expression-disallowed', 'args[\\"a\\"]', 'calling this function is not allowed in a `when` expression', `${METHODS}; ${functions}`]])
  })

  it('an unknown method is refused at its name, with the near one or the list', () => {
    expect(when('args.p.startswith("a")')).toEqual([['expression-disallowed', 'startswith', 'method `startswith` is not allowed in a `when` expression', 'did you mean `startsWith`?']])
    expect(when('args.p.slice(1) == "a"')).toEqual([['expression-disallowed', 'slice', 'method `slice` is not allowed in a `when` expression', METHODS]])
  })

  it('an unknown build-time constant is one diagnostic, at its name', () => {
    expect(when('env.NOPE == 1', { A: 1 })).toEqual([['unknown-env', 'NOPE', 'unknown build-time constant `env.NOPE`', 'known constants: `A`']])
  })
})

describe('syntax errors in `when` point at the character', () => {
  it('an invalid regex literal: the message without JavaScript\'s prefix, one character underlined', () => {
    expect(when('/(/.test(args.p)')).toEqual([['regex-syntax', '(', 'invalid regex: /(/: Unterminated group', undefined]])
  })

  it('an expression that ends too soon: underlined where it ends', () => {
    expect(when('args.p ==')).toEqual([['expression-syntax', '"', 'expression syntax: unexpected token', undefined]])
  })
})

describe('a comparison with a number no policy can hold', () => {
  it('`.inf` is refused once, where it is written', () => {
    const src = 'tools:\n  t:\n    parameters: { type: object, properties: { n: { type: number } } }\nrules:\n  - { id: r, tool: t, action: deny, conditions: [ { field: arguments.n, operator: greater_than, value: .inf } ] }\n'
    expect(diagnose(src)).toEqual([['invalid-value', '.inf', '`.inf` is not a number a policy can hold', 'policy values are JSON values: write a finite number']])
  })
})

describe('a refused CIDR is the only diagnostic of its condition', () => {
  it('negated or not, a bad CIDR alone or beside a good one', () => {
    expect(condition('{ field: arguments.p, operator: not_in_cidr, value: "10.0.0.0/33" }')).toEqual([['invalid-cidr', '"10.0.0.0/33"', 'invalid CIDR `10.0.0.0/33`', 'the prefix length must be a whole number from 0 to 32']])
    expect(condition('{ field: arguments.p, operator: in_cidr, value: ["10.0.0.0/33", "10.0.0.0/8"] }')).toEqual([['invalid-cidr', '"10.0.0.0/33"', 'invalid CIDR `10.0.0.0/33`', 'the prefix length must be a whole number from 0 to 32']])
    expect(condition('{ field: arguments.p, operator: not_in_cidr, value: [{a: 1}, "10.0.0.0/8"] }')).toEqual([['invalid-cidr', '{a: 1}', 'the value of `not_in_cidr` must be a CIDR string or a list of them', 'e.g. `10.0.0.0/8` or `[10.0.0.0/8, "fd00::/8"]`']])
  })
})
