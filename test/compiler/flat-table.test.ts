/**
 * The written validator of a flat schema and the argument locals the rules read after it
 * (compiler/emit/validate.ts, compiler/emit/reads.ts), against Ajv's validator with the general
 * reads, value by value. The property test (test/property/flat-validators.test.ts) draws schemas at
 * random; this table walks every primitive type, required and optional, with and without an enum, and
 * every value the property test draws, in one schema, so each branch is decided by a fixed case that
 * does not depend on how many runs the property test gets (`npm run mutate` runs a fifth of them).
 */
import { describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'
import type { CompiledPolicy } from '../../src/types.js'
import { compileModule } from '../support/compiled.js'

const PROPERTIES = {
  s: { type: 'string' },
  n: { type: 'number' },
  i: { type: 'integer' },
  b: { type: 'boolean' },
  z: { type: 'null' },
  e: { enum: ['p', 1, null, true] },
  ti: { type: 'integer', enum: [1, 2, 3] },
  free: { description: 'any value' },
  'x/y~': { type: 'string' },
  "it's": { type: 'number' },
  o: { type: 'string', description: 'optional, read by a rule' },
  d: { description: 'optional, no test of its own' },
}
const REQUIRED = ['s', 'i', 'z', 'free', 'x/y~', 'ti', 'r']
/** Every rule reads a property, in both dialects, so a wrong local or a wrong type test shows as a decision. */
const RULES = [
  '{ id: s_prefix, tool: t, action: deny, when: "args.s.startsWith(\\"bad\\")" }',
  '{ id: n_big, tool: t, action: deny, when: "args.n > 5" }',
  '{ id: i_three, tool: t, action: review, when: "args.i == 3" }',
  '{ id: b_true, tool: t, action: deny, when: "args.b == true" }',
  '{ id: xy_bang, tool: t, action: deny, when: "args[\\"x/y~\\"].endsWith(\\"!\\")" }',
  '{ id: its_negative, tool: t, action: review, when: "args[\\"it\'s\\"] < 0" }',
  '{ id: o_set, tool: t, action: review, when: "args.o != null && args.o.includes(\\"x\\")" }',
  '{ id: ti_over, tool: t, action: deny, conditions: [ { field: args.ti, operator: greater_than, value: 2 } ] }',
  '{ id: e_p, tool: t, action: review, conditions: [ { field: args.e, operator: equals, value: p } ] }',
  '{ id: d_five, tool: t, action: review, when: "args.d == 5" }',
  '{ id: o_chained, tool: t, action: deny, when: "args.o?.endsWith(\\"z\\") == true" }',
]
const VALUES: unknown[] = ['p', '', 'x', 'bad', 'x!', 'z', 1, 2, 3, 5, 6, 2.5, -0, 0, -1, NaN, Infinity, -Infinity, 2 ** 53, 1e21, true, false, null, undefined, {}, [], [1], { p: 1 }]
/** `r` is required but has no schema of its own: any value, but present */
const BASE: Record<string, unknown> = { s: 'ok', i: 1, z: null, free: {}, 'x/y~': 'a', ti: 1, r: 0 }

async function moduleOf(schema: object): Promise<CompiledPolicy> {
  // `tn` has the same schema and a `normalize:`, so it calls the schema's fast check function (`vf<n>`) instead of inlining it
  const source = `tools:\n  t:\n    parameters: ${JSON.stringify(schema)}\n  tn:\n    parameters: ${JSON.stringify(schema)}\n    normalize: { o: text }\nrules:\n${RULES.map(r => `  - ${r.replace('tool: t,', 'tools: [t, tn],')}\n`).join('')}`
  return (await compileModule(source, 'flat-table.policy.yaml')).module
}

/** The schema as the only tool's parameters, with no rules. */
const compileSchema = (schema: object): ReturnType<typeof compile> => compile(`tools:\n  t:\n    parameters: ${JSON.stringify(schema)}\nrules: []\n`, { filename: 'f.policy.yaml' })

/**
 * Compiled inside each test, not in `beforeAll`: `npm run mutate` counts the compiler code a test
 * reaches only while the test runs (what runs outside one is static to Stryker, and ignored).
 */
async function modules(): Promise<{ written: CompiledPolicy; ajv: CompiledPolicy }> {
  const schema = { type: 'object', properties: PROPERTIES, required: REQUIRED }
  // `minProperties: 0` changes nothing Ajv decides but takes the schema out of the flat subset
  return { written: await moduleOf(schema), ajv: await moduleOf({ ...schema, minProperties: 0 }) }
}

describe('a flat schema, property by property and value by value', () => {
  it('the written module is the flat one and the other Ajv\'s', () => {
    const code = (schema: object): string => compileSchema(schema).code
    expect(code({ type: 'object', properties: PROPERTIES, required: REQUIRED })).not.toContain('instancePath=""')
    expect(code({ type: 'object', properties: PROPERTIES, required: REQUIRED, minProperties: 0 })).toContain('instancePath=""')
  })

  it('decides and explains every value of every property, present or missing, as Ajv\'s validator with general reads does', async () => {
    const { written, ajv } = await modules()
    const seen = new Set<string>()
    for (const key of [...Object.keys(PROPERTIES), 'r', 'extra']) {
      for (const value of [...VALUES, 'absent']) {
        const args = { ...BASE }
        if (value === 'absent') delete args[key]
        else args[key] = value
        for (const tool of ['t', 'tn']) {
          const got = written.evaluate(tool, args)
          expect(got, `${tool} ${key}: ${String(value)}`).toEqual(ajv.evaluate(tool, args))
          seen.add(`${got.decision} ${got.rule ?? got.reason ?? ''}`.slice(0, 40))
        }
      }
    }
    // the table reaches every rule and refusals of several kinds, not one answer for all
    for (const rule of ['s_prefix', 'n_big', 'i_three', 'b_true', 'xy_bang', 'its_negative', 'o_set', 'ti_over', 'e_p', 'd_five', 'o_chained']) {
      expect([...seen].some(s => s.includes(rule)), rule).toBe(true)
    }
    expect([...seen].filter(s => s.startsWith('deny') && !/ (s_prefix|n_big|b_true|xy_bang|ti_over)$/.test(s)).length).toBeGreaterThan(5)
  })

  it('a valid call with every property set is allowed by both', async () => {
    const { written, ajv } = await modules()
    const args = { ...BASE, n: 1, b: false, e: 1, "it's": 1, o: 'y' }
    expect(written.evaluate('t', args).decision).toBe('allow')
    expect(ajv.evaluate('t', args).decision).toBe('allow')
  })

  it('a valid call reads each argument once: the fast check accepts it, and the rules read what it read', async () => {
    const { written, ajv } = await modules()
    // counting getters: a fast check that wrongly says no hands the call to the full validator, which
    // reads every argument again (Ajv's module, with the general reads, shows what that looks like)
    const counted = (values: Record<string, unknown>): { args: Record<string, unknown>; reads: Map<string, number> } => {
      const reads = new Map<string, number>()
      const args: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(values)) Object.defineProperty(args, k, { enumerable: true, get: () => { reads.set(k, (reads.get(k) ?? 0) + 1); return v } })
      return { args, reads }
    }
    const valid = [
      { ...BASE, n: 1, b: false, e: 1, "it's": 1, o: 'y' },
      { ...BASE, n: -0.5, b: true, e: null, "it's": 0, o: '' },
      { ...BASE, s: '', i: -3, ti: 3, e: 'p', z: null },
      { ...BASE, e: true, "it's": 1e21, n: 2 ** 53, d: 'anything' },
      { ...BASE, d: 5 },
    ]
    for (const values of valid) {
      const flat = counted(values)
      expect(['allow', 'review', 'deny']).toContain(written.evaluate('t', flat.args).decision)
      expect(Object.fromEntries(flat.reads), JSON.stringify(values)).toEqual(Object.fromEntries(Object.keys(values).filter(k => flat.reads.has(k)).map(k => [k, 1])))
      expect(flat.reads.get('s'), JSON.stringify(values)).toBe(1)
      const general = counted(values)
      ajv.evaluate('t', general.args)
      expect(Math.max(...general.reads.values())).toBeGreaterThan(1)
    }
  })

  it('a schema that looks flat but breaks the meta-schema is refused as Ajv would refuse it', () => {
    const errors = (schema: object): string[] => compileSchema(schema).diagnostics.filter(d => d.severity === 'error').map(d => d.code)
    expect(errors({ type: 'object', properties: { a: { type: 'string' } }, required: ['a', 'a'] })).toEqual(['schema-invalid'])
    expect(errors({ type: 'object', properties: { a: { enum: [] } } })).toEqual(['schema-invalid'])
    expect(errors({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] })).toEqual([])
  })
})

describe('the fast check function a tool with `normalize:` calls', () => {
  it('accepts only what the validator accepts, when every required property has a test of its own', async () => {
    // with a required property the schema asks nothing of, a fast check that is too lax still fails
    // on it and hands the call to the validator; here none is, so a lax check would let a bad value in
    const schema = { type: 'object', properties: { s: { type: 'string' }, n: { type: 'number' }, ti: { type: 'integer', enum: [1, 2] }, z: { type: 'null' }, o: { type: 'string' } }, required: ['s', 'n', 'ti', 'z'] }
    const source = `tools:\n  t:\n    parameters: ${JSON.stringify(schema)}\n  tn:\n    parameters: ${JSON.stringify(schema)}\n    normalize: { o: text }\nrules:\n  - { id: s_bad, tools: [t, tn], action: deny, when: "args.s.startsWith(\\"bad\\")" }\n  - { id: n_big, tools: [t, tn], action: review, when: "args.n > 5" }\n`
    const { module, result } = await compileModule(source, 'fast-check.policy.yaml')
    expect(result.code).toMatch(/function vf0\(a\)/)
    const base: Record<string, unknown> = { s: 'ok', n: 1, ti: 1, z: null }
    const decisions = new Set<string>()
    for (const key of [...Object.keys(schema.properties), 'extra']) {
      for (const value of [...VALUES, 'absent']) {
        const args = { ...base }
        if (value === 'absent') delete args[key]
        else args[key] = value
        const inline = module.evaluate('t', args)
        const called = module.evaluate('tn', args)
        expect({ ...called, reason: called.reason?.replace('`tn`', '`t`') }, `${key}: ${String(value)}`).toEqual(inline)
        decisions.add(inline.decision)
      }
    }
    expect([...decisions].sort()).toEqual(['allow', 'deny', 'review'])
  })
})
