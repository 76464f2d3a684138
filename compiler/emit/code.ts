/**
 * The one path to emitted text. `Code` can only be made by the `js` tag (and `trustedAjv`, for the
 * validator source Ajv generates and quotes itself); every plain string handed to `js` is quoted.
 * A policy string therefore never *becomes* code: it can only ever be a string literal.
 */
import { parse } from 'acorn'

const CODE: unique symbol = Symbol('code')

export interface Code {
  readonly [CODE]: string
}

export type Arg = Code | string | number | boolean | null | undefined

/** `js\`...${x}...\``: Code passes through, strings are JSON-quoted, numbers and literals rendered. */
export function js(parts: TemplateStringsArray, ...args: Arg[]): Code {
  let text = parts[0]!
  for (let i = 0; i < args.length; i++) text += render(args[i]) + parts[i + 1]!
  return { [CODE]: text }
}

function render(a: Arg): string {
  if (a !== null && typeof a === 'object') {
    // only Code is an object here: any other (a schema's enum value, an array) would have become the
    // text `undefined` in the module, so it stops the build instead
    if (!(CODE in a)) throw new Error('internal: js takes code, strings, numbers, booleans, null or undefined')
    return a[CODE]
  }
  if (typeof a === 'number') {
    if (!Number.isFinite(a)) throw new Error('internal: non-finite literal')
    return Object.is(a, -0) ? '-0' : a < 0 ? `(${String(a)})` : String(a)
  }
  if (typeof a === 'string') return quote(a)
  // null, the booleans and undefined: their words; nothing else (a function's source, a bigint) is rendered
  if (a === null || a === undefined || typeof a === 'boolean') return String(a)
  throw new Error('internal: js takes code, strings, numbers, booleans, null or undefined')
}

/**
 * A JavaScript/TypeScript string literal for any string: JSON quoting, plus escapes for U+2028/2029
 * and for `<` (so `</script>` and `<!--` cannot appear in the output).
 */
export function quote(s: string): string {
  return JSON.stringify(s).replace(/[\u2028\u2029<>]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** A JSON value as an expression that builds it with own properties only (`JSON.parse` of a quoted string). */
export function jsonValue(v: unknown): Code {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return js`${v as Arg}`
  return js`JSON.parse(${JSON.stringify(v)})`
}

/**
 * The items one after another, `sep` between them. Only `Code` joins: a plain string in the list
 * is the emitter's bug (it would be quoted into a string statement, or passed on as not code at all),
 * so it stops the build instead.
 */
export function join(items: readonly Code[], sep: Code = js`, `): Code {
  for (const item of items) if (item === null || typeof item !== 'object' || !(CODE in item)) throw new Error('internal: join takes code only')
  if (items.length === 0) return js``
  let out = items[0]!
  for (let i = 1; i < items.length; i++) out = js`${out}${sep}${items[i]!}`
  return out
}

export function text(c: Code): string {
  return c[CODE]
}

/** Comment text: no line breaks, no `*\/`, nothing non-printable. */
export function comment(s: string): Code {
  return { [CODE]: `// ${s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replace(/\*\//g, '* /')}` }
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/
const RESERVED = new Set(('break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await arguments eval undefined NaN Infinity').split(' '))

/** Names come from this allocator, never from policy text. */
export class Scope {
  private readonly counters = new Map<string, number>()
  name(prefix: string): Code {
    if (!IDENT.test(prefix) || RESERVED.has(prefix)) throw new Error(`internal: bad name prefix ${prefix}`)
    const n = this.counters.get(prefix) ?? 0
    this.counters.set(prefix, n + 1)
    return { [CODE]: `${prefix}${n}` }
  }
}

/** `prefix` + a number, for names fixed by a generator such as Ajv's standalone exports (`v0`). */
export function numberedName(prefix: string, n: number): Code {
  if (!IDENT.test(prefix) || !Number.isInteger(n) || n < 0) throw new Error('internal: bad numbered name')
  return { [CODE]: `${prefix}${n}` }
}

/** A TypeScript property key: bare when it is a safe identifier, quoted otherwise. */
export function typeKey(key: string): Code {
  return IDENT.test(key) && !RESERVED.has(key) ? { [CODE]: key } : js`${key}`
}

/**
 * Ajv's standalone validator source. Ajv quotes every schema string itself (`safeStringify`); this
 * function only accepts it after checking that it parses and reaches no module system: its runtime
 * helper imports are replaced by the inlined helpers the caller provides.
 */
export function trustedAjv(source: string, helpers: Readonly<Record<string, Code>>): Code | { unsupported: string } {
  let out = source.replace(/^"use strict";/, '')
  out = out.replace(/const (func\d+) = require\("ajv\/dist\/runtime\/([a-z0-9]+)"\)\.default;/g, (m, name: string, helper: string) => {
    const h = helpers[helper]
    return h === undefined ? m : `const ${name} = ${text(h)};`
  })
  const missing = /require\("([^"]+)"\)/.exec(out)
  if (missing) return { unsupported: missing[1]! }
  out = out.replace(/export const (v\d+) = (validate\d+);/g, 'const $1 = $2;')
  if (/\bexport\b|\bimport\b/.test(out.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) return { unsupported: 'module syntax' }
  // Ajv writes schema text into comments (a schema's `$id` into `/*# sourceURL=... *\/`), where no
  // quoting protects it: `lower` refuses `$id`, and a validator that still carries a comment is
  // refused here, so no schema text ever stands outside a string literal
  let comments = 0
  parse(out, { ecmaVersion: 'latest', sourceType: 'module', onComment: () => { comments++ } })
  if (comments > 0) return { unsupported: 'a comment in the generated validator (`$id`?)' }
  return { [CODE]: out }
}

/**
 * One validator of Ajv's standalone output (already through `trustedAjv`, exported as `from`) in a
 * function scope of its own, bound to `name`: each validator is generated alone, so every one calls
 * its functions `validate0`, `schema0`, ... and several must sit side by side in one module.
 */
export function scopedValidator(chunk: Code, from: Code, name: Code): Code {
  const t = chunk[CODE]
  const head = new RegExp(`^const ${from[CODE]} = (validate\\d+);`).exec(t)
  if (head === null) throw new Error('internal: a generated validator does not start with its export')
  return { [CODE]: `const ${name[CODE]} = (function () {${t.slice(head[0].length)}return ${head[1]!};})();` }
}
