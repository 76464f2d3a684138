/**
 * The reference interpreter: a direct reading of the semantics written in `compiler/ir.ts`, kept
 * small and obvious. It is the oracle the emitted code is held to; it never runs on the hot path.
 */
import AjvModule from 'ajv'
import { BlockList, isIP } from 'node:net'
import { PRIVATE_RANGES } from '../../compiler/net.js'
import type { Action, Expr, OpName, Policy, RegexLit, Rule } from '../../compiler/ir.js'
import { counterFields, toolVisibility } from '../../compiler/visible.js'
import type { EvaluateOptions, Evaluation, PendingLimit, ResultEvaluation } from '../../src/types.js'
import { detectValue, redactDetectedValue } from './detectors.js'
import { InvalidArgument, normalizeArgs } from './normalize.js'

const Ajv = AjvModule.default
const hasOwn = (o: object, k: string | number): boolean => Object.prototype.hasOwnProperty.call(o, k)
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/

function errorText(e: unknown): string {
  try {
    return e instanceof Error ? String(e.message) : String(e)
  } catch {
    return 'unprintable error'
  }
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v
}

interface Env {
  args: unknown
  context: unknown
  params: Record<string, unknown>
  tool: string
  /** the elements bound by enclosing quantifiers */
  vars?: ReadonlyMap<string, unknown>
  /** the evaluate options, where `session.labels` is read */
  options: unknown
  result?: unknown
}

/** `session.labels`: a fresh frozen array of the string own elements of options.session.labels. */
function sessionLabels(options: unknown): readonly string[] {
  const session = read(options, 'session')
  const labels = read(session, 'labels')
  const out: string[] = []
  if (Array.isArray(labels)) {
    const n = labels.length
    for (let i = 0; i < n; i++) {
      if (!hasOwn(labels, i)) continue
      const x: unknown = labels[i]
      if (typeof x === 'string') out.push(x)
    }
  }
  return Object.freeze(out)
}

// ---- SPEC 4.4, read directly: WHATWG URL for parsing, node:net for addresses ----

function parseUrl(s: unknown): { protocol: string; hostname: string; port: string; pathname: string; search: string } | null {
  if (typeof s !== 'string' || !URL.canParse(s)) return null
  const u = new URL(s)
  return Object.freeze({ protocol: u.protocol, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search })
}

/** The IP address `h` names, as `[address, 'ipv4' | 'ipv6']`, when `h` is nothing but a host that is an IP literal. */
function hostName(h: unknown): string | null {
  if (typeof h !== 'string' || h === '') return null
  const host = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h
  if (!URL.canParse(`http://${host}/`)) return null
  const u = new URL(`http://${host}/`)
  // nothing but the host: no user, port, path, query or fragment came out of `h`
  return u.href === `http://${u.hostname}/` ? u.hostname : null
}

function address(host: string | null): [string, 'ipv4' | 'ipv6'] | null {
  if (host === null) return null
  const bare = host.startsWith('[') ? host.slice(1, -1) : host
  const v = isIP(bare)
  return v === 4 ? [bare, 'ipv4'] : v === 6 ? [bare, 'ipv6'] : null
}

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList()
  for (const c of cidrs) {
    const [a, p] = c.split('/') as [string, string]
    list.addSubnet(a, Number(p), isIP(a) === 4 ? 'ipv4' : 'ipv6')
  }
  return list
}

/** The private ranges, plus every IPv6 range that embeds a private IPv4 one (compat, NAT64, 6to4). */
const PRIVATE = (() => {
  const list = blockList(PRIVATE_RANGES)
  for (const c of PRIVATE_RANGES) {
    const [a, p] = c.split('/') as [string, string]
    if (isIP(a) !== 4) continue
    const n = a.split('.').map(Number)
    const hex = (x: number, y: number): string => ((x << 8) | y).toString(16)
    const hi = hex(n[0]!, n[1]!)
    const lo = hex(n[2]!, n[3]!)
    const bits = Number(p)
    list.addSubnet(`::${hi}:${lo}`, 96 + bits, 'ipv6')
    list.addSubnet(`64:ff9b::${hi}:${lo}`, 96 + bits, 'ipv6')
    list.addSubnet(`2002:${hi}:${lo}::`, 16 + bits, 'ipv6')
  }
  return list
})()

const netCache = new Map<string, BlockList>()

function inCidr(h: unknown, cidrs: readonly string[]): boolean {
  const a = address(hostName(h))
  if (a === null) return false
  const key = cidrs.join(' ')
  let list = netCache.get(key)
  if (!list) netCache.set(key, (list = blockList(cidrs)))
  return list.check(a[0], a[1])
}

function isPrivateAddress(h: unknown): boolean {
  const host = hostName(h)
  if (host === null) return false
  if (/^(.*\.)?localhost\.?$/.test(host)) return true
  const a = address(host)
  return a !== null && PRIVATE.check(a[0], a[1])
}

const URL_PART_NAMES = ['protocol', 'hostname', 'port', 'pathname', 'search'] as const

function read(obj: unknown, key: unknown): unknown {
  if (key === 'length' && (typeof obj === 'string' || Array.isArray(obj))) return obj.length
  let k: string
  if (typeof key === 'string') k = key
  else if (typeof key === 'number') k = String(key)
  else return undefined
  if (obj !== null && typeof obj === 'object' && hasOwn(obj, k)) return (obj as Record<string, unknown>)[k]
  return undefined
}

/** The number a value spells for an ordering comparison (`Binary` in compiler/ir.ts), or undefined; throws for other spellings. */
function ord(x: unknown): number | undefined {
  switch (typeof x) {
    case 'number':
      if (Number.isNaN(x)) throw new TypeError('NaN does not compare')
      return x
    case 'string':
      if (JSON_NUMBER.test(x)) return Number(x)
      if (/^\s*[+-]?(\d|\.\d|inf|nan)/i.test(x)) throw new TypeError(`${x} is a number not spelled as JSON`)
      return undefined
    case 'undefined':
    case 'boolean':
      return undefined
    default:
      if (x === null) return undefined
      throw new TypeError(`a ${typeof x} does not compare as a number`)
  }
}

function order(a: unknown, b: unknown, op: '<' | '<=' | '>' | '>='): boolean {
  if (typeof a === 'string' && typeof b === 'string') return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b
  const x = ord(a)
  const y = ord(b)
  if (x === undefined || y === undefined) return false
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y
}

function bothComparable(a: unknown, b: unknown): boolean {
  return (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')
}

function positiveOp(op: OpName, v: unknown, value: unknown): boolean {
  switch (op) {
    case 'equals': return v === value
    case 'contains':
      if (typeof v === 'string') return typeof value === 'string' && v.includes(value)
      if (Array.isArray(v)) return v.some(e => e === value)
      return false
    case 'starts_with': return typeof v === 'string' && typeof value === 'string' && v.startsWith(value)
    case 'ends_with': return typeof v === 'string' && typeof value === 'string' && v.endsWith(value)
    case 'matches': return typeof v === 'string' && (value as RegExp).test(v)
    case 'in': return (value as unknown[]).some(e => e === v)
    case 'exists': return v !== undefined
    default: {
      const a = ord(v)
      const b = ord(value)
      if (a === undefined || b === undefined) return false
      if (op === 'greater_than') return a > b
      if (op === 'greater_than_or_equal') return a >= b
      if (op === 'less_than') return a < b
      return a <= b
    }
  }
}

/** A polynomial regex never runs on a string longer than its bound (`RegexLit` in compiler/ir.ts). */
function withinBound(s: unknown, re: RegexLit): void {
  if (re.inputLimit !== undefined && typeof s === 'string' && s.length > re.inputLimit) throw new RangeError(`input longer than ${re.inputLimit} characters`)
}

function ev(e: Expr, env: Env): unknown {
  switch (e.kind) {
    case 'lit': return e.value
    case 'regex': return new RegExp(e.source, e.flags)
    case 'array': return e.items.map(i => ev(i, env))
    case 'root': return e.name === 'args' ? env.args : e.name === 'context' ? env.context : e.name === 'params' ? { ...env.params } : e.name === 'result' ? env.result : env.tool
    case 'labels': return sessionLabels(env.options)
    case 'member': return read(ev(e.object, env), typeof e.key === 'string' ? e.key : ev(e.key, env))
    case 'unary': {
      const a = ev(e.arg, env)
      if (e.op === '!') return !a
      if (typeof a !== 'number') throw new TypeError(`unary ${e.op} needs a number`)
      return e.op === '-' ? -a : a
    }
    case 'binary': {
      const a = ev(e.left, env)
      const b = ev(e.right, env)
      switch (e.op) {
        case '===': return a === b
        case '!==': return a !== b
        case '==': return a === null || a === undefined ? b === null || b === undefined : a === b
        case '!=': return !(a === null || a === undefined ? b === null || b === undefined : a === b)
        case '<': case '<=': case '>': case '>=': return order(a, b, e.op)
        case '+':
          if (bothComparable(a, b)) return (a as number) + (b as number)
          throw new TypeError('+ needs two numbers or two strings')
        default:
          if (typeof a !== 'number' || typeof b !== 'number') throw new TypeError(`${e.op} needs two numbers`)
          return e.op === '-' ? a - b : e.op === '*' ? a * b : e.op === '/' ? a / b : a % b
      }
    }
    case 'logical': {
      const a = ev(e.left, env)
      if (e.op === '&&') return a ? ev(e.right, env) : a
      if (e.op === '||') return a ? a : ev(e.right, env)
      return a === null || a === undefined ? ev(e.right, env) : a
    }
    case 'conditional': return ev(e.test, env) ? ev(e.then, env) : ev(e.otherwise, env)
    case 'call': {
      const r = ev(e.receiver, env)
      if (e.method === 'match' && e.args[0]?.kind === 'regex') withinBound(r, e.args[0])
      const args = e.args.map(a => ev(a, env))
      if (e.method === 'test' && e.receiver.kind === 'regex') withinBound(args[0], e.receiver)
      if (e.method === 'test') {
        if (typeof args[0] !== 'string') throw new TypeError('test needs a string')
        return (r as RegExp).test(args[0])
      }
      if (e.optional && (r === null || r === undefined)) return undefined
      if (e.method === 'includes' && Array.isArray(r)) {
        for (let i = 0; i < r.length; i++) if (hasOwn(r, i) && (r[i] === args[0] || (r[i] !== r[i] && args[0] !== args[0]))) return true
        return false
      }
      if (typeof r !== 'string') throw new TypeError(`${e.method} needs a string`)
      switch (e.method) {
        case 'match': return (args[0] as RegExp).exec(r)
        case 'toLowerCase': return r.toLowerCase()
        case 'toUpperCase': return r.toUpperCase()
        case 'trim': return r.trim()
        default: {
          if (typeof args[0] !== 'string') throw new TypeError(`${e.method} needs a string argument`)
          return e.method === 'startsWith' ? r.startsWith(args[0]) : e.method === 'endsWith' ? r.endsWith(args[0]) : r.includes(args[0])
        }
      }
    }
    case 'op': {
      const v = ev(e.subject, env)
      if (e.value?.kind === 'regex') withinBound(v, e.value)
      const value = e.value === null ? null : ev(e.value, env)
      const p = positiveOp(e.op, v, value)
      return e.negate ? !p : p
    }
    case 'all': return e.items.every(i => Boolean(ev(i, env)))
    case 'any': return e.items.some(i => Boolean(ev(i, env)))
    case 'detect': return detectValue(e.detector, ev(e.arg, env))
    case 'quantifier': {
      const xs = ev(e.array, env)
      if (!Array.isArray(xs)) return false
      const len = xs.length
      for (let i = 0; i < len; i++) {
        if (!hasOwn(xs, i)) continue
        const vars = new Map(env.vars ?? [])
        vars.set(e.param, xs[i])
        const holds = Boolean(ev(e.body, { ...env, vars }))
        if (e.quantifier === 'some' && holds) return true
        if (e.quantifier === 'every' && !holds) return false
      }
      return e.quantifier === 'every'
    }
    case 'var':
      if (!env.vars?.has(e.name)) throw new Error(`oracle: unbound ${e.name}`)
      return env.vars.get(e.name)
    case 'url': return parseUrl(ev(e.arg, env))
    case 'urlPart': {
      const v = ev(e.object, env)
      if (typeof v !== 'string') return read(v, e.part)
      const u = parseUrl(v)
      return u === null ? undefined : u[URL_PART_NAMES[URL_PART_NAMES.indexOf(e.part)]!]
    }
    case 'privateAddress': return isPrivateAddress(ev(e.arg, env))
    case 'inCidr': return inCidr(ev(e.arg, env), e.cidrs)
  }
}

function localMinutes(now: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', hour: 'numeric', minute: 'numeric' }).formatToParts(now)
  const h = Number(parts.find(p => p.type === 'hour')!.value) % 24
  const m = Number(parts.find(p => p.type === 'minute')!.value)
  return h * 60 + m
}

function holds(rule: Rule, env: Env, options: EvaluateOptions | undefined): boolean {
  if (rule.condition && !ev(rule.condition, env)) return false
  if (rule.outsideHours) {
    const now = typeof options?.now === 'number' ? options.now : Date.now()
    const t = localMinutes(now, rule.outsideHours.tz)
    const { from, to } = rule.outsideHours
    const inside = from < to ? t >= from && t < to : t >= from || t < to
    if (inside) return false
  }
  return true
}

function reasonOf(tool: string, errors: { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }[] | null | undefined): string {
  const e = errors?.[0]
  if (!e) return `invalid arguments for \`${tool}\``
  if (e.keyword === 'required') {
    const prefix = e.instancePath ? `${e.instancePath.slice(1).split('/').join('.')}.` : ''
    return `invalid arguments for \`${tool}\`: missing required argument \`${prefix}${String(e.params['missingProperty'])}\``
  }
  if (e.keyword === 'additionalProperties') return `invalid arguments for \`${tool}\`: unexpected argument \`${String(e.params['additionalProperty'])}\``
  const where = e.instancePath === '' ? 'the arguments' : `\`${e.instancePath.slice(1).split('/').join('.')}\``
  return `invalid arguments for \`${tool}\`: ${where} ${e.message}`
}

export interface Oracle {
  evaluate(tool: string, args: unknown, context?: unknown, options?: EvaluateOptions): Evaluation
  visibleTools(context?: unknown, options?: EvaluateOptions): string[]
  canonicalArgs(tool: string, args: unknown, options?: { words?: boolean }): unknown
  evaluateResult(tool: string, args: unknown, result: unknown, context?: unknown, options?: EvaluateOptions): ResultEvaluation
}

const UNREADABLE = '[UNREADABLE]'

/** The total copy of ir.ts (`redactCopy`): written from its comment, not from the emitter. */
function copyOf(v: unknown, ancestors: readonly object[]): unknown {
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'function' || typeof v === 'symbol') return undefined
  if (v === null || typeof v !== 'object') return v
  if (ancestors.length > 64) return '[DEPTH]'
  if (ancestors.includes(v)) return '[CIRCULAR]'
  const path = [...ancestors, v]
  try {
    if (Array.isArray(v)) {
      const out: unknown[] = []
      const n = v.length
      for (let i = 0; i < n; i++) {
        let x: unknown
        try {
          x = hasOwn(v, i) ? v[i] : undefined
        } catch {
          out.push(UNREADABLE)
          continue
        }
        out.push(copyOf(x, path))
      }
      return out
    }
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v)) {
      let x: unknown
      try {
        x = copyOf((v as Record<string, unknown>)[k], path)
      } catch {
        x = UNREADABLE
      }
      Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true })
    }
    return out
  } catch {
    return UNREADABLE
  }
}

function setRedacted(v: unknown, path: readonly string[]): void {
  if (v === null || typeof v !== 'object') return
  const [k, ...rest] = path
  const keys = k === '*' ? Object.keys(v) : hasOwn(v, k!) ? [k!] : []
  for (const key of keys) {
    if (rest.length === 0) (v as Record<string, unknown>)[key] = '[REDACTED]'
    else setRedacted((v as Record<string, unknown>)[key], rest)
  }
}

export function interpret(policy: Policy): Oracle {
  const ajv = new Ajv({ ownProperties: true, allErrors: false, strict: false, validateFormats: false, logger: false })
  const validators = new Map(policy.tools.filter(t => t.schema).map(t => [t.name, ajv.compile(t.schema!)]))
  const governed = new Set(policy.tools.map(t => t.name))
  const failAction: Action = policy.failMode === 'closed' ? 'deny' : 'allow'
  const decisionOf = (r: Rule): Evaluation => ({ decision: r.action, rule: r.id, reason: r.message, ...(r.severity ? { severity: r.severity } : {}), ruleIndex: r.index })

  function paramsOf(options: EvaluateOptions | undefined): Record<string, unknown> {
    const params: Record<string, unknown> = {}
    for (const p of policy.params) {
      const o = options?.params
      const v = o && typeof o === 'object' && hasOwn(o, p.name) ? o[p.name] : undefined
      params[p.name] = v === undefined ? p.default : v
    }
    return params
  }

  function run(tool: string, args: unknown, context: unknown, options: EvaluateOptions | undefined): Evaluation {
    if (typeof tool !== 'string' || !governed.has(tool)) return { decision: policy.unknownTools, reason: `the tool is not governed by policy \`${policy.name}\`; unknown tools get ${policy.unknownTools}`, ruleIndex: -1 }
    if (args === null || typeof args !== 'object' || Array.isArray(args)) return { decision: failAction, reason: `malformed arguments: expected an object, got ${kind(args)}`, ruleIndex: -1 }
    const decl = policy.tools.find(t => t.name === tool)!
    const invalid = (r: InvalidArgument): Evaluation => ({ decision: 'deny', reason: `invalid arguments for \`${tool}\`: ${r.reason}`, ruleIndex: -1 })
    if (decl.normalize) {
      const first = normalizeArgs(decl, args, false)
      if (first instanceof InvalidArgument) return invalid(first)
      args = first
    }
    const validate = validators.get(tool)
    if (validate) {
      let ok: boolean
      try {
        ok = validate(args) as boolean
      } catch (e) {
        return { decision: 'deny', reason: `invalid arguments for \`${tool}\`: validation failed: ${errorText(e)}`, ruleIndex: -1 }
      }
      if (!ok) return { decision: 'deny', reason: reasonOf(tool, validate.errors as never), ruleIndex: -1 }
    }
    if (decl.normalize?.some(n => n.kinds.includes('shell'))) {
      const words = normalizeArgs(decl, args as object, true)
      if (words instanceof InvalidArgument) return invalid(words)
      args = words
    }
    const params = paramsOf(options)
    const env: Env = { args, context, params, tool, options }
    const rules = policy.rules.filter(r => r.on !== 'result' && (r.tools === '*' || r.tools.includes(tool)))
    // every applicable rule is evaluated on every call (so a throw never depends on order); under
    // `fail_mode: open` a rule that throws is skipped, and the error noted
    const errors: string[] = []
    const skipped = (r: Rule, e: unknown): false => {
      errors.push(`rule \`${r.id}\` skipped: ${errorText(e)}`)
      return false
    }
    const attempt = (r: Rule): boolean => {
      if (policy.failMode === 'closed') return holds(r, env, options)
      try {
        return holds(r, env, options)
      } catch (e) {
        return skipped(r, e)
      }
    }
    const held = new Map(rules.map(r => [r, attempt(r)]))
    const matching = rules.filter(r => !r.limit && held.get(r))
    const warnings = matching.filter(r => r.warn).map(r => r.id)
    let result: Evaluation | undefined
    for (const action of ['deny', 'review', 'allow'] as const) {
      const first = matching.find(r => r.action === action)
      if (first) {
        result = decisionOf(first)
        break
      }
    }
    result ??= { decision: policy.default, reason: `no rule matched; the default of policy \`${policy.name}\` is ${policy.default}`, ruleIndex: -1 }
    if (warnings.length > 0) result = { ...result, warnings }
    // limit keys are computed whenever no deny rule matched; they are handed back only when the
    // decision is not deny
    if (!matching.some(r => r.action === 'deny')) {
      const limits: PendingLimit[] = []
      for (const r of rules.filter(x => x.limit)) {
        if (!held.get(r)) continue
        const keyOf = (): string => {
          if (r.limit!.key === null) return ''
          const kv = ev(r.limit!.key, env)
          return typeof kv === 'string' ? kv : kv === undefined ? 'undefined' : JSON.stringify(kv)
        }
        let key: string
        if (policy.failMode === 'closed') key = keyOf()
        else {
          try {
            key = keyOf()
          } catch (e) {
            skipped(r, e)
            continue
          }
        }
        limits.push({ rule: r.id, index: r.index, action: r.action, warn: r.warn, max: r.limit!.max, perMs: r.limit!.perMs, key, message: r.message, ...(r.severity ? { severity: r.severity } : {}) })
      }
      if (limits.length > 0 && result.decision !== 'deny') result = { ...result, limits }
    }
    if (errors.length > 0) result = { ...result, errors, reason: `${result.reason === undefined ? '' : `${result.reason} `}(fail_mode open: ${errors.join('; ')})` }
    return result
  }

  function runResult(tool: string, args: unknown, result: unknown, context: unknown, options: EvaluateOptions | undefined): ResultEvaluation {
    const pass: ResultEvaluation = { action: 'pass', ruleIndex: -1, result, adds: [] }
    if (typeof tool !== 'string' || !governed.has(tool)) return pass
    const rules = policy.rules.filter(r => r.on === 'result' && (r.tools === '*' || r.tools.includes(tool)))
    if (rules.length === 0) return pass
    const params: Record<string, unknown> = {}
    for (const p of policy.params) {
      const o = options?.params
      const v = o && typeof o === 'object' && hasOwn(o, p.name) ? o[p.name] : undefined
      params[p.name] = v === undefined ? p.default : v
    }
    const env: Env = { args, context, params, tool, options, result }
    const matching = rules.filter(r => r.condition === null || Boolean(ev(r.condition, env)))
    const adds: string[] = []
    for (const r of matching) for (const l of r.adds ?? []) if (!adds.includes(l)) adds.push(l)
    const decided = (r: Rule, action: 'deny' | 'redact', out: unknown): ResultEvaluation => ({ action, rule: r.id, reason: r.message, ...(r.severity ? { severity: r.severity } : {}), ruleIndex: r.index, result: out, adds })
    const deny = matching.find(r => r.action === 'deny')
    if (deny) return decided(deny, 'deny', undefined)
    const redacting = matching.filter(r => (r.redact ?? []).length > 0)
    if (redacting.length > 0) {
      let copy = copyOf(result, [])
      const detectors: ('secrets' | 'pii')[] = []
      for (const r of redacting) {
        for (const x of r.redact!) {
          if (x.kind === 'path') setRedacted(copy, x.path)
          else {
            copy = redactDetectedValue(x.kind, copy)
            if (!detectors.includes(x.kind)) detectors.push(x.kind)
          }
        }
      }
      return { ...decided(redacting[0]!, 'redact', copy), ...(detectors.length > 0 ? { redactWith: detectors } : {}) }
    }
    return { action: 'pass', ruleIndex: -1, result, adds }
  }


  const counters = counterFields(policy)
  const rulesFor = (tool: string): Rule[] => policy.rules.filter(r => r.on !== 'result' && (r.tools === '*' || r.tools.includes(tool)))
  return {
    visibleTools(context, options) {
      const params = paramsOf(options)
      return policy.tools.map(t => t.name).filter(tool => {
        const v = toolVisibility(policy, rulesFor(tool), counters)
        const env: Env = { args: undefined, context, params, tool, options }
        // as `evaluate`: under `closed` a throwing condition denies every call (hidden); under
        // `open` only that rule is skipped
        const held = new Map<Rule, boolean>()
        for (const r of v.evaluated) {
          try {
            held.set(r, Boolean(ev(r.condition!, env)))
          } catch {
            if (policy.failMode === 'closed') return false
            held.set(r, false)
          }
        }
        const holds = (r: Rule): boolean => held.get(r) ?? true
        if (v.denies.some(holds)) return false
        return v.allowers === null || v.allowers.some(holds)
      })
    },
    canonicalArgs(tool, args, options) {
      const decl = policy.tools.find(t => t.name === tool)
      if (!decl?.normalize || args === null || typeof args !== 'object' || Array.isArray(args)) return args
      try {
        const first = normalizeArgs(decl, args, false)
        if (first instanceof InvalidArgument) return args
        if (options?.words === false) return first
        const words = normalizeArgs(decl, first, true)
        return words instanceof InvalidArgument ? args : words
      } catch {
        return args
      }
    },
    evaluateResult(tool, args, result, context, options) {
      try {
        return runResult(tool, args, result, context, options)
      } catch (e) {
        const reason = `evaluation error: ${e instanceof Error ? e.message : String(e)}`
        return policy.failMode === 'closed' ? { action: 'deny', reason, ruleIndex: -1, result: undefined, adds: [] } : { action: 'pass', reason, ruleIndex: -1, result, adds: [] }
      }
    },
    evaluate(tool, args, context, options) {
      try {
        return run(tool, args, context, options)
      } catch (e) {
        return { decision: failAction, reason: `evaluation error: ${errorText(e)}`, ruleIndex: -1 }
      }
    },
  }
}
