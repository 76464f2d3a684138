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

/** One test per `when`, stating its whole list of diagnostics. */
const itStates = (cases: readonly [when: string, diagnostics: string[]][]): void => {
  for (const [when, diagnostics] of cases) {
    it(`\`${when}\``, () => {
      expect(check(when)).toEqual(diagnostics)
    })
  }
}

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
  itStates(MESSAGES)
})

describe('functions, quantifiers and the members of strings and arrays', () => {
  const ADDRESS_HELP = 'address tests read a host or IP address string, such as `url(args.url)?.hostname`'
  const CASES: [string, string[]][] = [
    ['url(args.n) == null', ['error type-mismatch «args.n» `url` of `args.n` (number | undefined) is always null | `url` parses a string']],
    // a string, or a string or null: `url` may parse it
    ['url(args.s) == null && url(args.ns) == null', []],
    ["url(args.s) != null && url(args.s).hostname.startsWith('a')", []],
    ["url(args.s).hostname.startsWith('a')", [absent('url(args.s).hostname', 'startsWith')]],
    ['isPrivateAddress(args.n)', [`error type-mismatch «isPrivateAddress(args.n)» a private-address test on \`args.n\` (number | undefined) can never hold | ${ADDRESS_HELP}`]],
    ["ipInRange(args.b, '10.0.0.0/8')", [`error type-mismatch «ipInRange(args.b, '10.0.0.0/8')» an address range test on \`args.b\` (boolean | undefined) can never hold | ${ADDRESS_HELP}`]],
    // a string, or a string or null: a host it may test
    ['isPrivateAddress(args.s) || isPrivateAddress(args.ns)', []],
    ['args.n.some(x => x == 1)', ['error type-mismatch «args.n» `some` needs an array, but `args.n` (number | undefined) | on anything but an array `some` is false']],
    ['args.o.every(x => true)', ['error type-mismatch «args.o» `every` needs an array, but `args.o` (object | undefined) | on anything but an array `every` is false']],
    // the element is typed from `items`: a string, never absent
    ["args.arr.some(x => x.startsWith('a'))", []],
    ['args.arr.some(x => x * 2 > 1)', ['error type-mismatch «x» `*` needs numbers, but `x` may be a string']],
    ['args.s != null && args.arr.every(x => x.endsWith(args.s))', []],
    ['args.s.length > 1 && args.arr.length > 1', []],
    // an index may be past the end
    ["args.arr != null && args.arr[0].startsWith('a')", ["error possibly-undefined «args.arr[0]» `args.arr.0` may be absent, and `startsWith` on it would fail | check first (`args.arr.0 != null && ...`) or write `args.arr.0?.startsWith(...)`"]],
    // an element is typed from `items`, and may be absent
    ['args.arr != null && args.arr[0] * 2 > 1', ['error type-mismatch «args.arr[0]» `*` needs numbers, but `args.arr.0` may be a string or absent']],
    // `.hostname` of a string is its URL part (absent when the string is not a URL); of an object, a field it must have
    ["args.s != null && args.s.hostname == 'a'", []],
    ["args.s != null && args.s.hostname.startsWith('a')", [absent('args.s.hostname', 'startsWith')]],
    ["args.o != null && args.o.hostname == 'a'", ['error unknown-field «args.o.hostname» unknown field `hostname` in `args.o` | the schema has: `k`']],
  ]
  itStates(CASES)
})

describe('comparisons that can never hold', () => {
  const SAME_TYPE = 'compare values of the same type'
  const ORDERED = '`<`, `<=`, `>`, `>=` compare two numbers or two strings'
  const CASES: [string, string[]][] = [
    ["args.n == 'a'", [`error type-mismatch «args.n == 'a'» comparison of \`args.n\` (number | undefined) with a string is always false | ${SAME_TYPE}`]],
    ["args.n != 'a'", [`error type-mismatch «args.n != 'a'» comparison of \`args.n\` (number | undefined) with a string is always true | ${SAME_TYPE}`]],
    ["args.n > 'a'", [`error type-mismatch «args.n > 'a'» comparison of \`args.n\` (number | undefined) with a string is always false | ${ORDERED}`]],
    ['args.b > 1', [`error type-mismatch «args.b > 1» comparison of \`args.b\` (boolean | undefined) with a number is always false | ${ORDERED}`]],
    ['args.s > 1', [`error type-mismatch «args.s > 1» comparison of \`args.s\` (string | undefined) with a number is always false | ${ORDERED}`]],
    // two strings, or two numbers: ordered comparisons that may hold
    ["args.ns > 'a' && args.n >= 2 && args.s < 'z'", []],
  ]
  itStates(CASES)
})

describe('a URL part in the conditions dialect', () => {
  it('of a string is a string or absent; of an object, a field it must have', () => {
    const rules = [
      '{ field: args.s.hostname, operator: equals, value: 5 }',
      '{ field: args.o.hostname, operator: equals, value: 5 }',
      '{ field: args.s.hostname, operator: equals, value: a }',
    ].map((c, i) => `  - { id: r${i}, tool: t, action: deny, conditions: [${c}] }\n`).join('')
    const src = `tools:\n  t:\n    parameters:\n      type: object\n      properties: ${PROPERTIES}\nrules:\n${rules}`
    expect(report(src)).toEqual([
      'error type-mismatch «5» `equals` compares a string | undefined with a number: it can never be equal | compare values of the same type',
      'error unknown-field «args.o.hostname» unknown field `hostname` in `args.o` | the schema has: `k`',
    ])
  })
})
