/**
 * Emitter paths no larger suite decided, found by `npm run mutate` (compiler/emit/): `params` read
 * as a whole, the `.d.ts` types of boolean subschemas, typed arrays and closed or open objects,
 * `evaluateResult` for a call without a tool name, and which refusal is reported when several
 * tool schemas cannot be carried by a module, and context counters whose keys compute.
 */
import { describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'
import { compileModule } from '../support/compiled.js'

describe('`params` as a whole', () => {
  it('reads the parameters object, defaults included', async () => {
    const policy = (op: string): string => `tools:\n  t: {}\nparams:\n  x: { type: number, default: 1 }\nrules:\n  - { id: r, tool: t, action: deny, when: "params ${op} null" }\n`
    const { module: set } = await compileModule(policy('!='), 'params-set.policy.yaml')
    expect(set.evaluate('t', {})).toMatchObject({ decision: 'deny', rule: 'r' })
    expect(set.evaluate('t', {}, {}, { params: { x: 2 } })).toMatchObject({ decision: 'deny', rule: 'r' })
    const { module: unset } = await compileModule(policy('=='), 'params-unset.policy.yaml')
    expect(unset.evaluate('t', {}).decision).toBe('allow')
  })
})

describe('argument types in the .d.ts', () => {
  const typesOf = (properties: string, extra = ''): string => {
    const out = compile(`tools:\n  t:\n    parameters: { type: object, properties: { ${properties} }${extra} }\nrules: []\n`, { filename: 'types.policy.yaml' })
    expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
    const line = out.types.split('\n').find(l => l.trimStart().startsWith('t: '))
    expect(line, out.types).toBeDefined()
    return line!.trim()
  }

  it('a boolean subschema is `unknown`, a typed array `Array<T>`, and no index signature unless extra keys are allowed', () => {
    expect(typesOf('free: true, tags: { type: array, items: { type: string } }, n: { type: number }')).toBe('t: { free?: unknown; tags?: Array<string>; n?: number };')
    expect(typesOf('a: { type: string }', ', additionalProperties: false')).toBe('t: { a?: string };')
    expect(typesOf('a: { type: string }', ', additionalProperties: true')).toBe('t: { a?: string; [key: string]: unknown };')
    expect(typesOf('a: { type: string }', ', additionalProperties: { type: number }')).toBe('t: { a?: string; [key: string]: unknown };')
  })
})

describe('evaluateResult for a call that names no tool', () => {
  it('passes the result as it came: no result rule applies', async () => {
    const { module } = await compileModule('tools:\n  t: {}\nrules:\n  - { id: r, tool: t, on: result, action: deny, when: "result == 1" }\n', 'result-no-tool.policy.yaml')
    expect(module.evaluateResult!(undefined as unknown as string, {}, 1)).toEqual({ action: 'pass', ruleIndex: -1, result: 1, adds: [] })
    expect(module.evaluateResult!('t', {}, 1)).toMatchObject({ action: 'deny', rule: 'r' })
  })
})

describe('tool schemas a module cannot carry', () => {
  // Validator texts from the caller's cache are trusted as Ajv's own output (compiler/cache.ts);
  // each of these is refused for another reason. The property names are unique to this test, so no
  // validator this process generated earlier stands in for the cached text.
  const COMMENT = 'const validate0 = () => true; /* c */ export const v0 = validate0;'
  const MODULE = 'import x from "y"; const validate0 = () => x; export const v0 = validate0;'
  const REQUIRE = 'const f = require("ajv-formats/dist/formats"); const validate0 = () => f; export const v0 = validate0;'
  const reported = (texts: string[]): string[] => {
    let n = 0
    const cache = { get: (key: string): string | undefined => (key.startsWith('ajv-') ? texts[n++] : undefined), set: (): void => {} }
    const src = 'tools:\n  a:\n    parameters: { type: object, properties: { emit_edges_a: { type: object, properties: { x: { type: string } } } } }\n  b:\n    parameters: { type: object, properties: { emit_edges_b: { type: object, properties: { y: { type: string } } } } }\nrules: []\n'
    const out = compile(src, { filename: 'unsupported.policy.yaml', cache })
    expect(n).toBe(2)
    return out.diagnostics.filter(d => d.code === 'schema-unsupported').map(d => d.message)
  }
  const message = (reason: string): string => `a tool schema needs validator support that compiled modules cannot carry (\`${reason}\`)`

  it('reports what a module of all of them would have been refused for first, whatever the tool order', () => {
    // the order of trustedAjv's own checks: a helper it cannot inline, then module syntax, then a comment
    expect([...reported([COMMENT, MODULE]), ...reported([MODULE, COMMENT])]).toEqual(Array(2).fill(message('module syntax')))
    expect([...reported([MODULE, REQUIRE]), ...reported([REQUIRE, MODULE])]).toEqual(Array(2).fill(message('ajv-formats/dist/formats')))
  })
})

describe('context counters whose keys compute', () => {
  // one key compares numbers (the emitted code keeps a temporary for that), one reads a quantifier's
  // element, one is a plain path; `lookup` counts nothing
  const POLICY = `name: keyed
tools:
  send:
    parameters: { type: object, properties: { to: { type: string }, size: { type: number }, tags: { type: array, items: { type: string } } }, required: [to, size, tags] }
  lookup: {}
context:
  by_size: { count: { per: 1h, tool: send, key: "args.size > 3 ? 'big' : 'small'" } }
  by_tag: { count: { per: 1h, tool: send, key: "args.tags.some(t => t == 'vip') ? 'vip' : 'other'" } }
  by_recipient: { count: { per: 1h, tool: send, key: args.to } }
rules:
  - { id: big-sends, tool: send, action: deny, when: "context.by_size >= 2" }
`
  it('gives each counter its key, and null for a tool no counter counts', async () => {
    const { module } = await compileModule(POLICY, 'keyed.policy.yaml')
    expect(module.counters!('send', { to: '+1', size: 5, tags: ['vip'] })).toEqual([
      { name: 'by_size', perMs: 3_600_000, key: 'big' },
      { name: 'by_tag', perMs: 3_600_000, key: 'vip' },
      { name: 'by_recipient', perMs: 3_600_000, key: '+1' },
    ])
    expect(module.counters!('send', { to: '+2', size: 3, tags: [] })!.map(c => c.key)).toEqual(['small', 'other', '+2'])
    expect(module.counters!('lookup', {})).toBeNull()
  })
})
