/**
 * Two properties of typed tools (STYLE 14, after Cedar's `validation-pbt` and typia's spoilers):
 *
 * 1. A policy that passes the type checker never hits an evaluation error on schema-valid
 *    arguments. Expressions are generated from a grammar that mixes sound and unsound uses of the
 *    schema's paths (a method on an optional property, arithmetic on a string ...); whatever the
 *    checker accepts must then run without throwing, so every unsound use it misses fails here.
 *    (One exception: comparing a NaN that arithmetic made goes to the fail mode, by design.)
 * 2. Validation reasons name the argument: a valid value passes unchanged, and each spoiler (a
 *    removed required argument, a wrongly typed one) is denied with a reason that names its path.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import Ajv from 'ajv'
import { compile } from '../../compiler/index.js'
import { importCode } from '../support/compiled.js'
import { scaledRuns } from '../support/runs.js'

const SCHEMA = `tools:
  t:
    parameters:
      type: object
      properties:
        s: { type: string }
        n: { type: number }
        i: { type: integer }
        o: { type: string }
        b: { type: boolean }
        list: { type: array, items: { type: string } }
        obj: { type: object, properties: { x: { type: string }, y: { type: number } }, required: [x] }
        objs: { type: array, items: { type: object, properties: { x: { type: string }, z: { type: string } }, required: [x] } }
      required: [s, n, i]
`

const str = ['args.s', 'args.o', 'args.obj.x', 'args.obj?.x', "'ab'", "''", 'args.s.toLowerCase()', 'args.o?.trim()', 'args.o.trim()', 'args.list[0]', "(args.o ?? 'd')"]
const num = ['args.n', 'args.i', 'args.obj.y', 'args.obj?.y', '0', '3', '-1.5', 'args.s.length', 'args.list.length', 'args.list?.length', '(args.obj?.y ?? 0)']
const other = ['args.b', 'args.list', 'args.obj', 'null', 'true', 'args']

// the wider language (SPEC 4.2, 4.4): quantifiers, URL parts, addresses, detectors and session
// labels, each sound (behind a null guard, over a present array) and unsound (a method on a
// possibly-absent element, a property of a possibly-null URL, a string compared with a number)
const soundLang = [
  "(args.list ?? []).some(x => x.startsWith('a'))", "(args.list ?? []).every(x => x.length < 3)", "(args.objs ?? []).some(o => o.x === 'a')",
  "(args.objs ?? []).every(o => o.z == null || o.z.endsWith('b'))", "url(args.s)?.hostname.endsWith('.com')", "url(args.s)?.protocol === 'https:'",
  "isPrivateAddress(url(args.s)?.hostname)", "ipInRange(args.s, '10.0.0.0/8')", "ipInRange(url(args.s)?.hostname, 'fd00::/8')", 'containsSecret(args.s)',
  'containsPii(args.obj)', "session.labels.includes('secret')", "(url(args.o ?? '')?.port ?? '') === '8080'",
  // SPEC 4.4: `some`/`every` on a value that is not an array are false, and a property of a null URL reads as absent
  "args.list.some(x => x.startsWith('a'))", "args.objs.every(o => o.x === 'a')", "url(args.s).hostname === 'a'",
]
const unsoundLang = [
  "(args.objs ?? []).some(o => o.z.startsWith('a'))", "url(args.s).hostname.endsWith('a')", "url(args.o ?? '').pathname.startsWith('/')",
  "url(args.s)?.hostname.length > url(args.s).port", "(args.list ?? []).every(x => x > 3)", "(args.objs ?? []).every(o => o.z.trim() === 'a')",
]
const leaf = fc.constantFrom(...str, ...num, ...other, ...soundLang, ...unsoundLang)
/** Any mix of the grammar: mostly ill-typed, so the checker's rejections are exercised. */
const wild = fc.letrec<{ e: string }>(tie => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('e'), fc.constantFrom('===', '!==', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '&&', '||', '??'), tie('e')).map(([l, op, r]) => `(${l} ${op} ${r})`),
    fc.tuple(fc.constantFrom('!', '-', '+'), tie('e')).map(([op, a]) => `${op}(${a})`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, b, c]) => `(${a} ? ${b} : ${c})`),
    fc.tuple(leaf, fc.constantFrom('startsWith', 'endsWith', 'includes'), fc.boolean(), tie('e')).map(([r, m, opt, a]) => `${r}${opt ? '?.' : '.'}${m}(${a})`),
    fc.tuple(leaf, fc.boolean()).map(([r, opt]) => `${r}${opt ? '?.' : '.'}match(/^a/i)`),
    leaf.map(s => `/b$/.test(${s})`),
  ),
})).e
/** Mostly well-typed, with the unsound leaves (`args.o.trim()`, `args.obj.y` ...) mixed in. */
const soundStr = ['args.s', "'ab'", "''", 'args.s.toLowerCase()', 'args.s.trim()', "(args.o ?? 'd')", "(args.obj?.x ?? '')", 'tool']
const soundNum = ['args.n', 'args.i', '0', '3', '1.5', 'args.s.length', '(args.obj?.y ?? 0)', '(args.list?.length ?? 0)']
const pick = (sound: string[], all: string[]): fc.Arbitrary<string> => fc.oneof({ arbitrary: fc.constantFrom(...sound), weight: 6 }, { arbitrary: fc.constantFrom(...all), weight: 1 })
const typed = fc.letrec<{ s: string; n: string; b: string }>(tie => ({
  s: fc.oneof({ depthSize: 'small' }, pick(soundStr, str), fc.tuple(tie('s'), tie('s')).map(([a, b]) => `(${a} + ${b})`), fc.tuple(tie('b'), tie('s'), tie('s')).map(([c, a, b]) => `(${c} ? ${a} : ${b})`)),
  n: fc.oneof({ depthSize: 'small' }, pick(soundNum, num), fc.tuple(tie('n'), fc.constantFrom('+', '-', '*', '/', '%'), tie('n')).map(([a, op, b]) => `(${a} ${op} ${b})`), tie('n').map(a => `(-${a})`)),
  b: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('args.b', 'true', 'args.b == null', 'args.o != null', 'args.obj !== undefined'),
    fc.tuple(tie('n'), fc.constantFrom('<', '<=', '>', '>=', '===', '!=='), tie('n')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('s'), fc.constantFrom('<', '===', '!=', '=='), tie('s')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('s'), fc.constantFrom('startsWith', 'endsWith', 'includes'), tie('s')).map(([r, m, a]) => `${r}.${m}(${a})`),
    tie('s').map(a => `${a}.match(/^a/i)`),
    tie('s').map(a => `/b$/.test(${a})`),
    fc.tuple(tie('s'), fc.constantFrom('args.list', '(args.list ?? [])')).map(([a, l]) => `${l}.includes(${a})`),
    fc.constantFrom('args.o', 'args.obj.x', 'args.list[0]').map(p => `(${p} != null && ${p}.startsWith('a'))`),
    fc.constantFrom(...soundLang, ...soundLang, ...unsoundLang),
    tie('s').map(a => `(args.list ?? []).some(x => x === ${a})`),
    tie('b').map(a => `!${a}`),
    fc.tuple(tie('b'), fc.constantFrom('&&', '||', '??'), tie('b')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('b'), tie('b'), tie('b')).map(([a, b, c]) => `(${a} ? ${b} : ${c})`),
  ),
})).b
const expr = fc.oneof(typed, typed, wild)

const validArgs = fc.record(
  {
    s: fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('http://10.0.0.1/a', 'https://a.com:8080/x?y', 'http://[::1]/', 'ftp://x', '10.1.2.3', 'fd00::1', 'ana@example.com', 'sk-proj-0123456789abcdefghij')),
    n: fc.double({ noNaN: true, noDefaultInfinity: true }),
    i: fc.integer(),
    o: fc.string({ maxLength: 3 }),
    b: fc.boolean(),
    list: fc.array(fc.string({ maxLength: 2 }), { maxLength: 2 }),
    obj: fc.record({ x: fc.string({ maxLength: 2 }), y: fc.integer() }, { requiredKeys: ['x'] }),
    objs: fc.array(fc.record({ x: fc.string({ maxLength: 2 }), z: fc.string({ maxLength: 2 }) }, { requiredKeys: ['x'] }), { maxLength: 3 }),
    extra: fc.constantFrom<unknown>(null, 1, 'z', [], { __proto__: null }),
  },
  { requiredKeys: ['s', 'n', 'i'] },
)

describe('a type-checked policy never throws on schema-valid arguments', () => {
  it('whatever the checker accepts runs without an evaluation error', async () => {
    let accepted = 0
    let rejected = 0
    await fc.assert(
      fc.asyncProperty(fc.array(expr, { minLength: 1, maxLength: 2 }), fc.array(validArgs, { minLength: 5, maxLength: 5 }), async (whens, calls) => {
        const rules = whens.map((w, i) => `  - id: r${i}\n    tool: t\n    action: ${i % 2 === 0 ? 'deny' : 'review'}\n    when: ${JSON.stringify(w)}\n`).join('')
        const out = compile(`${SCHEMA}rules:\n${rules}`, { filename: 'gen.policy.yaml' })
        if (out.diagnostics.some(d => d.severity === 'error')) {
          rejected++
          return
        }
        accepted++
        const mod = await importCode(out.code)
        for (const args of calls) {
          const d = mod.evaluate('t', args)
          // the one evaluation error a checked policy may meet: a comparison of NaN, which arithmetic
          // on valid numbers can make (`0 % 0`); comparing it goes to the fail mode (SPEC 1.3, `Binary`
          // in compiler/ir.ts) rather than silently not matching
          if (d.reason === 'evaluation error: cannot compare NaN') continue
          expect(d.reason ?? '', `${whens.join(' | ')} on ${JSON.stringify(args)}`).not.toMatch(/^(evaluation error|invalid arguments|malformed)/)
        }
      }),
      { seed: 20261125, numRuns: scaledRuns(500) },
    )
    if (process.env['VETOC_PBT_STATS']) console.log({ accepted, rejected })
    // the grammar must exercise both sides of the checker, or this test proves nothing
    expect(accepted).toBeGreaterThan(scaledRuns(100))
    expect(rejected).toBeGreaterThan(scaledRuns(100))
  })
})

describe('validation reasons name the argument (spoilers)', () => {
  const spoilers: { name: string; spoil: (a: Record<string, unknown>) => void; reason: RegExp }[] = [
    { name: 'missing s', spoil: a => delete a['s'], reason: /missing required argument `s`$/ },
    { name: 'missing n', spoil: a => delete a['n'], reason: /missing required argument `n`$/ },
    { name: 's a number', spoil: a => { a['s'] = 1 }, reason: /`s` must be string$/ },
    { name: 'i a fraction', spoil: a => { a['i'] = 1.5 }, reason: /`i` must be integer$/ },
    { name: 'o null', spoil: a => { a['o'] = null }, reason: /`o` must be string$/ },
    { name: 'list item a number', spoil: a => { a['list'] = ['a', 2] }, reason: /`list.1` must be string$/ },
    { name: 'obj.x missing', spoil: a => { a['obj'] = {} }, reason: /missing required argument `obj.x`$/ },
    { name: 'obj.y a string', spoil: a => { a['obj'] = { x: 'a', y: 'b' } }, reason: /`obj.y` must be number$/ },
  ]
  it('a valid value passes and every spoiler is denied naming its path', async () => {
    const out = compile(`${SCHEMA}rules: []\n`, { filename: 'v.policy.yaml' })
    const mod = await importCode(out.code)
    await fc.assert(
      fc.property(validArgs, fc.constantFrom(...spoilers), (args, spoiler) => {
        expect(mod.evaluate('t', args)).toMatchObject({ decision: 'allow' })
        const bad = structuredClone(args) as Record<string, unknown>
        spoiler.spoil(bad)
        const d = mod.evaluate('t', bad)
        expect(d.decision, spoiler.name).toBe('deny')
        expect(d.reason, spoiler.name).toMatch(/^invalid arguments for `t`: /)
        expect(d.reason, spoiler.name).toMatch(spoiler.reason)
      }),
      { seed: 7, numRuns: scaledRuns(300) },
    )
  })
})

describe('the fast argument check never disagrees with Ajv', () => {
  // flat schemas take a generated fast path before the Ajv validator; Ajv itself is the oracle
  const propSchema = fc.oneof(
    fc.constantFrom('string', 'number', 'integer', 'boolean', 'null').map(type => ({ type })),
    fc.uniqueArray(fc.constantFrom<string | number | boolean | null>('a', 'b', '', 0, 1, 2.5, true, false, null), { minLength: 1, maxLength: 3 }).map(e => ({ enum: e })),
    fc.constant({ description: 'anything' }),
  )
  const schemaArb = fc.record({
    props: fc.dictionary(fc.constantFrom('x', 'y', 'z', 'constructor', 'toString'), propSchema, { maxKeys: 4 }),
    required: fc.subarray(['x', 'y', 'w']),
  }).map(({ props, required }) => ({ type: 'object', properties: props, required }))
  const argValue = fc.oneof(fc.constantFrom<unknown>(undefined, null, NaN, Infinity, -0, 1.5, 3, '', 'a', true, [], {}), fc.string({ maxLength: 2 }), fc.integer())
  const argsArb = fc.oneof(
    fc.dictionary(fc.constantFrom('x', 'y', 'z', 'w', 'constructor', 'toString'), argValue, { maxKeys: 5 }),
    // inherited properties must not satisfy `required`
    fc.dictionary(fc.constantFrom('x', 'y'), argValue, { maxKeys: 2 }).map(proto => Object.create(proto) as unknown),
  )
  it('on random flat schemas and hostile arguments', async () => {
    await fc.assert(
      fc.asyncProperty(schemaArb, fc.array(argsArb, { minLength: 20, maxLength: 20 }), async (schema, calls) => {
        const out = compile(`tools:\n  t:\n    parameters: ${JSON.stringify(schema)}\nrules: []\n`, { filename: 'flat.policy.yaml' })
        expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
        // the tool function runs the fast check itself, and Ajv only when it fails
        expect(out.code, 'the schema should take the fast path').toMatch(/if \(!\(.*\) && !v0\(a\)\) return invalid/)
        const mod = await importCode(out.code)
        const ajv = new Ajv.default({ ownProperties: true, strict: false, allErrors: false, validateFormats: false, logger: false }).compile(schema)
        for (const args of calls) {
          const d = mod.evaluate('t', args)
          expect(d.decision === 'allow', `${JSON.stringify(schema)} on ${String(JSON.stringify(args))}`).toBe(ajv(args))
        }
      }),
      { seed: 11, numRuns: scaledRuns(150) },
    )
  })
})
