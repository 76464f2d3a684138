/**
 * The type checker (compiler/check/types.ts) on the schema forms and messages no other in-process
 * test reaches: `anyOf`/`oneOf`, `const` arrays, `additionalProperties`, narrowing by `!== null`,
 * the conditions dialect's `equals` and `in`, and the help of each `unknown-field`. Each case states
 * the whole list of diagnostics (code, underlined text, message, help), because a wrong type shows
 * up as a message that names the wrong type, a missing error or an extra one.
 */
import { describe, expect, it } from 'vitest'
import { report, typedPolicy } from '../support/types-report.js'

const policy = typedPolicy

describe('types read from a schema', () => {
  it('`anyOf` is the union of its alternatives; an empty `anyOf` constrains nothing', () => {
    // an empty list once reached `reduce` without a start value: an internal error, not "unknown"
    const src = policy('{ a: { anyOf: [{ type: string }, { type: number }] }, o: { oneOf: [{ type: string }, { type: boolean }] }, e: { anyOf: [] } }', ['a', 'o', 'e'], [
      "args.a.startsWith('x')",
      "args.o.endsWith('x')",
      "args.e.startsWith('x')",
    ])
    expect(report(src)).toEqual([
      'error type-mismatch «args.a» `startsWith` needs a string, but `args.a` may be a number | narrow it to one type first',
      'error type-mismatch «args.o» `endsWith` needs a string, but `args.o` may be a boolean | narrow it to one type first',
    ])
  })

  it('a `const` array is an array, and `+` with a value narrowed to nothing names it `never`', () => {
    // `args.n` can only be null; past `args.n != null` no value is left
    const src = policy('{ c: { const: [1, 2] }, flag: { type: boolean }, n: { type: "null" } }', ['c', 'flag', 'n'], [
      "args.c.startsWith('x')",
      'args.n != null && (args.flag + args.n) == 1',
    ])
    expect(report(src)).toEqual([
      'error type-mismatch «args.c» `startsWith` needs a string, but `args.c` (array)',
      'error type-mismatch «args.flag + args.n» `+` of `args.flag` (boolean) and `args.n` (never) can fail at run time | `+` adds two numbers or joins two strings; narrow both sides to one type first',
    ])
  })

  it('`additionalProperties` types the keys the schema does not list, as possibly absent', () => {
    const src = policy('{ m: { type: object, properties: { a: { type: string } }, additionalProperties: { type: number } }, y: { type: object, properties: { a: { type: string } }, additionalProperties: true }, z: { type: object, properties: { a: { type: string } }, additionalProperties: null } }', ['m', 'y', 'z'], [
      "args.m.extra.startsWith('x')",
      // `true`: any value, so nothing to report
      "args.y.extra.startsWith('x')",
      // `null` is not a schema: the listed properties are all there is
      'args.z.extra == 1',
    ])
    expect(report(src)).toEqual([
      'error type-mismatch «args.m.extra» `startsWith` needs a string, but `args.m.extra` (number | undefined)',
      'error unknown-field «args.z.extra» unknown field `extra` in `args.z` | the schema has: `a`',
    ])
  })

  it('a property an array does not have is absent, and `length` of the labels is a number', () => {
    const src = policy('{ arr: { type: array, items: { type: string } } }', ['arr'], [
      "args.arr.foo.startsWith('x')",
      "session.labels.length.startsWith('x')",
    ])
    expect(report(src)).toEqual([
      'error possibly-undefined «args.arr.foo» `args.arr.foo` may be absent, and `startsWith` on it would fail | check first (`args.arr.foo != null && ...`) or write `args.arr.foo?.startsWith(...)`',
      'error type-mismatch «session.labels.length» `startsWith` needs a string, but `session.labels.length` (number)',
    ])
  })
})

describe('narrowing', () => {
  it('`x !== null` drops null only, `x != null` drops null and absent', () => {
    // `sn` is required, so null is all that keeps it from being a string; `on` may also be absent
    const src = policy('{ sn: { type: [string, "null"] }, on: { type: [string, "null"] } }', ['sn'], [
      "args.sn !== null && args.sn.startsWith('x')",
      "null !== args.sn && args.sn.startsWith('x')",
      "args.on !== null && args.on.startsWith('x')",
      "args.on != null && args.on.startsWith('x')",
      "args.on == null || args.on.startsWith('x')",
    ])
    expect(report(src)).toEqual([
      'error possibly-undefined «args.on» `args.on` may be absent, and `startsWith` on it would fail | check first (`args.on != null && ...`) or write `args.on?.startsWith(...)`',
    ])
  })
})

describe('operations on a value of the wrong type', () => {
  it('`url`, `ipInRange` and arithmetic on a number that may be absent', () => {
    const src = policy('{ num: { type: number } }', [], [
      'url(args.num) != null',
      "ipInRange(args.num, '10.0.0.0/8')",
      'isPrivateAddress(args.num)',
      'args.num - 1 > 0',
    ])
    expect(report(src)).toEqual([
      'error type-mismatch «args.num» `url` of `args.num` (number | undefined) is always null | `url` parses a string',
      "error type-mismatch «ipInRange(args.num, '10.0.0.0/8')» an address range test on `args.num` (number | undefined) can never hold | address tests read a host or IP address string, such as `url(args.url)?.hostname`",
      'error type-mismatch «isPrivateAddress(args.num)» a private-address test on `args.num` (number | undefined) can never hold | address tests read a host or IP address string, such as `url(args.url)?.hostname`',
      'error type-mismatch «args.num» `-` needs numbers, but `args.num` may be absent | narrow it first, e.g. `x != null && ...`, or give a default with `??`',
    ])
  })

  it('the conditions dialect: `equals` and `in` with values the field can never hold', () => {
    const src = `tools:\n  t:\n    parameters: { type: object, properties: { num: { type: number }, s: { type: string } }, required: [num, s] }\nrules:\n  - { id: r, tool: t, action: deny, conditions: [ { field: args.num, operator: equals, value: a }, { field: args.num, operator: in, value: [a, true] }, { field: args.num, operator: not_in, value: [a] }, { field: args.num, operator: in, value: [null, a] }, { field: args.num, operator: equals, value: 1 }, { field: args.num, operator: equals, value: null }, { field: args.s, operator: in, value: [1, a] } ] }\n`
    expect(report(src)).toEqual([
      'error type-mismatch «a» `equals` compares `args.num` (number) with a string: it can never be equal | compare values of the same type',
      'error type-mismatch «[a, true]» `in` compares `args.num` (number) with a list of string and boolean: no element can be equal',
      'error type-mismatch «[a]» `not_in` compares `args.num` (number) with a list of string: no element can be equal',
    ])
  })
})

describe('unknown fields and what the help offers', () => {
  it('the declared context and params fields, or none', () => {
    const head = 'context:\n  zone: string\n  tier: number\nparams:\n  p: { type: string, default: x }\n'
    expect(report(policy('{ s: { type: string } }', ['s'], ['context.qqqqqqqq == 1', 'params.qqqqqqqq == 1'], head))).toEqual([
      'error unknown-field «context.qqqqqqqq» unknown field `qqqqqqqq` in `context` | declared fields: `zone`, `tier`',
      'error unknown-field «params.qqqqqqqq» unknown field `qqqqqqqq` in `params` | declared fields: `p`',
    ])
    expect(report(policy('{ s: { type: string } }', ['s'], ['params.qqqqqqqq == 1']))).toEqual([
      'error unknown-field «params.qqqqqqqq» unknown field `qqqqqqqq` in `params` | declared fields: none',
    ])
  })

  it('the schema\'s properties, or none', () => {
    const src = policy('{ s: { type: string }, e: { type: object, properties: {} } }', ['s', 'e'], ['args.qqqqqqqq == 1', 'args.e.zz == 1'])
    expect(report(src)).toEqual([
      'error unknown-field «args.qqqqqqqq» unknown field `qqqqqqqq` in the arguments of `t` | the schema has: `s`, `e`',
      'error unknown-field «args.e.zz» unknown field `zz` in `args.e` | the schema has: no properties',
    ])
  })
})
