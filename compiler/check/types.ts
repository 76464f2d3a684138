/**
 * Build-time type checking of rules against tool schemas and the declared context (SPEC 1.4).
 * A small lattice: a type is a set of tags, plus the schema (for objects and arrays) or declared
 * fields it came from; `any` means "unknown, check nothing". Narrowing follows `&&`, `||`, `? :`
 * and `!` for the usual guards (`x != null`, `x !== undefined`, a truthy `x`).
 */
import type { Diagnostic } from '../diagnostic.js'
import type { Expr, FieldDecl, JsonSchema, Member, Policy, Rule, ScalarType, Span } from '../ir.js'
import { children } from '../ir-walk.js'
import { URL_PARTS } from '../net.js'
import { didYouMean } from '../lower/suggest.js'
import { canonicalSchema } from './normalize.js'

type Tag = 'string' | 'number' | 'boolean' | 'null' | 'undefined' | 'object' | 'array' | 'regex'

interface Ty {
  any: boolean
  tags: ReadonlySet<Tag>
  schema?: JsonSchema
  fields?: ReadonlyMap<string, Ty>
  /** what the value is, for messages: `args.to` */
  label?: string
}

const ANY: Ty = { any: true, tags: new Set() }
const t = (...tags: Tag[]): Ty => ({ any: false, tags: new Set(tags) })
/** `session.labels`: always an array of strings */
const LABELS: Ty = { any: false, tags: new Set(['array']), schema: { type: 'array', items: { type: 'string' } } }
const NULLISH: ReadonlySet<Tag> = new Set(['null', 'undefined'])

function union(a: Ty, b: Ty): Ty {
  if (a.any || b.any) return ANY
  const out: Ty = { any: false, tags: new Set([...a.tags, ...b.tags]) }
  const schema = a.schema ?? b.schema
  if (schema) out.schema = schema
  const fields = a.fields ?? b.fields
  if (fields) out.fields = fields
  return out
}

function without(ty: Ty, drop: Tag[]): Ty {
  if (ty.any) return ty
  const out: Ty = { ...ty, tags: new Set([...ty.tags].filter(x => !drop.includes(x))) }
  return out
}

function solid(ty: Ty): Tag[] {
  return [...ty.tags].filter(x => !NULLISH.has(x))
}

/**
 * Tags of `ty` outside `allowed` (nullish ones included): for operations that throw at run time on
 * any other value, so the checker must prove every possible value fits, not just one of them.
 */
function misfits(ty: Ty, allowed: readonly Tag[]): Tag[] {
  return ty.any ? [] : [...ty.tags].filter(x => !allowed.includes(x))
}

function mayBe(tags: readonly Tag[]): string {
  return tags.map(x => (x === 'undefined' ? 'absent' : x === 'array' || x === 'object' ? `an ${x}` : x === 'null' ? 'null' : `a ${x}`)).join(' or ')
}

function show(ty: Ty): string {
  if (ty.any) return 'unknown'
  const tags = [...ty.tags]
  return tags.length === 0 ? 'never' : tags.join(' | ')
}

export function schemaType(schema: unknown): Ty {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return ANY
  const s = schema as JsonSchema
  const alts = (s['anyOf'] ?? s['oneOf']) as unknown
  if (Array.isArray(alts) && alts.length > 0) return alts.map(schemaType).reduce(union)
  if (Array.isArray(s['enum'])) {
    const tags = new Set<Tag>()
    for (const v of s['enum'] as unknown[]) tags.add(valueTag(v))
    return { any: false, tags }
  }
  if ('const' in s) return t(valueTag(s['const']))
  const type = s['type']
  const types = Array.isArray(type) ? type : typeof type === 'string' ? [type] : []
  if (types.length === 0) return s['properties'] ? { any: false, tags: new Set(['object']), schema: s } : ANY
  let out: Ty | undefined
  for (const ty of types) {
    let one: Ty
    switch (ty) {
      case 'string': one = t('string'); break
      case 'number': case 'integer': one = t('number'); break
      case 'boolean': one = t('boolean'); break
      case 'null': one = t('null'); break
      case 'object': one = { any: false, tags: new Set(['object']), schema: s }; break
      case 'array': one = { any: false, tags: new Set(['array']), schema: s }; break
      default: one = ANY
    }
    out = out ? union(out, one) : one
  }
  return out ?? ANY
}

function valueTag(v: unknown): Tag {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  const k = typeof v
  return k === 'string' || k === 'number' || k === 'boolean' ? k : 'object'
}

function scalarType(st: ScalarType): Ty {
  switch (st) {
    case 'string': return t('string')
    case 'number': return t('number')
    case 'boolean': return t('boolean')
    case 'string[]': return { any: false, tags: new Set(['array']), schema: { type: 'array', items: { type: 'string' } } }
    case 'number[]': return { any: false, tags: new Set(['array']), schema: { type: 'array', items: { type: 'number' } } }
    case 'unknown': return ANY
  }
}

/** `absent`: the fields may be missing (caller-supplied context); params always have a value. */
function fieldsType(decls: readonly { name: string; type: ScalarType }[], absent: boolean): Ty {
  const fields = new Map<string, Ty>()
  for (const d of decls) fields.set(d.name, absent ? union(scalarType(d.type), t('undefined')) : scalarType(d.type))
  return { any: false, tags: new Set(['object']), fields }
}

/** Text of a Root/Member chain with static keys, for narrowing and messages; undefined otherwise. */
function pathKey(e: Expr): string | undefined {
  if (e.kind === 'root') return e.name
  // a quantifier's element: lowering keeps parameter names distinct within a rule and apart from roots
  if (e.kind === 'var') return e.name
  if (e.kind === 'url') {
    const inner = pathKey(e.arg)
    return inner === undefined ? undefined : `url(${inner})`
  }
  if (e.kind === 'labels') return 'session.labels'
  if (e.kind === 'member' && typeof e.key === 'string') {
    const base = pathKey(e.object)
    return base === undefined ? undefined : `${base}.${e.key}`
  }
  return undefined
}

type Facts = Map<string, Tag[]>

/** `url(s)`: a frozen object of five strings, or null. */
const URL_TYPE: Ty = { any: false, tags: new Set<Tag>(['object', 'null']), fields: new Map(URL_PARTS.map(p => [p, t('string')])) }

class Checker {
  /** the types of the enclosing quantifiers' elements */
  readonly vars = new Map<string, Ty>()

  constructor(
    readonly roots: { args: Ty; context: Ty; params: Ty; result: Ty },
    readonly out: Diagnostic[],
    readonly toolName: string | undefined,
  ) {}

  error(code: string, message: string, span: Span, help?: string): void {
    this.out.push({ code, severity: 'error', message, span, ...(help !== undefined ? { help } : {}) })
  }

  /** Facts known about paths when `e` evaluates to `truthy`. */
  facts(e: Expr, truthy: boolean, into: Facts = new Map()): Facts {
    const add = (k: string | undefined, drop: Tag[]): void => {
      if (k !== undefined) into.set(k, [...(into.get(k) ?? []), ...drop])
    }
    if (e.kind === 'member' || e.kind === 'root') {
      if (truthy) add(pathKey(e), ['null', 'undefined'])
    } else if (e.kind === 'unary' && e.op === '!') this.facts(e.arg, !truthy, into)
    else if (e.kind === 'logical' && e.op === '&&' && truthy) {
      this.facts(e.left, true, into)
      this.facts(e.right, true, into)
    } else if (e.kind === 'logical' && e.op === '||' && !truthy) {
      this.facts(e.left, false, into)
      this.facts(e.right, false, into)
    } else if (e.kind === 'all' && truthy) for (const i of e.items) this.facts(i, true, into)
    else if (e.kind === 'binary') {
      const [path, lit] = e.right.kind === 'lit' ? [e.left, e.right.value] : e.left.kind === 'lit' ? [e.right, e.left.value] : [undefined, undefined]
      if (path && lit === null) {
        const negative = e.op === '!=' || e.op === '!=='
        const holdsNonNull = truthy === negative
        if (holdsNonNull) add(pathKey(path), e.op === '!=' || e.op === '==' ? ['null', 'undefined'] : ['null'])
      }
    } else if (e.kind === 'op' && e.op !== 'exists' && truthy !== e.negate) {
      // a positive operator other than exists holds only for a present value
      add(pathKey(e.subject), ['undefined', 'null'])
    } else if (e.kind === 'op' && e.op === 'exists' && truthy !== e.negate) add(pathKey(e.subject), ['undefined'])
    return into
  }

  type(e: Expr, facts: Facts): Ty {
    switch (e.kind) {
      case 'lit': return t(valueTag(e.value))
      case 'regex': return t('regex')
      case 'array':
        for (const i of e.items) this.type(i, facts)
        return t('array')
      case 'root': {
        if (e.name === 'tool') return t('string')
        const ty = this.roots[e.name]
        return { ...ty, label: e.name }
      }
      case 'member': return this.member(e, facts)
      case 'unary': {
        const a = this.type(e.arg, facts)
        const bad = e.op === '!' ? [] : misfits(a, ['number'])
        if (bad.length > 0) this.error('type-mismatch', `unary \`${e.op}\` needs a number, but ${label(a)} may be ${mayBe(bad)}`, e.span, a.tags.has('number') ? 'narrow it first, e.g. `x != null && ...`, or give a default with `??`' : undefined)
        return e.op === '!' ? t('boolean') : t('number')
      }
      case 'binary': return this.binary(e, facts)
      case 'logical': {
        const l = this.type(e.left, facts)
        const rightFacts = e.op === '&&' ? merge(facts, this.facts(e.left, true)) : e.op === '||' ? merge(facts, this.facts(e.left, false)) : facts
        const r = this.type(e.right, rightFacts)
        // `a ?? b` is `a` only when `a` is present
        return union(e.op === '??' ? without(l, ['null', 'undefined']) : l, r)
      }
      case 'conditional': {
        this.type(e.test, facts)
        return union(this.type(e.then, merge(facts, this.facts(e.test, true))), this.type(e.otherwise, merge(facts, this.facts(e.test, false))))
      }
      case 'call': return this.call(e, facts)
      case 'op': return this.op(e, facts)
      case 'labels': return { ...LABELS, label: 'session.labels' }
      case 'all': {
        let f = facts
        for (const i of e.items) {
          this.type(i, f)
          f = merge(f, this.facts(i, true))
        }
        return t('boolean')
      }
      case 'any':
        for (const i of e.items) this.type(i, facts)
        return t('boolean')
      case 'detect':
        // any value may be searched: strings and numbers are read, anything else holds nothing
        this.type(e.arg, facts)
        return t('boolean')
      case 'quantifier': return this.quantifier(e, facts)
      case 'var': {
        let ty: Ty = { ...(this.vars.get(e.name) ?? ANY), label: e.name }
        const drop = facts.get(e.name)
        if (drop) ty = without(ty, drop)
        return ty
      }
      case 'url': {
        const arg = this.type(e.arg, facts)
        if (!arg.any && solid(arg).length > 0 && !arg.tags.has('string')) this.error('type-mismatch', `\`url\` of ${describe(arg)} is always null`, e.arg.span, '`url` parses a string')
        const key = pathKey(e)
        const drop = key === undefined ? undefined : facts.get(key)
        return drop ? without(URL_TYPE, drop) : URL_TYPE
      }
      case 'urlPart': return this.urlPart(e, facts)
      case 'privateAddress': case 'inCidr': {
        const arg = this.type(e.arg, facts)
        if (!arg.any && solid(arg).length > 0 && !arg.tags.has('string')) {
          const name = e.kind === 'inCidr' ? 'an address range test' : 'a private-address test'
          this.error('type-mismatch', `${name} on ${describe(arg)} can never hold`, e.span, 'address tests read a host or IP address string, such as `url(args.url)?.hostname`')
        }
        return t('boolean')
      }
    }
  }

  quantifier(e: Extract<Expr, { kind: 'quantifier' }>, facts: Facts): Ty {
    const arr = this.type(e.array, facts)
    const present = solid(arr)
    if (!arr.any && present.length > 0 && !present.includes('array')) {
      const what = e.param.endsWith('*') ? `\`*\` in \`${e.param}\`` : `\`${e.quantifier}\``
      this.error('type-mismatch', `${what} needs an array, but ${describe(arr)}`, e.array.span, `on anything but an array \`${e.quantifier}\` is false`)
    }
    const item = arr.any || !arr.tags.has('array') ? ANY : schemaType((arr.schema ?? {})['items'])
    const outer = this.vars.get(e.param)
    this.vars.set(e.param, item)
    // facts about an earlier element of the same name say nothing about this one
    const inner: Facts = new Map([...facts].filter(([k]) => k !== e.param && !k.startsWith(`${e.param}.`)))
    try {
      this.type(e.body, inner)
    } finally {
      if (outer) this.vars.set(e.param, outer)
      else this.vars.delete(e.param)
    }
    return t('boolean')
  }

  /** `<path>.hostname` in a condition: a URL string's part, or an object's own property. */
  urlPart(e: Extract<Expr, { kind: 'urlPart' }>, facts: Facts): Ty {
    const obj = this.type(e.object, facts)
    if (obj.any) return ANY
    let out: Ty = t()
    if (obj.tags.has('string')) out = union(out, t('string', 'undefined'))
    const rest = without(obj, ['string'])
    if (rest.tags.size > 0) out = union(out, this.property(rest, e.part, { kind: 'member', object: e.object, key: e.part, optional: true, span: e.span }))
    return out
  }

  member(e: Member, facts: Facts): Ty {
    const obj = this.type(e.object, facts)
    const key = pathKey(e)
    let ty: Ty
    if (typeof e.key !== 'string') {
      this.type(e.key, facts)
      ty = ANY
    } else ty = this.property(obj, e.key, e)
    if (key !== undefined) {
      ty = { ...ty, label: key }
      const drop = facts.get(key)
      if (drop) ty = without(ty, drop)
    }
    return ty
  }

  property(obj: Ty, key: string, e: Member): Ty {
    if (obj.any) return ANY
    let out: Ty = t()
    const tags = obj.tags
    if (key === 'length' && (tags.has('string') || tags.has('array'))) out = union(out, t('number'))
    if (tags.has('null') || tags.has('undefined') || tags.has('string') || tags.has('number') || tags.has('boolean') || tags.has('regex')) {
      if (!(key === 'length' && tags.size === 1)) out = union(out, t('undefined'))
    }
    if (tags.has('array')) {
      if (/^\d+$/.test(key)) out = union(union(out, schemaType((obj.schema ?? {})['items'])), t('undefined'))
      else if (key !== 'length') out = union(out, t('undefined'))
    }
    if (tags.has('object')) {
      if (obj.fields) {
        const f = obj.fields.get(key)
        if (f) out = union(out, f)
        else {
          this.error('unknown-field', `unknown field \`${key}\` in ${label(obj)}`, e.span, didYouMean(key, obj.fields.keys()) ?? `declared fields: ${[...obj.fields.keys()].map(k => `\`${k}\``).join(', ') || 'none'}`)
          return ANY
        }
      } else if (obj.schema) {
        const props = obj.schema['properties'] as JsonSchema | undefined
        const required = Array.isArray(obj.schema['required']) ? (obj.schema['required'] as unknown[]) : []
        const extra = obj.schema['additionalProperties']
        if (props && Object.prototype.hasOwnProperty.call(props, key)) {
          out = union(out, schemaType(props[key]))
          if (!required.includes(key)) out = union(out, t('undefined'))
        } else if (extra === true || (typeof extra === 'object' && extra !== null)) {
          out = union(out, extra === true ? ANY : schemaType(extra))
          out = union(out, t('undefined'))
        } else if (props) {
          const where = this.toolName !== undefined && obj.label === 'args' ? `the arguments of \`${this.toolName}\`` : label(obj)
          this.error('unknown-field', `unknown field \`${key}\` in ${where}`, e.span, didYouMean(key, Object.keys(props)) ?? `the schema has: ${Object.keys(props).map(k => `\`${k}\``).join(', ') || 'no properties'}`)
          return ANY
        } else out = union(out, ANY)
      } else out = ANY
    }
    return out
  }

  binary(e: Extract<Expr, { kind: 'binary' }>, facts: Facts): Ty {
    const l = this.type(e.left, facts)
    const r = this.type(e.right, facts)
    const ls = solid(l)
    const rs = solid(r)
    const known = !l.any && !r.any && ls.length > 0 && rs.length > 0
    switch (e.op) {
      case '===': case '!==': case '==': case '!=': {
        if (known && !ls.some(x => rs.includes(x))) {
          this.error('type-mismatch', `comparison of ${describe(l)} with ${describe(r)} is always ${e.op.startsWith('!') ? 'true' : 'false'}`, e.span, 'compare values of the same type')
        }
        return t('boolean')
      }
      case '<': case '<=': case '>': case '>=': {
        if (known) {
          const ok = (ls.every(x => x === 'number') && rs.every(x => x === 'number')) || (ls.every(x => x === 'string') && rs.every(x => x === 'string'))
          const bothComparable = ls.some(x => x === 'number' || x === 'string') && rs.some(x => x === 'number' || x === 'string')
          if (!ok && !(ls.length > 1 || rs.length > 1) || !bothComparable) {
            this.error('type-mismatch', `comparison of ${describe(l)} with ${describe(r)} is always false`, e.span, '`<`, `<=`, `>`, `>=` compare two numbers or two strings')
          }
        }
        return t('boolean')
      }
      case '+': {
        if (!l.any && !r.any) {
          // `+` throws unless both sides are numbers or both are strings, for every possible value
          const num = misfits(l, ['number']).length === 0 && misfits(r, ['number']).length === 0
          const str = misfits(l, ['string']).length === 0 && misfits(r, ['string']).length === 0
          if (!num && !str) this.error('type-mismatch', `\`+\` of ${describe(l)} and ${describe(r)} can fail at run time`, e.span, '`+` adds two numbers or joins two strings; narrow both sides to one type first')
        }
        return ls.includes('string') ? t('string') : t('number')
      }
      default: {
        for (const [side, node] of [[l, e.left], [r, e.right]] as const) {
          const bad = misfits(side, ['number'])
          if (bad.length > 0) this.error('type-mismatch', `\`${e.op}\` needs numbers, but ${label(side)} may be ${mayBe(bad)}`, node.span, side.tags.has('number') ? 'narrow it first, e.g. `x != null && ...`, or give a default with `??`' : undefined)
        }
        return t('number')
      }
    }
  }

  call(e: Extract<Expr, { kind: 'call' }>, facts: Facts): Ty {
    const recv = this.type(e.receiver, facts)
    const args = e.args.map(a => this.type(a, facts))
    const wants: Tag[] = e.method === 'test' ? ['regex'] : e.method === 'includes' ? ['string', 'array'] : ['string']
    let result: Ty
    switch (e.method) {
      case 'match': result = t('array', 'null'); break
      case 'toLowerCase': case 'toUpperCase': case 'trim': result = t('string'); break
      default: result = t('boolean')
    }
    if (!recv.any) {
      const present = solid(recv)
      if (present.some(x => !wants.includes(x))) {
        const bad = present.filter(x => !wants.includes(x))
        const some = present.length > bad.length
        this.error('type-mismatch', `\`${e.method}\` needs a ${wants.join(' or ')}, but ${some ? `${label(recv)} may be ${mayBe(bad)}` : describe(recv)}`, e.receiver.span, e.method === 'match' ? 'a regex can only match a string' : some ? 'narrow it to one type first' : undefined)
      } else if ((recv.tags.has('undefined') || recv.tags.has('null')) && !e.optional) {
        const name = recv.label
        this.error('possibly-undefined', `${name !== undefined ? `\`${name}\`` : 'the value'} may be absent, and \`${e.method}\` on it would fail`, e.receiver.span, name !== undefined ? `check first (\`${name} != null && ...\`) or write \`${name}?.${e.method}(...)\`` : `give it a default first, e.g. \`(... ?? '')\`, or write \`?.${e.method}(...)\``)
      }
      if (e.optional && (recv.tags.has('undefined') || recv.tags.has('null'))) result = union(result, t('undefined'))
    }
    const arg = args[0]
    if (arg && !arg.any) {
      const present = solid(arg)
      if ((e.method === 'test' || e.method === 'startsWith' || e.method === 'endsWith' || (e.method === 'includes' && !recv.any && recv.tags.has('string'))) && present.some(x => x !== 'string')) {
        this.error('type-mismatch', `\`${e.method}\` needs a string argument, but ${describe(arg)}`, e.args[0]!.span, e.method === 'test' ? 'a regex can only test a string' : undefined)
      } else if (e.method !== 'match' && (e.method !== 'includes' || (!recv.any && recv.tags.has('string'))) && (arg.tags.has('undefined') || arg.tags.has('null'))) {
        const name = arg.label
        this.error('possibly-undefined', `${name !== undefined ? `\`${name}\`` : 'the argument'} may be absent, and \`${e.method}\` needs a string`, e.args[0]!.span, name !== undefined ? `check first: \`${name} != null && ...\`` : "give it a default first, e.g. `(... ?? '')`")
      }
    }
    return result
  }

  op(e: Extract<Expr, { kind: 'op' }>, facts: Facts): Ty {
    const s = this.type(e.subject, facts)
    const present = solid(s)
    if (s.any || present.length === 0) return t('boolean')
    const name = `${e.negate ? 'not_' : ''}${e.op}`
    const need = (ok: Tag[], help?: string): void => {
      if (!present.some(x => ok.includes(x))) this.error('type-mismatch', `\`${name}\` on ${describe(s)} can never hold`, e.span, help ?? `\`${name}\` applies to ${ok.join(' or ')} values`)
    }
    switch (e.op) {
      case 'matches': need(['string'], 'a regex can only match a string'); break
      case 'starts_with': case 'ends_with': need(['string']); break
      case 'contains': need(['string', 'array']); break
      case 'greater_than': case 'greater_than_or_equal': case 'less_than': case 'less_than_or_equal': need(['number', 'string']); break
      case 'equals':
        if (e.value && e.value.kind === 'lit') {
          const vt = valueTag(e.value.value)
          if (vt !== 'null' && !present.includes(vt)) this.error('type-mismatch', `\`${name}\` compares ${describe(s)} with a ${vt}: it can never be equal`, e.value.span, 'compare values of the same type')
        }
        break
      case 'in':
        if (e.value && e.value.kind === 'array' && e.value.items.length > 0) {
          const vts = e.value.items.map(i => (i.kind === 'lit' ? valueTag(i.value) : 'object'))
          if (!vts.some(v => present.includes(v) || v === 'null')) this.error('type-mismatch', `\`${name}\` compares ${describe(s)} with a list of ${[...new Set(vts)].join(' and ')}: no element can be equal`, e.value.span)
        }
        break
      case 'exists': break
    }
    return t('boolean')
  }
}

function merge(a: Facts, b: Facts): Facts {
  if (b.size === 0) return a
  const out = new Map(a)
  for (const [k, v] of b) out.set(k, [...(out.get(k) ?? []), ...v])
  return out
}

function label(ty: Ty): string {
  return ty.label !== undefined ? `\`${ty.label}\`` : 'the value'
}

function describe(ty: Ty): string {
  return ty.label !== undefined ? `\`${ty.label}\` (${show(ty)})` : `a ${show(ty)}`
}

/** Whether `e` reads `args` or `result`, whose types depend on the tool. */
function usesArgs(e: Expr | null): boolean {
  if (e === null) return false
  switch (e.kind) {
    case 'quantifier': case 'var': case 'url': case 'urlPart': case 'privateAddress': case 'inCidr': return children(e).some(usesArgs)
    case 'root': return e.name === 'args' || e.name === 'result'
    case 'lit': case 'regex': case 'labels': return false
    case 'array': return e.items.some(usesArgs)
    case 'member': return usesArgs(e.object) || (typeof e.key !== 'string' && usesArgs(e.key))
    case 'unary': return usesArgs(e.arg)
    case 'binary': case 'logical': return usesArgs(e.left) || usesArgs(e.right)
    case 'conditional': return usesArgs(e.test) || usesArgs(e.then) || usesArgs(e.otherwise)
    case 'call': return usesArgs(e.receiver) || e.args.some(usesArgs)
    case 'op': return usesArgs(e.subject) || usesArgs(e.value)
    case 'all': case 'any': return e.items.some(usesArgs)
    case 'detect': return usesArgs(e.arg)
  }
}

/** Type-checks every rule's condition and limit key against each tool it applies to. */
export function checkTypes(policy: Policy, out: Diagnostic[]): void {
  const context = policy.context.length > 0 ? fieldsType(policy.context as FieldDecl[], true) : ANY
  const params = fieldsType(policy.params, false)
  const argTypes = new Map<string, Ty>()
  const resultTypes = new Map<string, Ty>()
  for (const tool of policy.tools) {
    // rules read the canonical arguments: a `shell` argument is a string array (compiler/check/normalize.ts)
    argTypes.set(tool.name, tool.schema ? schemaType(canonicalSchema(tool)) : ANY)
    // `returns:` types `result`; a result the tool does not declare may be anything
    resultTypes.set(tool.name, tool.returns ? schemaType(tool.returns) : ANY)
  }
  const seen = new Set<string>()
  /** Types `exprs` against each of `tools` (once, if they never read `args`), reporting each diagnostic once. */
  const checkAgainst = (exprs: readonly Expr[], tools: string[] | '*'): void => {
    const names = tools === '*' ? policy.tools.map(x => x.name) : tools
    const targets: (string | undefined)[] = exprs.some(usesArgs) ? names : [undefined]
    for (const tool of targets) {
      const args = tool === undefined ? ANY : (argTypes.get(tool) ?? ANY)
      const result = tool === undefined ? ANY : (resultTypes.get(tool) ?? ANY)
      const local: Diagnostic[] = []
      const checker = new Checker({ args, context, params, result }, local, tool)
      for (const e of exprs) checker.type(e, new Map())
      for (const d of local) {
        const key = `${d.span.start}:${d.span.end}:${d.code}:${d.message}`
        if (!seen.has(key)) {
          seen.add(key)
          out.push(d)
        }
      }
    }
  }
  for (const rule of policy.rules) {
    const exprs = [rule.condition, rule.limit?.key ?? null].filter((e): e is Expr => e !== null)
    if (exprs.length > 0) checkAgainst(exprs, rule.tools)
    checkRuleNeverMatches(rule, out)
  }
  // counter keys, against each tool they count
  for (const f of policy.context) if (f.count?.key) checkAgainst([f.count.key], f.count.tools)
}

function checkRuleNeverMatches(rule: Rule, out: Diagnostic[]): void {
  const c = rule.condition
  const isFalse = (e: Expr): boolean => (e.kind === 'lit' && (e.value === false || e.value === null || e.value === 0 || e.value === '')) || (e.kind === 'all' && e.items.some(isFalse)) || (e.kind === 'any' && e.items.every(isFalse))
  if (c !== null && isFalse(c)) out.push({ code: 'never-matches', severity: 'warning', message: `rule \`${rule.id}\` can never match: its condition is always false`, span: c.span })
}
