/**
 * Argument validators (compiler/emit/validate.ts): the schema diagnostics the emitter gives, and the
 * fast checks in front of Ajv, which may only accept what Ajv accepts (a schema outside their subset
 * goes to Ajv alone). Each call here is one a wrong fast check or subset test would decide otherwise.
 * Found by `npm run mutate`.
 */
import { describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'
import { importCode } from '../support/compiled.js'

type Module = { evaluate: (tool: string, args: unknown) => { decision: string; reason?: string } }

const errorsOf = (src: string): [string, string, string | undefined][] =>
  compile(src, { filename: 'v.policy.yaml' }).diagnostics.filter(d => d.severity === 'error').map(d => [d.code, d.message, d.help])

async function load(tools: string): Promise<Module> {
  const out = compile(`tools:\n${tools}rules:\n  - { id: r, action: review, when: "true" }\n`, { filename: 'v.policy.yaml' })
  expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
  return importCode(out.code) as never
}

const verdict = (m: Module, tool: string, args: unknown): string => {
  const d = m.evaluate(tool, args)
  return d.reason?.startsWith('invalid arguments') ? 'invalid' : d.decision
}

describe('schema diagnostics', () => {
  it('a schema with a `__proto__` key', () => {
    expect(errorsOf('tools:\n  t:\n    parameters: { type: object, properties: { __proto__: { type: string } } }\n')).toEqual([
      ['schema-unsupported', 'the schema of tool `t` uses the key `__proto__`', 'rename the property; `__proto__` cannot be a reliable argument name'],
    ])
  })
  it('a schema its meta-schema refuses, as the only typed tool', () => {
    expect(errorsOf('tools:\n  t:\n    parameters: { type: 5 }\n  u: {}\n')).toEqual([
      ['schema-invalid', 'the schema of tool `t` is not a valid JSON Schema: schema is invalid: data/type must be equal to one of the allowed values, data/type must be array, data/type must match a schema in anyOf', undefined],
    ])
  })
  it('a schema whose validator needs an Ajv helper the module cannot carry', () => {
    expect(errorsOf('tools:\n  t:\n    parameters: { type: object, $async: true }\n  u:\n    parameters: { type: object }\n')).toEqual([
      ['schema-unsupported', 'a tool schema needs validator support that compiled modules cannot carry (`ajv/dist/runtime/validation_error`)', 'remove the `format`/keyword that needs it, or validate that argument in a rule'],
    ])
  })
})

describe('what a fast check leaves to Ajv', () => {
  it('`additionalProperties: false` (the fast check does not look for other keys)', async () => {
    const m = await load('  t:\n    parameters: { type: object, properties: { a: { type: string } }, required: [a], additionalProperties: false }\n  u:\n    parameters: { type: object, properties: { a: { type: string } }, required: [a], additionalProperties: true }\n')
    expect(verdict(m, 't', { a: 'x' })).toBe('review')
    expect(verdict(m, 't', { a: 'x', b: 1 })).toBe('invalid')
    expect(verdict(m, 'u', { a: 'x', b: 1 })).toBe('review')
    expect(verdict(m, 'u', { b: 1 })).toBe('invalid')
  })
  it('a top-level type other than `object`, and a keyword the fast check does not know even when its value is "object"', async () => {
    const m = await load('  t:\n    parameters: { type: string }\n  u:\n    parameters: { type: object, const: object }\n  w:\n    parameters: { type: object, properties: { a: { type: string } } }\n')
    expect(verdict(m, 't', {})).toBe('invalid')
    expect(verdict(m, 'u', {})).toBe('invalid')
    expect(verdict(m, 'w', {})).toBe('review')
  })
  it('annotations and `additionalProperties: true` keep the fast check; any other keyword leaves the call to Ajv alone', () => {
    const check = (schema: string): boolean => {
      const out = compile(`tools:\n  t:\n    parameters: ${schema}\nrules:\n  - { id: r, tool: t, action: deny, when: "args.a === 'x'" }\n`, { filename: 'v.policy.yaml' })
      return /if \(!\(\(\(typeof arg\d+ === "string"\)\)\) && !v\d+\(a\)\)/.test(out.code)
    }
    expect(check('{ type: object, description: x, title: y, $comment: z, examples: [{}], default: {}, additionalProperties: true, properties: { a: { type: string, description: d } }, required: [a] }')).toBe(true)
    expect(check('{ type: object, properties: { a: { type: string } }, required: [a] }')).toBe(true)
    expect(check('{ type: object, minProperties: 1, properties: { a: { type: string } }, required: [a] }')).toBe(false)
    expect(check('{ type: object, properties: { a: { type: string, minLength: 1 } }, required: [a] }')).toBe(false)
  })
  it('object-valued keywords (additionalProperties, not, patternProperties), a property schema `false` and a property of type object are Ajv\'s to judge', async () => {
    const m = await load([
      '  extra:\n    parameters: { type: object, properties: { a: { type: string } }, required: [a], additionalProperties: { type: string } }\n',
      '  negated:\n    parameters: { type: object, properties: { a: { type: string } }, required: [a], not: { required: [x] } }\n',
      '  never:\n    parameters: { type: object, properties: { a: { type: string }, b: false }, required: [a] }\n',
      '  nested:\n    parameters: { type: object, properties: { o: { type: object } }, required: [o] }\n',
      '  pattern:\n    parameters: { type: object, properties: { a: { type: string } }, required: [a], patternProperties: { "^x": { type: string } } }\n',
    ].join(''))
    expect(verdict(m, 'extra', { a: 'x', more: 'y' })).toBe('review')
    expect(verdict(m, 'extra', { a: 'x', more: 5 })).toBe('invalid')
    expect(verdict(m, 'negated', { a: 'x' })).toBe('review')
    expect(verdict(m, 'negated', { a: 'x', x: 1 })).toBe('invalid')
    expect(verdict(m, 'never', { a: 'x' })).toBe('review')
    expect(verdict(m, 'never', { a: 'x', b: 1 })).toBe('invalid')
    expect(verdict(m, 'nested', { o: {} })).toBe('review')
    for (const o of [null, [], 'x']) expect(verdict(m, 'nested', { o }), JSON.stringify(o)).toBe('invalid')
    expect(verdict(m, 'pattern', { a: 'x', xa: 'y' })).toBe('review')
    expect(verdict(m, 'pattern', { a: 'x', xa: 5 })).toBe('invalid')
  })
  it('a type list is not an enum of the type names', async () => {
    const m = await load('  t:\n    parameters: { type: object, properties: { k: { type: [integer, boolean] } }, required: [k] }\n')
    expect(verdict(m, 't', { k: 'integer' })).toBe('invalid')
    expect(verdict(m, 't', { k: 2 })).toBe('review')
    expect(verdict(m, 't', { k: true })).toBe('review')
  })
  it('an enum of scalars is compared member by member', () => {
    const out = compile('tools:\n  t:\n    parameters: { type: object, properties: { k: { enum: [a, 2] } }, required: [k] }\n', { filename: 'v.policy.yaml' })
    expect(out.code).toContain('(arg0 === "a" || arg0 === 2)')
  })
})

describe('one validator per schema', () => {
  it('tools with the same schema share one validator; a different schema has its own', async () => {
    const same = '    parameters: { type: object, properties: { a: { type: string, minLength: 2 } }, required: [a] }\n'
    const src = `tools:\n  t:\n${same}  u:\n${same}  w:\n    parameters: { type: object, properties: { a: { type: integer } }, required: [a] }\nrules:\n  - { id: r, action: review, when: "true" }\n`
    const out = compile(src, { filename: 'v.policy.yaml' })
    // Ajv's (for `minLength`) is a scoped function expression, a flat schema's a plain function
    expect(out.code.match(/const v\d+ = \(function|function v\d+\(a\)/g)).toHaveLength(2)
    const m = (await importCode(out.code)) as never as Module
    for (const tool of ['t', 'u']) {
      expect(verdict(m, tool, { a: 'xy' })).toBe('review')
      expect(verdict(m, tool, { a: 'x' })).toBe('invalid')
    }
    expect(verdict(m, 'w', { a: 1 })).toBe('review')
    expect(verdict(m, 'w', { a: 'xy' })).toBe('invalid')
  })
})

describe('the fast check of a tool with `normalize:` (its own `vf` function)', () => {
  const TOOLS = '  t:\n    normalize: { p: path }\n    parameters: { type: object, properties: { p: { type: string }, n: { type: integer }, o: {} }, required: [p, q] }\n  e:\n    normalize: { p: path }\n    parameters: { type: object }\n'
  it('required keys with and without a type, optional keys with and without one', async () => {
    const m = await load(TOOLS)
    expect(verdict(m, 't', { p: '/a', q: null })).toBe('review')
    expect(verdict(m, 't', { p: '/a', q: 1, n: 3, o: [] })).toBe('review')
    expect(verdict(m, 't', { p: '/a', q: 1, n: 'x' })).toBe('invalid')
    expect(verdict(m, 't', { p: '/a', q: 1, n: 1.5 })).toBe('invalid')
    expect(verdict(m, 't', { p: '/a' })).toBe('invalid')
    expect(verdict(m, 't', { p: 1, q: 1 })).toBe('invalid')
    expect(verdict(m, 'e', {})).toBe('review')
    expect(verdict(m, 'e', [])).toBe('deny')
  })
  it('a schema that asks nothing of any key accepts at once, without Ajv', () => {
    const out = compile(`tools:\n${TOOLS}`, { filename: 'v.policy.yaml' })
    expect(out.code).toMatch(/function vf1\(a\) \{ let v; return true; \}/)
  })
})
