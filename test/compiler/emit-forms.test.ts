/**
 * Emitter outputs that no decision shows but that are still its contract: the `.d.ts` type of each
 * JSON Schema form (compiler/emit/types.ts), one constant per CIDR list however often it is used,
 * the `n` a comparison inside a quantifier body needs, and validators' fast checks that accept only
 * what Ajv accepts (compiler/emit/validate.ts). Found by `npm run mutate`.
 */
import { describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'
import { importCode } from '../support/compiled.js'

function typesOf(schema: string): string {
  const out = compile(`tools:\n  t:\n    parameters: ${schema}\n`, { filename: 'types.policy.yaml' })
  expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
  const m = /"t": ([^\n]*);\n/.exec(out.types) ?? /\bt: ([^\n]*);\n/.exec(out.types)
  return m![1]!
}

describe('the .d.ts type of each schema form', () => {
  it('objects, required and optional keys, additional properties', () => {
    expect(typesOf('{ type: object, properties: { a: { type: string }, b: { type: integer } }, required: [a] }')).toBe('{ a: string; b?: number }')
    expect(typesOf('{ type: object, properties: { a: { type: string } }, additionalProperties: true }')).toBe('{ a?: string; [key: string]: unknown }')
    expect(typesOf('{ type: object, properties: { a: { type: string } }, additionalProperties: { type: number } }')).toBe('{ a?: string; [key: string]: unknown }')
    expect(typesOf('{ type: object, properties: { a: { type: string } }, additionalProperties: false }')).toBe('{ a?: string }')
    expect(typesOf('{ properties: { a: { type: boolean } } }')).toBe('{ a?: boolean }')
    expect(typesOf('{ type: object, properties: {} }')).toBe('Record<string, never>')
  })
  it('anyOf, oneOf, enums, const, type lists, arrays', () => {
    expect(typesOf('{ type: object, properties: { a: { anyOf: [{ type: string }, { type: "null" }] } } }')).toBe('{ a?: (string | null) }')
    expect(typesOf('{ type: object, properties: { a: { oneOf: [{ type: number }, { const: x }] } } }')).toBe('{ a?: (number | "x") }')
    expect(typesOf('{ type: object, properties: { a: { enum: [x, 1, true, null] } } }')).toBe('{ a?: "x" | 1 | true | null }')
    expect(typesOf('{ type: object, properties: { a: { enum: [x, [1]] } } }')).toBe('{ a?: unknown }')
    expect(typesOf('{ type: object, properties: { a: { const: null }, b: { const: 2 }, c: { const: false }, d: { const: { x: 1 } } } }')).toBe('{ a?: null; b?: 2; c?: false; d?: unknown }')
    expect(typesOf('{ type: object, properties: { a: { type: [string, "null"] }, b: { type: array, items: { type: string } }, c: { type: array } } }')).toBe('{ a?: string | null; b?: Array<string>; c?: unknown[] }')
    expect(typesOf('{ type: object, properties: { a: {} } }')).toBe('{ a?: unknown }')
  })
  it('nesting deeper than 16 levels is unknown', () => {
    let schema = '{ type: string }'
    for (let i = 0; i < 20; i++) schema = `{ anyOf: [${schema}] }`
    const t = typesOf(`{ type: object, properties: { a: ${schema} } }`)
    expect(t).toContain('unknown')
    expect(t).not.toContain('string')
    let shallow = '{ type: string }'
    for (let i = 0; i < 14; i++) shallow = `{ anyOf: [${shallow}] }`
    expect(typesOf(`{ type: object, properties: { a: ${shallow} } }`)).toContain('string')
  })
})

describe('module constants', () => {
  it('one CIDR list used by two rules is one constant', () => {
    const out = compile('tools: { t: {} }\nrules:\n  - { id: a, tool: t, action: deny, conditions: [ { field: args.ip, operator: in_cidr, value: [10.0.0.0/8] } ] }\n  - { id: b, tool: t, action: review, conditions: [ { field: args.ip2, operator: in_cidr, value: [10.0.0.0/8] } ] }\n  - { id: c, tool: t, action: review, conditions: [ { field: args.ip3, operator: in_cidr, value: [192.168.0.0/16] } ] }\n', { filename: 'n.policy.yaml' })
    expect(out.code.match(/const nets\d+ = cidrs\(/g)).toHaveLength(2)
  })
})

describe('a number comparison inside a quantifier body', () => {
  it('runs in the body function (which declares its own `n`)', async () => {
    const out = compile('tools: { t: {} }\nrules:\n  - { id: big, tool: t, action: deny, conditions: [ { field: "args.items.*.n", operator: greater_than, value: 5 } ] }\n', { filename: 'q.policy.yaml' })
    expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
    const m = (await importCode(out.code)) as unknown as { evaluate: (t: string, a: unknown) => { decision: string; rule?: string; reason?: string } }
    expect(m.evaluate('t', { items: [{ n: 1 }, { n: 6 }] })).toMatchObject({ decision: 'deny', rule: 'big' })
    expect(m.evaluate('t', { items: [{ n: 1 }, { n: '5' }] }).decision).toBe('allow')
  })
})

describe('a validator\'s fast check accepts only what Ajv accepts', () => {
  const load = async (schema: string): Promise<(args: unknown) => string> => {
    const out = compile(`tools:\n  t:\n    parameters: ${schema}\nrules:\n  - { id: r, tool: t, action: review, conditions: [ { field: args.k, operator: exists } ] }\n`, { filename: 'v.policy.yaml' })
    expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
    const m = (await importCode(out.code)) as unknown as { evaluate: (t: string, a: unknown) => { decision: string; reason?: string } }
    return args => m.evaluate('t', args).reason?.startsWith('invalid arguments') ? 'invalid' : 'valid'
  }
  it('an enum with a member that is not a scalar', async () => {
    const v = await load('{ type: object, properties: { k: { enum: [x, { a: 1 }] } }, required: [k] }')
    expect([v({ k: 'x' }), v({ k: { a: 1 } }), v({ k: 'y' }), v({ k: undefined }), v({})]).toEqual(['valid', 'valid', 'invalid', 'invalid', 'invalid'])
  })
})

describe('the .ts twin', () => {
  it('runs as the module does, through its typed exports', async () => {
    const { transformSync } = await import('esbuild')
    const src = 'approval_ttl: 2m\ntools: { t: {} }\nrules:\n  - { id: r, tool: t, action: deny, when: "args.x === 1" }\n'
    const out = compile(src, { filename: 'twin.policy.yaml', ts: true })
    const js = transformSync(out.ts!, { loader: 'ts', format: 'esm' }).code
    const twin = (await importCode(js)) as unknown as { evaluate: (t: string, a: unknown) => { rule?: string }; evaluateResult: (t: string, a: unknown, r: unknown) => unknown; policy: { approvalTtlMs: number } }
    const plain = (await importCode(out.code)) as unknown as typeof twin
    expect(twin.evaluate('t', { x: 1 }).rule).toBe('r')
    expect(twin.evaluate('t', { x: 2 })).toEqual(plain.evaluate('t', { x: 2 }))
    expect(twin.evaluateResult('t', {}, 'ok')).toEqual(plain.evaluateResult('t', {}, 'ok'))
    expect(twin.policy).toEqual(plain.policy)
    expect(twin.policy.approvalTtlMs).toBe(120_000)
  })
  it('a policy without approval_ttl gets 15 minutes', async () => {
    const out = compile('tools: { t: {} }\n', { filename: 'ttl.policy.yaml' })
    expect(((await importCode(out.code)) as unknown as { policy: { approvalTtlMs: number } }).policy.approvalTtlMs).toBe(15 * 60_000)
  })
})

describe('arrays and nested quantifiers in `when`', () => {
  it('an array of reads is built per call; an array of literals is one frozen constant', async () => {
    const out = compile('tools: { t: {} }\nrules:\n  - { id: r, tool: t, action: deny, when: "[args.a, \'x\'].some(v => v === args.b) && [\'p\', [\'q\']].some(v => v === args.c)" }\n', { filename: 'arr.policy.yaml' })
    expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
    expect(out.code).toContain('Object.freeze(JSON.parse("[\\"p\\",[\\"q\\"]]"))')
    const m = (await importCode(out.code)) as unknown as { evaluate: (t: string, a: unknown) => { decision: string } }
    expect(m.evaluate('t', { a: 'z', b: 'z', c: 'p' }).decision).toBe('deny')
    expect(m.evaluate('t', { a: 'y', b: 'x', c: 'p' }).decision).toBe('deny')
    expect(m.evaluate('t', { a: 'y', b: 'z', c: 'p' }).decision).toBe('allow')
    expect(m.evaluate('t', { a: 'z', b: 'z', c: 'q' }).decision).toBe('allow')
  })
  it('an inner quantifier body reads the outer element', async () => {
    const out = compile('tools: { t: {} }\nrules:\n  - { id: r, tool: t, action: deny, when: "args.groups.some(g => g.members.some(m => m === g.owner))" }\n', { filename: 'nest.policy.yaml' })
    expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
    const m = (await importCode(out.code)) as unknown as { evaluate: (t: string, a: unknown) => { decision: string } }
    expect(m.evaluate('t', { groups: [{ owner: 'a', members: ['b'] }, { owner: 'c', members: ['d', 'c'] }] }).decision).toBe('deny')
    expect(m.evaluate('t', { groups: [{ owner: 'a', members: ['b'] }, { owner: 'c', members: ['a'] }] }).decision).toBe('allow')
  })
})
