/**
 * What a careful hand-writer does with the reads of a tool function: read each argument once (in the
 * schema check, keeping the value in a local the rules then use), test the context for being an
 * object once, read each context field the rules always read once, and skip the type tests the
 * schema already made. The emitter (`toolFunction` in index.ts) asks this file for the locals and for
 * the specialised forms; everything here keeps the SPEC's semantics exactly: own-property reads, no
 * coercion, the same errors (a specialised form falls back to the generic helper for any value
 * outside its fast case), and a read is only moved ahead of the rules when every evaluation reads it.
 */
import type { Expr, Rule } from '../ir.js'
import { join, js, type Code, type Scope } from './code.js'
import type { FlatProp } from './validate.js'

/** A value read once into a local of the tool function. */
export interface Local {
  name: Code
  /** the JSON type validation fixed (arguments only); with `required`, the value always has it */
  type: FlatProp['type']
  required: boolean
}

/**
 * Names bound in the tool function's own scope. A quantifier's body runs in a function of its own,
 * which cannot see them, so its context has none.
 */
export interface Locals {
  /** `args:<key>` / `context:<key>` → the local holding that own property (or undefined) */
  reads: Map<string, Local>
  /** the locals holding `plainProto(a)` and `plainProto(c)` for an object `c` (compiler/emit/runtime.ts) */
  pa: Code | null
  cp: Code | null
}

/**
 * The own property `key` of `o` (or undefined): read directly when `o`'s prototype is
 * `Object.prototype` (`proto`, see `plainProto` in compiler/emit/runtime.ts) and `Object.prototype`
 * does not have the key at this moment, else through the `own` helper. Short on purpose: the tool
 * function must stay small enough for the optimising compiler to inline it into `evaluate`.
 */
export function ownRead(o: Code, proto: Code, key: string): Code {
  return js`(${proto} && !(${key} in ObjectProto) ? ${o}[${key}] : own(${o}, ${key}))`
}

export const readKey = (root: 'args' | 'context', key: string): string => `${root}:${key}`

/**
 * The context fields `e` reads on every evaluation, whatever the values: the left of `&&`, `||`,
 * `??`, the test of `?:`, the first item of `all`/`any`, a quantifier's array, and every operand of
 * the other nodes (helpers get their operands evaluated). A read in any other place may be skipped by
 * the values, so moving it ahead could raise an error (a getter that throws) the rule never raised.
 */
export function eagerContextKeys(e: Expr | null, out: Set<string>): void {
  if (e === null) return
  switch (e.kind) {
    // Stryker disable next-line StringLiteral: a leaf that matches no label falls out of the switch, which returns as this does
    case 'lit': case 'regex': case 'root': case 'var': case 'labels': return
    case 'member':
      if (typeof e.key === 'string' && e.key !== 'length' && e.object.kind === 'root' && e.object.name === 'context') {
        out.add(e.key)
        return
      }
      eagerContextKeys(e.object, out)
      if (typeof e.key !== 'string') eagerContextKeys(e.key, out)
      return
    case 'logical': eagerContextKeys(e.left, out); return
    case 'conditional': eagerContextKeys(e.test, out); return
    case 'all': case 'any': eagerContextKeys(e.items[0] ?? null, out); return
    case 'quantifier': eagerContextKeys(e.array, out); return
    case 'array': for (const i of e.items) eagerContextKeys(i, out); return
    case 'unary': eagerContextKeys(e.arg, out); return
    case 'binary': eagerContextKeys(e.left, out); eagerContextKeys(e.right, out); return
    case 'call': eagerContextKeys(e.receiver, out); for (const a of e.args) eagerContextKeys(a, out); return
    // Stryker disable next-line LogicalOperator: an operator's value is a constant (lowering), so it reads no context field
    case 'op': eagerContextKeys(e.subject, out); eagerContextKeys(e.value ?? null, out); return
    case 'detect': case 'url': case 'privateAddress': case 'inCidr': eagerContextKeys(e.arg, out); return
    case 'urlPart': eagerContextKeys(e.object, out); return
  }
}

/** The context fields every evaluation of `rules` reads (in the order given). */
export function eagerContextReads(rules: readonly Rule[]): string[] {
  const out = new Set<string>()
  for (const r of rules) eagerContextKeys(r.condition, out)
  return [...out]
}

/**
 * The schema check of a flat schema written into the tool function: each property the check looks
 * at is read once, up front, into its local (`reads`, inside the validation's try: a getter that
 * throws has not been validated), then `test` is the `vf<n>` check (compiler/emit/validate.ts) on
 * the locals, which accepts only what Ajv accepts; when it fails, Ajv decides and says why. The
 * locals hold the own properties whichever of the two accepted, so nothing is read again.
 */
export function argumentLocals(props: readonly FlatProp[], scope: Scope, pa: Code): { locals: Map<string, Local>; declare: Code; reads: Code; test: Code } {
  const locals = new Map<string, Local>()
  const parts: Code[] = []
  const reads: Code[] = []
  for (const p of props) {
    // an optional property the schema asks nothing of is not read by the check: the rules read it
    if (!p.required && p.test(js`v`) === null) continue
    const name = scope.name('arg')
    const local: Local = { name, required: p.required, type: p.type }
    locals.set(readKey('args', p.key), local)
    reads.push(js`${name} = ${ownRead(js`a`, pa, p.key)};`)
    // every test is false for undefined, so "own and passes" is "its own value passes"
    const test = p.test(name)
    if (!p.required) parts.push(js`(${name} === undefined || ${test!})`)
    else parts.push(test === null ? js`${name} !== undefined` : test)
  }
  return {
    locals,
    // written only when there is a local (compiler/emit/index.ts)
    declare: js`let ${join([...locals.values()].map(l => l.name))};`,
    // Stryker disable next-line StringLiteral: the space between the reads is layout
    reads: join(reads, js` `),
    test: parts.length === 0 ? js`true` : join(parts.map(p => js`(${p})`), js` && `),
  }
}

/** `e` as the local of an argument validation proved a string, or undefined. */
export function stringLocal(e: Expr, locals: Locals | undefined): Code | undefined {
  if (locals === undefined || e.kind !== 'member' || typeof e.key !== 'string' || e.object.kind !== 'root' || e.object.name !== 'args') return undefined
  const l = locals.reads.get(readKey('args', e.key))
  return l !== undefined && l.required && l.type === 'string' ? l.name : undefined
}

/** `e` as a local of the tool function (an argument or a context field read once), or undefined. */
export function anyLocal(e: Expr, locals: Locals | undefined): Code | undefined {
  if (locals === undefined || e.kind !== 'member' || typeof e.key !== 'string' || e.object.kind !== 'root' || (e.object.name !== 'args' && e.object.name !== 'context')) return undefined
  return locals.reads.get(readKey(e.object.name, e.key))?.name
}

/** A finite number literal, or undefined. */
export function numberLiteral(e: Expr): number | undefined {
  // Stryker disable next-line ConditionalExpression,LogicalOperator: `Number.isFinite` is false for anything but a finite number (no coercion), and every number literal of a policy is finite
  return e.kind === 'lit' && typeof e.value === 'number' && Number.isFinite(e.value) ? e.value : undefined
}

/**
 * A comparison of the local `x` with a number: a number that is not NaN compares directly, exactly
 * as the generic helper would compare it; any other value (a string, NaN, an object) goes to `slow`,
 * the generic form, which accepts JSON-number strings and throws where the SPEC says it throws.
 */
export function numberFast(x: Code, op: Code, n: number, slow: Code): Code {
  return js`(typeof ${x} === "number" && ${x} === ${x} ? ${x} ${op} ${n} : ${slow})`
}
