/**
 * Argument validators for typed tools, generated at build time by Ajv's standalone code generator
 * (Ajv runs `new Function` inside the compiler only, never in the emitted module or the runtime).
 * Identical schemas share one validator. Ajv's runtime helper imports are replaced by the inlined
 * helpers of `runtime.ts`; a schema that would need any other helper is a diagnostic.
 *
 * Each distinct schema is generated alone, by a fresh Ajv instance, and scoped in the module: its
 * text then depends on the schema only, so it can come from the caller's cache (keyed by the schema,
 * Ajv's version and options), and a fresh instance per schema costs less than one instance for all
 * (whose name scope grows with every schema it holds). A cached text passes `trustedAjv` again.
 */
import { createRequire } from 'node:module'
import AjvModule from 'ajv'
import standaloneCode from 'ajv/dist/standalone/index.js'
import { cacheFill, cacheGet, cacheKey, cacheSet, type CompileCache } from '../cache.js'
import type { Diagnostic } from '../diagnostic.js'
import type { JsonSchema, Policy, ToolDecl } from '../ir.js'
import { join, js, jsonValue, numberedName, scopedValidator, trustedAjv, type Code } from './code.js'

const AJV_VERSION = (createRequire(import.meta.url)('ajv/package.json') as { version: string }).version

export interface Validators {
  code: Code | null
  /** tool name → validator function name */
  names: Map<string, Code>
  /**
   * tool name → a fast check that returns true only for arguments its Ajv validator accepts (so
   * `fast(a) || validator(a)` decides exactly as the validator alone); for flat schemas only
   */
  fast: Map<string, Code>
  /**
   * tool name → its flat schema's properties (the same subset as `fast`), so the tool function can
   * run the fast check itself and keep each value it read in a local for the rules (read once)
   */
  flat: Map<string, FlatProp[]>
}

/** A property of a flat schema: its test on a value held in `v`, and the primitive type it fixes. */
export interface FlatProp {
  key: string
  required: boolean
  /** the test on `v` (false for `undefined`), or null when the schema asks nothing of the value */
  test: (v: Code) => Code | null
  /** the JSON type the value has once validation passed (required: always; optional: or undefined); undefined when the schema fixes none */
  type: 'string' | 'number' | 'integer' | 'boolean' | 'null' | undefined
}

const HELPERS: Record<string, Code> = { equal: js`equal`, ucs2length: js`ucs2length` }

function hasProtoKey(v: unknown): boolean {
  // Stryker disable next-line ConditionalExpression: an array read as an object has its items as keys 0, 1, ..., so the walk below finds the same keys
  if (Array.isArray(v)) return v.some(hasProtoKey)
  if (v !== null && typeof v === 'object') return Object.keys(v).some(k => k === '__proto__' || hasProtoKey((v as Record<string, unknown>)[k]))
  return false
}

const AJV_OPTIONS = { ownProperties: true, allErrors: false, strict: false, validateFormats: false, logger: false } as const

let metaAjv: InstanceType<typeof AjvModule.default> | undefined

/**
 * Checks a tool schema against its meta-schema exactly as `ajv.addSchema` would (same call, same
 * error), on one shared instance: each fresh Ajv compiles the draft-07 meta-schema on its first
 * `addSchema`, which was most of the time a small policy took to emit. The shared instance only
 * validates; the code generator below stays one fresh instance per policy, so the names in the
 * emitted validators (and so the bytes) do not depend on what was compiled before.
 */
function validateSchema(schema: object): void {
  metaAjv ??= new AjvModule.default(AJV_OPTIONS)
  metaAjv.validateSchema(schema, true)
}

/** Keywords that never make Ajv reject (annotations), in a schema or a property schema. */
const ANNOTATIONS = new Set(['description', 'title', '$comment', 'examples', 'default'])
const PRIMITIVE_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null'])

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** A JSON primitive an enum test can compare with `===`. */
function isFlatValue(e: unknown): boolean {
  // Stryker disable next-line ConditionalExpression,LogicalOperator: `Number.isFinite` is false for anything but a finite number, and every number of a policy is finite (lowering refuses `.inf` and `.nan`)
  return e === null || typeof e === 'string' || typeof e === 'boolean' || (typeof e === 'number' && Number.isFinite(e))
}

/**
 * The test a property schema puts on its value `v`, when the schema only uses keywords whose Ajv
 * meaning is plain (`type` one primitive type, `enum` of primitives, annotations): `null` when it
 * asks nothing, `undefined` when the schema is outside that subset. Every test is false for
 * `undefined`, and implies what Ajv's generated code checks (`integer` as `v % 1 === 0`, which is
 * stricter than Ajv's for infinities: those fall back to Ajv).
 */
// Stryker disable next-line StringLiteral: a call without `x` only asks whether the schema is in the subset; its code is not used
function propertyTest(schema: unknown, x: Code = js`v`): Code | null | undefined {
  if (!isPlainObject(schema)) return undefined
  const tests: Code[] = []
  for (const [k, v] of Object.entries(schema)) {
    if (ANNOTATIONS.has(k)) continue
    if (k === 'type' && typeof v === 'string' && PRIMITIVE_TYPES.has(v)) {
      tests.push(v === 'null' ? js`${x} === null` : v === 'integer' ? js`typeof ${x} === "number" && ${x} % 1 === 0` : js`typeof ${x} === ${v}`)
    } else if (k === 'enum' && Array.isArray(v) && v.every(isFlatValue)) {
      // (an empty enum needs no test here: the meta-schema, checked before any validator is written, refuses it)
      tests.push(js`(${join((v as (string | number | boolean | null)[]).map(e => js`${x} === ${e}`), js` || `)})`)
    } else {
      return undefined
    }
  }
  return tests.length === 0 ? null : join(tests.map(t => js`(${t})`), js` && `)
}

/** The type keyword of a property schema, when it names one primitive type. */
function primitiveType(schema: unknown): FlatProp['type'] {
  const t = isPlainObject(schema) ? schema['type'] : undefined
  return typeof t === 'string' && PRIMITIVE_TYPES.has(t) ? (t as FlatProp['type']) : undefined
}

/** The properties of a flat schema in the order the fast check reads them, or null (see `fastCheck`). */
export function flatProps(schema: JsonSchema): FlatProp[] | null {
  const props: Record<string, unknown> = {}
  let required: string[] = []
  for (const [k, v] of Object.entries(schema)) {
    if (ANNOTATIONS.has(k)) continue
    if (k === 'type' && v === 'object') continue
    if (k === 'additionalProperties' && v === true) continue
    if (k === 'properties' && isPlainObject(v)) Object.assign(props, v)
    else if (k === 'required' && Array.isArray(v) && v.every(r => typeof r === 'string')) required = [...new Set(v as string[])]
    else return null
  }
  const out: FlatProp[] = []
  for (const key of required) {
    const sub = Object.hasOwn(props, key) ? props[key] : undefined
    if (sub !== undefined && propertyTest(sub) === undefined) return null
    out.push({ key, required: true, type: primitiveType(sub), test: x => (sub === undefined ? null : propertyTest(sub, x)!) })
  }
  for (const [key, sub] of Object.entries(props)) {
    if (required.includes(key)) continue
    if (propertyTest(sub) === undefined) return null
    out.push({ key, required: false, type: primitiveType(sub), test: x => propertyTest(sub, x)! })
  }
  return out
}

/**
 * A fast check for a flat object schema (`type: object`, `properties` of primitive types or
 * primitive enums, `required`, annotations), or null when the schema uses anything else. It reads
 * each property once, own properties only, required ones first in `required` order and then the
 * others in `properties` order, as Ajv reads them; it returns true only when Ajv's validator would,
 * and the caller runs the Ajv validator whenever it returns false (for the verdict and the errors).
 */
function fastCheck(props: readonly FlatProp[], name: Code): Code {
  const parts: Code[] = []
  for (const p of props) {
    const test = p.test(js`v`)
    if (p.required) parts.push(test === null ? js`hasOwn.call(a, ${p.key}) && a[${p.key}] !== undefined` : js`hasOwn.call(a, ${p.key}) && (v = a[${p.key}], ${test})`)
    // Stryker disable next-line ConditionalExpression: a fast check that says no only hands the call to the full validator, which decides as before
    else if (test !== null) parts.push(js`(!hasOwn.call(a, ${p.key}) || (v = a[${p.key}]) === undefined || (${test}))`)
  }
  return js`function ${name}(a) { let v; return ${parts.length === 0 ? js`true` : join(parts.map(p => js`(${p})`), js` && `)}; }`
}

/** A key as Ajv writes it in an error's `instancePath` (JSON Pointer) and `schemaPath` (a URI fragment). */
const pointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1')

/** Ajv's test of one primitive `type` (with `strict: false`, so a number may be NaN or infinite). */
function ajvTypeTest(type: string, x: Code): Code {
  switch (type) {
    case 'null': return js`${x} === null`
    case 'integer': return js`typeof ${x} === "number" && !(${x} % 1) && !isNaN(${x})`
    default: return js`typeof ${x} === ${type}`
  }
}

/**
 * The validator of a flat schema (see `flatProps`), written out instead of generated by Ajv: it
 * accepts the objects Ajv's accepts and, on a refusal, sets `errors` to the one error Ajv's would
 * report first (`allErrors: false`): each `required` property in order, then each property schema
 * in `properties` order (its `type`, then its `enum`). Generating these was most of a typed policy's compile time (Ajv builds and runs a
 * code generator per schema); test/property/flat-validators.test.ts holds them to Ajv's verdicts and
 * errors. Own properties only, each read once.
 */
function flatValidator(schema: JsonSchema, name: Code): Code {
  const s = schema as Record<string, unknown>
  const properties = isPlainObject(s['properties']) ? s['properties'] : {}
  const required = Array.isArray(s['required']) ? (s['required'] as string[]) : []
  const fail = (error: Record<string, unknown>): Code => js`{ ${name}.errors = [${jsonValue(error)}]; return false; }`
  // no `type: object` test: a tool function hands its validator only a plain object (it answers
  // anything else as malformed first), which that test always passes
  const body: Code[] = []
  for (const key of required) {
    // Ajv's generated check never reports a missing "" (it keeps the missing name in a variable
    // tested for truth), so a call without it passes there: kept, so that no verdict changes
    if (key === '') continue
    body.push(js`if (!hasOwn.call(a, ${key}) || a[${key}] === undefined) ${fail({ instancePath: '', schemaPath: '#/required', keyword: 'required', params: { missingProperty: key }, message: `must have required property '${key}'` })}`)
  }
  for (const [key, sub] of Object.entries(properties)) {
    const at = { instancePath: `/${pointer(key)}`, schemaPath: `#/properties/${encodeURIComponent(pointer(key))}` }
    const checks: Code[] = []
    const type = isPlainObject(sub) ? sub['type'] : undefined
    if (typeof type === 'string') checks.push(js`if (!(${ajvTypeTest(type, js`v`)})) ${fail({ instancePath: at.instancePath, schemaPath: `${at.schemaPath}/type`, keyword: 'type', params: { type }, message: `must be ${type}` })}`)
    const values = isPlainObject(sub) ? sub['enum'] : undefined
    if (Array.isArray(values)) {
      const test = join((values as (string | number | boolean | null)[]).map(e => js`v === ${e}`), js` || `)
      // Stryker disable next-line StringLiteral,ObjectLiteral: of an error only the keyword, the instance path and the message reach a decision (`invalidReason` in the emitted runtime); the rest mirrors Ajv's error object
      checks.push(js`if (!(${test})) ${fail({ instancePath: at.instancePath, schemaPath: `${at.schemaPath}/enum`, keyword: 'enum', params: { allowedValues: values }, message: 'must be equal to one of the allowed values' })}`)
    }
    if (checks.length > 0) body.push(js`if (hasOwn.call(a, ${key}) && (v = a[${key}]) !== undefined) { ${join(checks, js` `)} }`)
  }
  return js`function ${name}(a) { let v; ${join(body, js` `)} ${name}.errors = null; return true; }`
}

const GENERATOR_OPTIONS = { ...AJV_OPTIONS, code: { source: true, esm: true, optimize: true, lines: false }, validateSchema: false } as const
/** The name each validator is generated under (then bound to its own name by `scopedValidator`). */
const GENERATED_AS = 'v0'

/** Ajv's standalone source for one schema; throws as `addSchema` does on an invalid schema. (Exported for bench/compile-time.ts, which times it alone.) */
export function generate(schema: JsonSchema): string {
  validateSchema(schema as object)
  const ajv = new AjvModule.default(GENERATOR_OPTIONS)
  ajv.addSchema(schema as object, GENERATED_AS)
  return (standaloneCode as unknown as { default: (a: unknown, m: Record<string, string>) => string }).default(ajv, { [GENERATED_AS]: GENERATED_AS })
}

/** The cache key of a schema's validator: the schema, Ajv's version and the generator's options. */
export function validatorKey(schema: JsonSchema): string {
  return cacheKey('ajv', [AJV_VERSION, JSON.stringify(GENERATOR_OPTIONS), JSON.stringify(schema)])
}

/**
 * Validators this process generated itself, by key, with what `trustedAjv` made of them: a dev
 * server rebuilding a policy neither regenerates nor re-parses a validator. Text read from the
 * caller's cache is never kept here, so a bad entry there cannot outlive that cache.
 */
const generated = new Map<string, { source: string; trusted: Code | { unsupported: string } }>()

function validatorFor(schema: JsonSchema, key: string, cache: CompileCache | undefined): Code | { unsupported: string } {
  const own = generated.get(key)
  // Stryker disable next-line BlockStatement: this process's memory of generated validators only saves time: without it the validator is generated again, the same text
  if (own !== undefined) {
    // a memory hit still fills a cache this process was not handed when it generated the validator
    if (cache !== undefined) cacheFill(cache, key, () => own.source)
    return own.trusted
  }
  const cached = cacheGet(cache, key)
  if (cached !== undefined) return trustedAjv(cached, HELPERS)
  const source = generate(schema)
  const trusted = trustedAjv(source, HELPERS)
  // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement,CallExpression: a bound on this process's memory; clearing sooner or later changes no output
  if (generated.size >= 5000) generated.clear()
  generated.set(key, { source, trusted })
  cacheSet(cache, key, source)
  return trusted
}

/** Which refusal of `trustedAjv` a whole module of these validators would have reported first. */
const UNSUPPORTED_ORDER = (reason: string): number => (reason === 'module syntax' ? 1 : reason.startsWith('a comment') ? 2 : 0)

/**
 * `inline(tool)`: the tool function runs the fast check itself (see `Validators.flat`), so the
 * check's function (`vf<n>`) is emitted only for schemas some other tool still calls it for.
 */
export function buildValidators(policy: Policy, diagnostics: Diagnostic[], cache: CompileCache | undefined, inline: (tool: ToolDecl) => boolean): Validators {
  const names = new Map<string, Code>()
  const fast = new Map<string, Code>()
  const flat = new Map<string, FlatProp[]>()
  const typed = policy.tools.filter(t => t.schema !== undefined)
  // Stryker disable next-line ConditionalExpression: with no typed tool the loop below makes no validator, and the same empty answer follows
  if (typed.length === 0) return { code: null, names, fast, flat }
  /** schema text → the index of its validator (`v<index>`): tools with one schema share it */
  const bySchema = new Map<string, number>()
  const chunks: Code[] = []
  const unsupported: string[] = []
  /** validator index → its flat properties (absent: the schema has no fast check) */
  const flatOf = new Map<number, FlatProp[]>()
  /** validator indexes whose `vf<n>` function some tool calls */
  const called = new Set<number>()
  for (const tool of typed) {
    const schema = tool.schema as JsonSchema
    if (hasProtoKey(schema)) {
      diagnostics.push({ code: 'schema-unsupported', severity: 'error', message: `the schema of tool \`${tool.name}\` uses the key \`__proto__\``, span: tool.span, help: 'rename the property; `__proto__` cannot be a reliable argument name' })
      continue
    }
    const key = JSON.stringify(schema)
    let index = bySchema.get(key)
    if (index === undefined) {
      index = bySchema.size
      const props = flatProps(schema)
      let trusted: Code | { unsupported: string }
      try {
        // a flat schema's validator is written here (checked against the meta-schema as Ajv would); any other is Ajv's
        if (props !== null) validateSchema(schema as object)
        trusted = props !== null ? flatValidator(schema, numberedName('v', index)) : validatorFor(schema, validatorKey(schema), cache)
      } catch (e) {
        diagnostics.push({ code: 'schema-invalid', severity: 'error', message: `the schema of tool \`${tool.name}\` is not a valid JSON Schema: ${(e as Error).message}`, span: tool.span })
        continue
      }
      if ('unsupported' in trusted) unsupported.push(trusted.unsupported)
      else chunks.push(props !== null ? trusted : scopedValidator(trusted, numberedName('v', 0), numberedName('v', index)))
      bySchema.set(key, index)
      if (props !== null) flatOf.set(index, props)
    }
    names.set(tool.name, numberedName('v', index))
    const props = flatOf.get(index)
    if (props === undefined) continue
    if (inline(tool)) flat.set(tool.name, props)
    else {
      called.add(index)
      fast.set(tool.name, numberedName('vf', index))
    }
  }
  // Stryker disable next-line ConditionalExpression: every schema was refused (an error is reported), so no module is written from what follows
  if (bySchema.size === 0) return { code: null, names, fast: new Map(), flat: new Map() }
  if (unsupported.length > 0) {
    const reason = [...unsupported].sort((a, b) => UNSUPPORTED_ORDER(a) - UNSUPPORTED_ORDER(b))[0]!
    diagnostics.push({ code: 'schema-unsupported', severity: 'error', message: `a tool schema needs validator support that compiled modules cannot carry (\`${reason}\`)`, span: typed[0]!.span, help: 'remove the `format`/keyword that needs it, or validate that argument in a rule' })
    return { code: null, names: new Map(), fast: new Map(), flat: new Map() }
  }
  const code = join(chunks, js``)
  // Stryker disable next-line MethodExpression,ArrowFunction,ArithmeticOperator: the order of the `vf<n>` functions is only layout (each is called by name); sorting keeps it by index
  const fastCode = [...called].sort((x, y) => x - y).map(i => fastCheck(flatOf.get(i)!, numberedName('vf', i)))
  // Stryker disable next-line ConditionalExpression,StringLiteral: joining one item gives that item, and the line break between function declarations is layout
  return { code: fastCode.length === 0 ? code : join([code, ...fastCode], js`\n`), names, fast, flat }
}
