/**
 * Narrowing in the type checker (compiler/check/types.ts): which guards prove a value present before
 * a call that would fail on an absent one, and which do not. Each `when` states its whole list of
 * diagnostics. A guard that narrowed too little rejects a correct rule; one that narrowed too much
 * (a falsy test, the wrong side of `||`, `!== null` for an absent value) lets a rule through that
 * fails at run time, and the checker's promise (SPEC 1.4) is that it does not.
 */
import { describe, expect, it } from 'vitest'
import { report, typedPolicy } from '../support/types-report.js'

const PROPERTIES = '{ s: { type: string }, n: { type: number }, b: { type: boolean }, arr: { type: array, items: { type: string } }, o: { type: object, properties: { k: { type: string } } }, ns: { type: [string, "null"] }, loose: { properties: { k: { type: string } } }, e: { enum: [{ a: 1 }, 2] } }'

/** The diagnostics of one `when` on tool `t` (no field required). */
const check = (when: string): string[] => report(typedPolicy(PROPERTIES, [], [when]))

const absent = (path: string, method: string): string =>
  `error possibly-undefined «${path}» \`${path}\` may be absent, and \`${method}\` on it would fail | check first (\`${path} != null && ...\`) or write \`${path}?.${method}(...)\``

describe('guards that prove a value present', () => {
  const PROVED: [string, string][] = [
    ['a truthy value, on the right of `&&`', "args.s && args.s.startsWith('a')"],
    ['a falsy value, on the right of `||`', "!args.s || args.s.startsWith('a')"],
    ['a double negation', "!(!args.s) && args.s.startsWith('a')"],
    ['`== null`, on the right of `||`', "args.s == null || args.s.startsWith('a')"],
    ['`null !=`, the literal on the left', "null != args.s && args.s.startsWith('a')"],
    ['`!= null` on a field that may also be null', "args.ns != null && args.ns.startsWith('a')"],
    ['the `then` of a `!= null` test', "args.s != null ? args.s.startsWith('a') : false"],
    ['the `else` of a `== null` test', "args.s == null ? false : args.s.startsWith('a')"],
    ['both fields of a negated `||`', "!(args.s == null || args.n == null) && args.s.startsWith('a') && args.n > 1"],
    ['a number, before unary minus', 'args.n != null && -args.n > 1'],
    ['`??` with a default', '(args.n ?? 0) * 2 > 1'],
  ]
  for (const [what, when] of PROVED) {
    it(`${what}: \`${when}\``, () => {
      expect(check(when)).toEqual([])
    })
  }
})

describe('tests that prove nothing about presence', () => {
  const UNPROVED: [string, string, string][] = [
    ['no guard at all', "args.s.startsWith('a')", absent('args.s', 'startsWith')],
    ['`!== null` leaves an absent value', "args.s !== null && args.s.startsWith('a')", absent('args.s', 'startsWith')],
    ['`!== null` on a field that may be null or absent', "args.ns !== null && args.ns.startsWith('a')", absent('args.ns', 'startsWith')],
    ['a truthy value, on the right of `||`', "args.s || args.s.startsWith('a')", absent('args.s', 'startsWith')],
    ['the `else` of a truthy test', "args.s ? false : args.s.startsWith('a')", absent('args.s', 'startsWith')],
    ['one side of an `||` that held', "(args.n > 1 || args.s != null) && args.s.startsWith('a')", absent('args.s', 'startsWith')],
    ['a field of an object that may be absent', "args.loose.k.startsWith('a')", absent('args.loose.k', 'startsWith')],
  ]
  for (const [what, when, diagnostic] of UNPROVED) {
    it(`${what}: \`${when}\``, () => {
      expect(check(when)).toEqual([diagnostic])
    })
  }
})

describe('what the messages name a value that may be the wrong type', () => {
  const NARROW_FIRST = 'narrow it first, e.g. `x != null && ...`, or give a default with `??`'
  const MESSAGES: [string, string[]][] = [
    ['-args.n > 1', [`error type-mismatch «-args.n» unary \`-\` needs a number, but \`args.n\` may be absent | ${NARROW_FIRST}`]],
    // no number in the type: nothing to narrow to, so no help
    ['-args.s > 1', ['error type-mismatch «-args.s» unary `-` needs a number, but `args.s` may be a string or absent']],
    ['!args.s', []],
    ['args.o * 2 > 1', ['error type-mismatch «args.o» `*` needs numbers, but `args.o` may be an object or absent']],
    ['args.arr * 2 > 1', ['error type-mismatch «args.arr» `*` needs numbers, but `args.arr` may be an array or absent']],
    ['args.ns * 2 > 1', ['error type-mismatch «args.ns» `*` needs numbers, but `args.ns` may be a string or null or absent']],
    ['args.b * 2 > 1', ['error type-mismatch «args.b» `*` needs numbers, but `args.b` may be a boolean or absent']],
    // an enum of an object and a number: `object` from its value, with the number to narrow to
    ['args.e * 2 > 1', [`error type-mismatch «args.e» \`*\` needs numbers, but \`args.e\` may be an object or absent | ${NARROW_FIRST}`]],
    // a schema with `properties` and no `type` is an object: its unknown fields are errors
    ['args.loose.zz == 1', ['error unknown-field «args.loose.zz» unknown field `zz` in `args.loose` | the schema has: `k`']],
  ]
  for (const [when, diagnostics] of MESSAGES) {
    it(`\`${when}\``, () => {
      expect(check(when)).toEqual(diagnostics)
    })
  }
})
