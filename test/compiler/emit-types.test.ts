/**
 * The argument types of the emitted `.d.ts` (compiler/emit/types.ts), one JSON Schema form each:
 * what a caller's `evaluate('t', args)` is checked against. Found by `npm run mutate`; the
 * compile runs inside `it` so the run sees it. `session-types.test.ts` runs `tsc` on such types.
 */
import { describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'

function argsType(properties: string, extra = ''): string {
  const out = compile(`tools:\n  t:\n    parameters: { type: object, properties: { ${properties} }${extra} }\nrules: []\n`, { filename: 'types.policy.yaml' })
  expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
  const line = out.types.split('\n').find(l => l.startsWith('  t: '))
  expect(line).toBeDefined()
  return line!.slice('  t: '.length, -1)
}

describe('argument types from the schema', () => {
  it('anyOf and oneOf are unions; a required key has no `?`', () => {
    expect(argsType('a: { anyOf: [{ type: string }, { type: integer }] }, b: { oneOf: [{ type: boolean }, { type: "null" }] }', ', required: [a]')).toBe('{ a: (string | number); b?: (boolean | null) }')
  })
  it('an enum of scalars is a union of literals; an enum holding anything else is unknown', () => {
    expect(argsType('f: { enum: [x, 1, null, true] }, g: { enum: [x, [1]] }')).toBe('{ f?: "x" | 1 | null | true; g?: unknown }')
  })
  it('an array is an array of its items\' type, or of unknown without one', () => {
    expect(argsType('h: { type: array, items: { type: string } }, i: { type: array }, j: { type: [array, "null"], items: { enum: [a] } }')).toBe('{ h?: Array<string>; i?: unknown[]; j?: Array<"a"> | null }')
  })
  it('past 16 levels of nesting (arrays or objects) the type is unknown', () => {
    let schema = '{ type: string }'
    for (let i = 0; i < 18; i++) schema = `{ type: array, items: ${schema} }`
    const t = argsType(`d: ${schema}`)
    expect(t.split('Array<').length - 1).toBe(16)
    expect(t).toContain('Array<unknown>')
    expect(t).not.toContain('string')
    let object = '{ type: string }'
    for (let i = 0; i < 18; i++) object = `{ type: object, properties: { o: ${object} } }`
    const o = argsType(`d: ${object}`)
    expect(o.split('o?: ').length - 1).toBe(16)
    expect(o).not.toContain('string')
  })
  it('an object allows other keys only when additionalProperties says so', () => {
    const obj = (extra: string): string => `{ type: object, properties: { x: { type: string } }${extra} }`
    expect(argsType(`j: ${obj(', additionalProperties: false')}, k: ${obj('')}, l: ${obj(', additionalProperties: true')}, m: ${obj(', additionalProperties: { type: string }')}`))
      .toBe('{ j?: { x?: string }; k?: { x?: string }; l?: { x?: string; [key: string]: unknown }; m?: { x?: string; [key: string]: unknown } }')
  })
})
