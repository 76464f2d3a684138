/**
 * The build-time checks of `normalize:` against the tool's schema (compiler/check/normalize.ts):
 * a normaliser on an argument the schema cannot hold is a typo, and one on an argument the schema
 * says is never a string would never run. Every form of JSON Schema that may allow a string is
 * accepted, and every one that rules strings out is refused.
 */
import { describe, expect, it } from 'vitest'
import { analyze } from '../../compiler/analyze.js'
import { expectDiagnostic } from '../support/diagnostics.js'

/** Tool `t` with property `a` of schema `prop` (beside `url` and `n`), normalised as a path. */
const withProp = (prop: string): string => `tools:
  t:
    parameters: { type: object, properties: { a: ${prop}, url: { type: string }, n: { type: integer } } }
    normalize: { a: path }
rules: [{ id: r, tool: t, action: deny }]
`

const codes = (src: string): string[] => analyze(src, { filename: 'p.policy.yaml' }).diagnostics.map(d => d.code)

describe('`normalize:` on an argument that may be a string is accepted', () => {
  const mayBeString: [string, string][] = [
    ['a boolean schema (any value)', 'true'],
    ['`anyOf` with a string alternative', '{ anyOf: [{ type: integer }, { type: string }] }'],
    ['`oneOf` with a string alternative', '{ oneOf: [{ type: integer }, { type: string }] }'],
    ['an `enum` with a string among numbers', '{ enum: [1, "x"] }'],
    ['a string `const`', '{ const: "x" }'],
    ['a schema without `type`', '{ description: free text }'],
    ['a list of types holding `string`', '{ type: [integer, string] }'],
    ['type `string`', '{ type: string }'],
  ]
  for (const [what, prop] of mayBeString) {
    it(what, () => expect(codes(withProp(prop))).toEqual([]))
  }
})

describe('`normalize:` on an argument that is never a string is refused', () => {
  const neverString: [string, string][] = [
    ['`anyOf` without a string alternative', '{ anyOf: [{ type: integer }, { type: boolean }] }'],
    ['an `enum` of numbers (even beside `type: string`)', '{ type: string, enum: [1, 2] }'],
    ['a number `const` (even beside `type: string`)', '{ type: string, const: 1 }'],
    ['a list of types without `string`', '{ type: [integer, "null"] }'],
    ['type `integer`', '{ type: integer }'],
  ]
  for (const [what, prop] of neverString) {
    it(what, () => {
      const d = expectDiagnostic(withProp(prop), { code: 'type-mismatch', underline: 'a', message: '`normalize` of `a` works on strings, but the schema of `t` says it is never one', help: 'normalise string arguments only' })
      expect(d.severity).toBe('error')
    })
  }
})

describe('`normalize:` names an argument the schema does not have', () => {
  const naming = (arg: string, extra: string, props = '{ url: { type: string }, n: { type: integer } }'): string => `tools:
  t:
    parameters: { type: object, properties: ${props}${extra} }
    normalize: { ${arg}: path }
rules: [{ id: r, tool: t, action: deny }]
`

  it('a near miss gets a did-you-mean', () => {
    expectDiagnostic(naming('uel', ''), { code: 'unknown-field', underline: 'uel', message: '`normalize` names argument `uel`, which the schema of `t` does not have', help: 'did you mean `url`?' })
  })

  it('anything else gets the list of the schema\'s properties', () => {
    const d = expectDiagnostic(naming('zzz', ''), { code: 'unknown-field', underline: 'zzz', message: '`normalize` names argument `zzz`, which the schema of `t` does not have', help: 'the schema has: `url`, `n`' })
    expect(d.severity).toBe('error')
    expect(d.help).toBe('the schema has: `url`, `n`')
  })

  it('a schema without properties says so', () => {
    const d = expectDiagnostic(naming('zzz', '', '{}'), { code: 'unknown-field', underline: 'zzz' })
    expect(d.help).toBe('the schema has: no properties')
  })

  it('`additionalProperties: false` refuses it too', () => {
    expectDiagnostic(naming('zzz', ', additionalProperties: false'), { code: 'unknown-field', underline: 'zzz', help: 'the schema has: `url`, `n`' })
  })

  it('a schema that allows other properties may hold it: nothing to say', () => {
    expect(codes(naming('zzz', ', additionalProperties: true'))).toEqual([])
    expect(codes(naming('zzz', ', additionalProperties: { type: string }'))).toEqual([])
  })
})
