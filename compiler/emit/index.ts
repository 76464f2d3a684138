/**
 * Step four: the checked IR → a self-contained ES module (imports nothing), its `.d.ts`, an optional
 * `.ts` twin, a source map into the YAML and the digest.
 *
 * Shape of the module: fixed helpers; module-level constants (regexes, decision objects, lists,
 * time-zone formatters, validators) built once at load; one function per governed tool holding only
 * that tool's rules, grouped by action (deny, review, allow) and ordered by cost inside a group while
 * still reporting the first matching rule in file order; `evaluate` dispatches on the tool name and
 * wraps everything in one try/catch that yields the fail-mode decision.
 */
import { addMapping, GenMapping, setSourceContent, toEncodedMap } from '@jridgewell/gen-mapping'
import type { Diagnostic } from '../diagnostic.js'
import { locate, type SourceFile } from '../extends.js'
import { lineIndex } from '../format.js'
import { digestOf } from '../ir-util.js'
import type { Action, Expr, Policy, Rule, Span, ToolDecl } from '../ir.js'
import { comment, join, js, jsonValue, Scope, text, type Code } from './code.js'
import { HELPERS } from './runtime.js'
import { langExpr, quantifierCall, type LangBuilder, type LangCx } from './lang.js'
import { ADDRESS_HELPERS, URL_HELPERS } from './net.js'
import { children } from '../ir-walk.js'
import { resultFunctions } from './results.js'
import { buildValidators } from './validate.js'
import type { CompileCache } from '../cache.js'
import { detectorHelpers } from './detectors.js'
import { canonicalArgsFunction, NORMALIZE_HELPERS, normalizeSpecs, usesNormalize } from './normalize.js'
import { visibleFunction } from './visible.js'
import { declarations } from './types.js'
import { CoveragePoints, coverageExports } from './coverage.js'
import { anyLocal, argumentLocals, eagerContextReads, numberFast, numberLiteral, ownRead, readKey, stringLocal, type Locals } from './reads.js'
import type { FlatProp } from './validate.js'

export interface EmitOptions {
  source: string
  filename: string
  ts?: boolean
  /** Build an instrumented module that counts condition outcomes (see `compiler/emit/coverage.ts`). */
  coverage?: boolean
  /** Files the policy extends: spans at or past a file's `base` point into it (source map `sources`). */
  files?: readonly SourceFile[]
  /** Keeps generated validators between builds (compiler/cache.ts). */
  cache?: CompileCache
}

export interface Emitted {
  code: string
  types: string
  ts?: string
  map: { version: 3; file?: string; sources: string[]; sourcesContent: string[]; names: string[]; mappings: string }
  digest: string
  diagnostics: Diagnostic[]
}

/**
 * Up to this many tools the dispatch is a `switch`; above it, a `Map` from name to function.
 * Measured on Node 20 by `npm run bench` (bench/dispatch.ts; the figures are `dispatch` in
 * bench/results.json): a switch wins by a few ns for a handful of tools, and its last case grows
 * linearly; on the mean of the first and last case the two cross between about 16 and 32 cases,
 * depending on the tool names.
 */
export const SWITCH_MAX_TOOLS = 32

interface Line {
  code: Code
  span?: Span
}

class ModuleBuilder implements LangBuilder {
  readonly scope = new Scope()
  /** set only for an instrumented build: the coverage points met so far */
  coverage: CoveragePoints | null = null
  readonly consts: Line[] = []
  usesUrl = false
  usesAddress = false
  readonly nets = new Map<string, Code>()
  /** declared params: name → the module constant holding its default */
  readonly params = new Map<string, Code>()
  /**
   * Which detectors the emitted code calls (their patterns are emitted only then); `redact` also
   * emits `redactDetected` (compiler/emit/detectors.ts), for result rules that redact secrets or PII.
   */
  readonly detectors = { secret: false, pii: false, redact: false }
  private readonly regexes = new Map<string, Code>()
  private readonly formats = new Map<string, Code>()

  regex(source: string, flags: string, span: Span): Code {
    const key = `${flags}/${source}`
    let name = this.regexes.get(key)
    if (!name) {
      name = this.scope.name('re')
      this.regexes.set(key, name)
      this.consts.push({ code: js`const ${name} = new RegExp(${source}, ${flags});`, span })
    }
    return name
  }

  format(tz: string): Code {
    let name = this.formats.get(tz)
    if (!name) {
      name = this.scope.name('tz')
      this.formats.set(tz, name)
      this.consts.push({ code: js`const ${name} = new Intl.DateTimeFormat("en-US", { timeZone: ${tz}, hourCycle: "h23", hour: "numeric", minute: "numeric" });` })
    }
    return name
  }

  constant(value: Code, prefix = 'k'): Code {
    const name = this.scope.name(prefix)
    this.consts.push({ code: js`const ${name} = ${value};` })
    return name
  }
}

// Stryker disable all: cost only orders the work. Every applicable condition is evaluated on every
// call and the decision is read in file order (see `toolFunction`), so no cost changes a decision;
// the differential test's same-action rules at different costs would catch one that did.
/** Rough cost of evaluating an expression, to put cheap checks first. */
function cost(e: Expr | null): number {
  if (e === null) return 0
  switch (e.kind) {
    case 'lit': case 'root': return 0
    case 'labels': return 2
    case 'regex': return 20
    case 'array': return 1 + e.items.reduce((s, i) => s + cost(i), 0)
    case 'member': return 1 + cost(e.object) + (typeof e.key === 'string' ? 0 : cost(e.key))
    case 'unary': return 1 + cost(e.arg)
    case 'binary': case 'logical': return 1 + cost(e.left) + cost(e.right)
    case 'conditional': return 1 + cost(e.test) + cost(e.then) + cost(e.otherwise)
    case 'call': return 3 + cost(e.receiver) + e.args.reduce((s, i) => s + cost(i), 0)
    case 'op': return 2 + cost(e.subject) + (e.op === 'matches' ? 20 : e.value?.kind === 'array' ? e.value.items.length : 0)
    case 'all': case 'any': return e.items.reduce((s, i) => s + cost(i), 0)
    case 'detect': return 40 + cost(e.arg)
    case 'quantifier': return 5 + cost(e.array) + 4 * cost(e.body)
    case 'var': return 0
    case 'url': case 'urlPart': return 30 + children(e).reduce((s, i) => s + cost(i), 0)
    case 'privateAddress': case 'inCidr': return 40 + cost(e.arg)
  }
}
// Stryker restore all

interface ToolCx extends LangCx {
  tool: string
  b: ModuleBuilder
  /** `a` is known to be a non-null object that is not an array (checked before any rule runs) */
  argsObject?: boolean
}

function isConstant(e: Expr): boolean {
  return e.kind === 'lit' || (e.kind === 'array' && e.items.every(isConstant))
}

function constValue(e: Expr): unknown {
  if (e.kind === 'lit') return e.value
  if (e.kind === 'array') return e.items.map(constValue)
  throw new Error('internal: not a constant')
}

/**
 * `bool`: only the truthiness of the result is used, so `s.match(re)` may be emitted as a test
 * (same truthiness, no match array allocated).
 */
function expr(e: Expr, cx: ToolCx, bool = false): Code {
  const lang = langExpr(e, cx, cx.b, expr)
  if (lang !== undefined) return lang
  switch (e.kind) {
    case 'quantifier': return quantifierCall(e, cx, cx.b, expr, usesN)
    case 'var': case 'url': case 'urlPart': case 'privateAddress': case 'inCidr': break
    case 'lit': return js`${e.value}`
    case 'regex': return cx.b.regex(e.source, e.flags, e.span)
    case 'array':
      if (isConstant(e)) return cx.b.constant(js`Object.freeze(${jsonValue(constValue(e))})`, 'list')
      return js`[${join(e.items.map(i => expr(i, cx)))}]`
    case 'root':
      switch (e.name) {
        case 'args': return js`a`
        case 'context': return js`c`
        case 'tool': return js`${cx.tool}`
        case 'params': return js`params(o)`
        case 'result': return js`r`
      }
      break
    case 'labels': return js`labelsOf(o)`
    case 'member': {
      if (typeof e.key === 'string') {
        if (e.object.kind === 'root' && e.object.name === 'params') return js`param(o, ${e.key}, ${paramDefault(e.key, cx)})`
        if (e.key === 'length') return js`ownLen(${expr(e.object, cx)})`
        // a property of the arguments or the context: the own-property read written out at the read
        // site, so each site keeps its own (monomorphic) type feedback for its one key; the shared
        // `own(o, k)` helper sees every key and every object shape and goes megamorphic
        if (e.object.kind === 'root' && (e.object.name === 'args' || e.object.name === 'context')) {
          // read once into a local of the tool function (compiler/emit/reads.ts), or tested once
          const local = anyLocal(e, cx.locals)
          if (local !== undefined) return local
          if (e.object.name === 'args' && cx.locals?.pa) return ownRead(js`a`, cx.locals.pa, e.key)
          if (e.object.name === 'args' && cx.argsObject) return js`(hasOwn.call(a, ${e.key}) ? a[${e.key}] : undefined)`
          if (e.object.name === 'context' && cx.locals?.cp) return ownRead(js`c`, cx.locals.cp, e.key)
          const o = e.object.name === 'args' ? js`a` : js`c`
          return js`(${o} !== null && typeof ${o} === "object" && hasOwn.call(${o}, ${e.key}) ? ${o}[${e.key}] : undefined)`
        }
        return js`own(${expr(e.object, cx)}, ${e.key})`
      }
      return js`ownKey(${expr(e.object, cx)}, ${expr(e.key, cx)})`
    }
    case 'unary':
      if (e.op === '!') return js`!${expr(e.arg, cx, true)}`
      return e.op === '-' ? js`neg(${expr(e.arg, cx)})` : js`pos(${expr(e.arg, cx)})`
    case 'binary': {
      const l = expr(e.left, cx)
      const r = expr(e.right, cx)
      switch (e.op) {
        case '===': return js`(${l} === ${r})`
        case '!==': return js`(${l} !== ${r})`
        case '==':
        case '!=': {
          const not = e.op === '!=' ? js`!` : js``
          if (e.right.kind === 'lit' && e.right.value === null) return js`(${l} ${e.op === '==' ? js`==` : js`!=`} null)`
          if (e.left.kind === 'lit' && e.left.value === null) return js`(${r} ${e.op === '==' ? js`==` : js`!=`} null)`
          return js`${not}eq(${l}, ${r})`
        }
        case '<': case '<=': case '>': case '>=': {
          const helper = e.op === '<' ? js`lt` : e.op === '<=' ? js`le` : e.op === '>' ? js`gt` : js`ge`
          const slow = js`${helper}(${l}, ${r})`
          // a local against a number: a number compares directly, anything else as before
          const x = anyLocal(e.left, cx.locals)
          const n = numberLiteral(e.right)
          return x !== undefined && n !== undefined ? numberFast(x, e.op === '<' ? js`<` : e.op === '<=' ? js`<=` : e.op === '>' ? js`>` : js`>=`, n, slow) : slow
        }
        case '+': return js`add(${l}, ${r})`
        default: return js`arith(${l}, ${r}, ${e.op})`
      }
    }
    case 'logical': {
      const op = e.op === '&&' ? js`&&` : e.op === '||' ? js`||` : js`??`
      // the left side is only a truth value when the whole is: `a && b` and `a || b` may yield `a`
      // itself (a limit key, a comparison operand), and `??` tests `a` for null, not for truth
      if (cx.b.coverage && e.op !== '??') return js`(${cx.b.coverage.wrap(e.left, expr(e.left, cx, bool))} ${op} ${cx.b.coverage.wrap(e.right, expr(e.right, cx, bool))})`
      return js`(${expr(e.left, cx, bool && e.op !== '??')} ${op} ${expr(e.right, cx, bool)})`
    }
    // Stryker disable next-line BooleanLiteral: `bool` only picks a form of the same truthiness (a regex test for a match), and a test is read only for its truth
    case 'conditional': return js`(${expr(e.test, cx, true)} ? ${expr(e.then, cx, bool)} : ${expr(e.otherwise, cx, bool)})`
    case 'call': {
      let recv = expr(e.receiver, cx)
      // Stryker disable next-line StringLiteral: `arg` is read only by methods that take an argument, and lowering gives those exactly one
      let arg = e.args[0] ? expr(e.args[0], cx) : js`undefined`
      // a polynomial regex runs only on strings within its bound (SPEC: regex_input_limit)
      if (e.method === 'match' && e.args[0]?.kind === 'regex') recv = bounded(recv, e.args[0])
      if (e.method === 'test' && e.receiver.kind === 'regex') arg = bounded(arg, e.receiver)
      const opt = e.optional
      const special = stringCall(e, recv, arg, cx, bool)
      if (special !== undefined) return special
      switch (e.method) {
        case 'match': return bool ? js`mFound(${recv}, ${arg}, ${opt})` : js`mMatch(${recv}, ${arg}, ${opt})`
        case 'test': return js`mTest(${recv}, ${arg})`
        case 'startsWith': return js`mStr(${recv}, ${arg}, ${opt}, strStarts, "startsWith")`
        case 'endsWith': return js`mStr(${recv}, ${arg}, ${opt}, strEnds, "endsWith")`
        case 'includes': return js`mIncludes(${recv}, ${arg}, ${opt})`
        case 'toLowerCase': return js`mCase(${recv}, ${opt}, strLower, "toLowerCase")`
        case 'toUpperCase': return js`mCase(${recv}, ${opt}, strUpper, "toUpperCase")`
        case 'trim': return js`mCase(${recv}, ${opt}, strTrim, "trim")`
      }
      break
    }
    case 'op': {
      const v = expr(e.subject, cx)
      let pos: Code
      const special = stringOp(e, v, cx)
      if (special !== undefined) {
        const out = e.negate ? js`!${special}` : special
        return cx.b.coverage ? cx.b.coverage.wrap(e, out) : out
      }
      switch (e.op) {
        case 'equals': pos = js`(${v} === ${expr(e.value!, cx)})`; break
        case 'contains': pos = js`opContains(${v}, ${expr(e.value!, cx)})`; break
        case 'starts_with': pos = js`opStarts(${v}, ${expr(e.value!, cx)})`; break
        case 'ends_with': pos = js`opEnds(${v}, ${expr(e.value!, cx)})`; break
        case 'matches': pos = js`opMatches(${e.value!.kind === 'regex' ? bounded(v, e.value!) : v}, ${expr(e.value!, cx)})`; break
        case 'in': pos = js`opIn(${v}, ${expr(e.value!, cx)})`; break
        case 'exists': pos = js`(${v} !== undefined)`; break
        default: {
          const bound = e.value!.kind === 'lit' ? numberOf(e.value!.value) : undefined
          const cmp = e.op === 'greater_than' ? js`>` : e.op === 'greater_than_or_equal' ? js`>=` : e.op === 'less_than' ? js`<` : js`<=`
          // the lowered value is always a literal number (or a JSON-number string), checked by `lower`
          const slow = js`((n = cmpNum(${v})) !== undefined && n ${cmp} ${bound})`
          const x = anyLocal(e.subject, cx.locals)
          pos = bound === undefined ? js`false` : x !== undefined ? numberFast(x, cmp, bound, slow) : slow
        }
      }
      const out = e.negate ? js`!${pos}` : pos
      return cx.b.coverage ? cx.b.coverage.wrap(e, out) : out
    }
    case 'all': return e.items.length === 0 ? js`true` : js`(${join(e.items.map(i => js`!!${expr(i, cx, true)}`), js` && `)})`
    // Stryker disable next-line BooleanLiteral: each item is read through `!!`, so the truth-only form gives the same result
    case 'any': return e.items.length === 0 ? js`false` : js`(${join(e.items.map(i => js`!!${cx.b.coverage ? cx.b.coverage.wrap(i, expr(i, cx, true)) : expr(i, cx, true)}`), js` || `)})`
    case 'detect':
      cx.b.detectors[e.detector] = true
      return js`detect(${expr(e.arg, cx)}, ${e.detector === 'secret' ? js`DET_SECRET` : js`DET_PII`}, 0)`
  }
  throw new Error('internal: unknown expression')
}

/** `value`, checked against the input bound of `re` when it has one (see `RegexLit` in compiler/ir.ts). */
function bounded(value: Code, re: Expr): Code {
  return re.kind === 'regex' && re.inputLimit !== undefined ? js`within(${value}, ${re.inputLimit}, ${`/${re.source}/${re.flags}`})` : value
}

/**
 * A string method on an argument validation proved a string (and a string literal argument, where
 * it takes one): the method itself, without the helper's type tests. Undefined: use the helper.
 */
function stringCall(e: Extract<Expr, { kind: 'call' }>, recv: Code, arg: Code, cx: ToolCx, bool: boolean): Code | undefined {
  const s = stringLocal(e.receiver, cx.locals)
  if (s !== undefined) {
    const re = e.args[0]
    const literal = re !== undefined && re.kind === 'lit' && typeof re.value === 'string'
    switch (e.method) {
      case 'match': return re?.kind === 'regex' && re.inputLimit === undefined ? (bool ? js`reTest.call(${arg}, ${s})` : js`reExec.call(${arg}, ${s})`) : undefined
      case 'startsWith': return literal ? js`strStarts.call(${s}, ${arg})` : undefined
      case 'endsWith': return literal ? js`strEnds.call(${s}, ${arg})` : undefined
      case 'includes': return literal ? js`strIncludes.call(${s}, ${arg})` : undefined
      case 'toLowerCase': return js`strLower.call(${s})`
      case 'toUpperCase': return js`strUpper.call(${s})`
      case 'trim': return js`strTrim.call(${s})`
      default: return undefined
    }
  }
  const t = e.method === 'test' && e.receiver.kind === 'regex' && e.receiver.inputLimit === undefined && e.args[0] !== undefined ? stringLocal(e.args[0], cx.locals) : undefined
  return t !== undefined ? js`reTest.call(${recv}, ${t})` : undefined
}

/** A condition operator on an argument validation proved a string, against a string or a regex. */
function stringOp(e: Extract<Expr, { kind: 'op' }>, v: Code, cx: ToolCx): Code | undefined {
  const s = stringLocal(e.subject, cx.locals)
  const value = e.value
  if (s === undefined || value === undefined || value === null) return undefined
  const literal = value.kind === 'lit' && typeof value.value === 'string'
  switch (e.op) {
    case 'matches': return value.kind === 'regex' && value.inputLimit === undefined ? js`reTest.call(${expr(value, cx)}, ${v})` : undefined
    case 'starts_with': return literal ? js`strStarts.call(${v}, ${expr(value, cx)})` : undefined
    case 'ends_with': return literal ? js`strEnds.call(${v}, ${expr(value, cx)})` : undefined
    case 'contains': return literal ? js`strIncludes.call(${v}, ${expr(value, cx)})` : undefined
    default: return undefined
  }
}

function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
  // Stryker disable next-line Regex,ConditionalExpression,LogicalOperator: lowering admits only numbers and JSON-number strings as a comparison's value (the same pattern, compiler/lower/conditions.ts), so every string that reaches here matches
  if (typeof v === 'string' && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(v)) {
    const n = Number(v)
    return Number.isFinite(n) ? n : undefined
  }
  return undefined
}

function paramDefault(key: string, cx: ToolCx): Code {
  return cx.b.params.get(key) ?? js`undefined`
}

function usesN(e: Expr | null): boolean {
  if (e === null) return false
  switch (e.kind) {
    case 'op': return e.op.startsWith('greater') || e.op.startsWith('less') || usesN(e.subject)
    case 'lit': case 'regex': case 'root': case 'labels': return false
    // Stryker disable all: an `op` (the only node whose code assigns `n`) stands only at a rule's root,
    // under `all`/`any`, or in a quantifier's body (which declares its own `n`); what these kinds
    // answer can at most add an unused `let n;`
    case 'array': return e.items.some(usesN)
    case 'member': return usesN(e.object) || (typeof e.key !== 'string' && usesN(e.key))
    case 'unary': return usesN(e.arg)
    case 'binary': case 'logical': return usesN(e.left) || usesN(e.right)
    case 'conditional': return usesN(e.test) || usesN(e.then) || usesN(e.otherwise)
    case 'call': return usesN(e.receiver) || e.args.some(usesN)
    // Stryker restore all
    case 'all': case 'any': return e.items.some(usesN)
    // Stryker disable next-line all: as for the kinds above
    case 'detect': return usesN(e.arg)
    // a quantifier's body runs in its own function, which declares its own `n`
    // Stryker disable next-line all: as for the kinds above
    case 'quantifier': return usesN(e.array)
    // Stryker disable next-line all: as for the kinds above
    case 'var': case 'url': case 'urlPart': case 'privateAddress': case 'inCidr': return children(e).some(usesN)
  }
}

function decisionObject(fields: { decision: Action; rule?: string; reason?: string; severity?: string; ruleIndex: number }): Code {
  const parts: Code[] = [js`decision: ${fields.decision}`]
  if (fields.rule !== undefined) parts.push(js`rule: ${fields.rule}`)
  // Stryker disable next-line ConditionalExpression: every caller passes a reason (a rule's message is a string, default and unknown-tool decisions say why)
  if (fields.reason !== undefined) parts.push(js`reason: ${fields.reason}`)
  if (fields.severity !== undefined) parts.push(js`severity: ${fields.severity}`)
  parts.push(js`ruleIndex: ${fields.ruleIndex}`)
  return js`Object.freeze({ ${join(parts)} })`
}

function ruleCondition(rule: Rule, cx: ToolCx): Code {
  // Stryker disable next-line ArrayDeclaration: an extra first operand is a truthy string, and `"s" && c` is `c`
  const parts: Code[] = []
  const cov = cx.b.coverage
  // a condition-dialect condition counts itself; any other whole condition is a point of its own
  // Stryker disable next-line BooleanLiteral,StringLiteral: a rule's condition is read only for its truth, so the truth-only form (`true`) changes nothing; an `op` wrapped again is returned as it is (`CoveragePoints.wrap` knows its own point)
  if (rule.condition) parts.push(cov && rule.condition.kind !== 'op' ? cov.wrap(rule.condition, expr(rule.condition, cx, true)) : expr(rule.condition, cx, true))
  if (rule.outsideHours) {
    const h = rule.outsideHours
    const hours = js`outside(${cx.b.format(h.tz)}, now ??= nowOf(o), ${h.from}, ${h.to})`
    parts.push(cov ? cov.wrap(h, hours) : hours)
  }
  return parts.length === 0 ? js`true` : join(parts, js` && `)
}

/** `rules`: the rules that apply to `tool`, in file order. */
function toolFunction(tool: ToolDecl, rules: readonly Rule[], b: ModuleBuilder, ruleDecision: Code[], validator: Code | undefined, fastValidator: Code | undefined, flat: readonly FlatProp[] | undefined, name: Code, defaultDecision: Code, defaultIsDeny: boolean, open: boolean, normalize: Code | undefined): Line[] {
  const locals: Locals = { reads: new Map(), pa: null, cp: null }
  const cx: ToolCx = { tool: tool.name, b, vars: new Map(), argsObject: true, locals }
  const lines: Line[] = [{ code: js`function ${name}(a, c, o) {`, span: tool.span }]
  lines.push({ code: js`  if (a === null || typeof a !== "object" || isArray(a)) return malformed(a);` })
  // a tool with `normalize:` replaces `a` below; its reads keep the general form
  if (!normalize) {
    locals.pa = b.scope.name('pa')
    lines.push({ code: js`  const ${locals.pa} = plainProto(a);` })
  }
  // `normalize:` (compiler/emit/normalize.ts): the string kinds before validation, `shell` after it
  if (normalize) lines.push({ code: js`  let k = normalizeArgs(a, ${normalize}, false); if (isBad(k)) return badArgs(${tool.name}, k.bad); a = k;`, span: tool.normalize![0]!.span })
  // the fast check accepts only what the validator accepts; the validator decides the rest (and
  // says why it rejects). A validator that throws (a getter on the arguments) has not accepted them:
  // deny, whatever the fail mode, since no rule has run yet
  if (validator && flat) {
    // the fast check written out, each argument read once into the local the rules use
    const args = argumentLocals(flat, b.scope, locals.pa!)
    for (const [k, l] of args.locals) locals.reads.set(k, l)
    if (args.locals.size > 0) lines.push({ code: js`  ${args.declare}` })
    lines.push({ code: js`  try { ${args.reads}${args.locals.size > 0 ? js` ` : js``}if (!(${args.test}) && !${validator}(a)) return invalid(${tool.name}, ${validator}.errors); } catch (e) { return unvalidated(${tool.name}, e); }`, span: tool.span })
  } else if (validator) {
    const test = fastValidator ? js`!${fastValidator}(a) && !${validator}(a)` : js`!${validator}(a)`
    lines.push({ code: js`  try { if (${test}) return invalid(${tool.name}, ${validator}.errors); } catch (e) { return unvalidated(${tool.name}, e); }`, span: tool.span })
  }
  // the context is tested for being a plain object once; under `fail_mode: closed` each field every
  // evaluation reads is read once, here (under `open` a read that throws must skip only its rule)
  if (rules.some(r => r.condition !== null)) {
    locals.cp = b.scope.name('cp')
    lines.push({ code: js`  const ${locals.cp} = c !== null && typeof c === "object" && plainProto(c);` })
    if (!open) {
      for (const key of eagerContextReads(rules)) {
        const local = b.scope.name('ctx')
        lines.push({ code: js`  const ${local} = ${ownRead(js`c`, locals.cp, key)};` })
        locals.reads.set(readKey('context', key), { name: local, required: false })
      }
    }
  }
  if (normalize && tool.normalize!.some(n => n.kinds.includes('shell'))) lines.push({ code: js`  k = normalizeArgs(a, ${normalize}, true); if (isBad(k)) return badArgs(${tool.name}, k.bad); a = k;` })
  const stateless = rules.filter(r => !r.limit)
  const limitRules = rules.filter(r => r.limit)
  const needsNow = rules.some(r => r.outsideHours)
  const needsN = rules.some(r => usesN(r.condition) || usesN(r.limit?.key ?? null))
  if (needsNow) lines.push({ code: js`  let now;` })
  if (needsN) lines.push({ code: js`  let n;` })
  // Every applicable condition is evaluated on every call, cheapest first, so an exception (and so
  // the fail-mode decision) never depends on evaluation order; the decision then reads the flags in
  // file order. The allow path evaluates every condition anyway, so this costs it nothing.
  const flag = new Map<number, Code>()
  // Stryker disable next-line all: the order of evaluation, not of decision (see `cost`)
  const byCost = [...rules].sort((x, y) => cost(x.condition) + (x.outsideHours ? 5 : 0) - cost(y.condition) - (y.outsideHours ? 5 : 0) || x.index - y.index)
  // Under `fail_mode: open` a rule whose condition throws is skipped (as if it did not match) and
  // the error is noted on the decision: the other rules still decide (SPEC 1.5)
  if (open) lines.push({ code: js`  let x = null;` })
  for (const r of byCost) {
    const f = b.scope.name('m')
    flag.set(r.index, f)
    // the instrumented build (`coverage`) counts a rule whose condition held; the normal build is unchanged
    const counted = (held: Code): Code => (b.coverage ? b.coverage.rule(r.index, held) : held)
    if (r.condition === null && !r.outsideHours) lines.push({ code: js`  const ${f} = ${counted(js`true`)};`, span: r.span })
    else if (open) lines.push({ code: js`  let ${f}; try { ${f} = ${counted(js`!!(${ruleCondition(r, cx)})`)}; } catch (e) { ${f} = false; x = skip(x, ${r.id}, e); }`, span: r.span })
    else lines.push({ code: js`  const ${f} = ${counted(js`!!(${ruleCondition(r, cx)})`)};`, span: r.span })
  }
  const warnRules = stateless.filter(r => r.warn)
  if (warnRules.length > 0) {
    lines.push({ code: js`  let w = null;` })
    for (const r of warnRules) lines.push({ code: js`  if (${flag.get(r.index)!}) (w ??= []).push(${r.id});` })
  }
  // `finish(d, null, null)` is `d`: return the frozen decision directly when there can be no
  // warnings and no pending limits
  const ret = (d: Code, hasW: boolean, hasL: boolean): Code => (hasW || hasL || open ? js`finish(${d}, ${hasW ? js`w` : js`null`}, ${hasL ? js`l` : js`null`}${open ? js`, x` : js``})` : d)
  const deny = stateless.filter(r => r.action === 'deny')
  for (const r of deny) lines.push({ code: js`  if (${flag.get(r.index)!}) return ${ret(js`R[${r.index}]`, warnRules.length > 0, false)};`, span: r.span })
  if (limitRules.length > 0) {
    lines.push({ code: js`  let l = null;` })
    for (const r of limitRules) {
      const lim = r.limit!
      const key = lim.key ? js`keyOf(${expr(lim.key, cx)})` : js`""`
      const fields = [js`rule: ${r.id}`, js`index: ${r.index}`, js`action: ${r.action}`, js`warn: ${r.warn}`, js`max: ${lim.max}`, js`perMs: ${lim.perMs}`, js`key: ${key}`, js`message: ${r.message}`]
      if (r.severity) fields.push(js`severity: ${r.severity}`)
      // under `open` the key is computed before `l` exists, so a key that throws leaves no trace
      lines.push({ code: open && lim.key ? js`  if (${flag.get(r.index)!}) { try { const p = { ${join(fields)} }; (l ??= []).push(p); } catch (e) { x = skip(x, ${r.id}, e); } }` : js`  if (${flag.get(r.index)!}) (l ??= []).push({ ${join(fields)} });`, span: r.span })
    }
  }
  for (const action of ['review', 'allow'] as const) {
    for (const r of stateless.filter(x => x.action === action)) lines.push({ code: js`  if (${flag.get(r.index)!}) return ${ret(js`R[${r.index}]`, warnRules.length > 0, limitRules.length > 0)};`, span: r.span })
  }
  lines.push({ code: js`  return ${ret(defaultDecision, warnRules.length > 0, !defaultIsDeny && limitRules.length > 0)};` })
  lines.push({ code: js`}` })
  return lines
}

/**
 * `counters(tool, args, context, options)`: the context counters (`count:` fields) that apply to a
 * call, with their keys computed, for the guard to read before `evaluate` and count after an allowed
 * call; `null` when none apply. Key expressions may throw like any expression (the guard decides by
 * the fail mode then).
 */
function countersFunction(policy: Policy, b: ModuleBuilder): Line[] {
  const counted = policy.context.filter(f => f.count !== undefined)
  if (counted.length === 0) return [{ code: js`export function counters(tool, a, c, o) { return null; }` }]
  const lines: Line[] = [{ code: js`export function counters(tool, a, c, o) {` }]
  const needsN = counted.some(f => usesN(f.count!.key))
  if (needsN) lines.push({ code: js`  let n;` })
  lines.push({ code: js`  switch (tool) {` })
  for (const tool of policy.tools) {
    const mine = counted.filter(f => f.count!.tools === '*' || f.count!.tools.includes(tool.name))
    if (mine.length === 0) continue
    const cx: ToolCx = { tool: tool.name, b, vars: new Map() }
    const items = mine.map(f => js`{ name: ${f.name}, perMs: ${f.count!.perMs}, key: ${f.count!.key ? js`keyOf(${expr(f.count!.key, cx)})` : js`""`} }`)
    lines.push({ code: js`    case ${tool.name}: return [${join(items)}];`, span: mine[0]!.span })
  }
  lines.push({ code: js`    default: return null;` })
  lines.push({ code: js`  }` })
  lines.push({ code: js`}` })
  return lines
}

/**
 * The rules that apply to each governed tool (`*` or naming it), each list in file order. Built in one
 * pass over the rules, so a policy with many tools and many rules does not filter every rule per tool.
 */
function rulesByTool(policy: Policy): Map<string, Rule[]> {
  const out = new Map<string, Rule[]>(policy.tools.map(t => [t.name, []]))
  const all = [...out.values()]
  for (const r of policy.rules) {
    // result rules run in `evaluateResult`, never in `evaluate`
    if (r.on === 'result') continue
    if (r.tools === '*') {
      for (const list of all) list.push(r)
      continue
    }
    for (const t of r.tools) {
      const list = out.get(t)
      // a rule that names a tool twice still applies once
      if (list !== undefined && list[list.length - 1] !== r) list.push(r)
    }
  }
  return out
}

export function emit(policy: Policy, options: EmitOptions): Emitted {
  const diagnostics: Diagnostic[] = []
  const digest = digestOf(policy)
  const b = new ModuleBuilder()
  if (options.coverage) b.coverage = new CoveragePoints()
  for (const p of policy.params) b.params.set(p.name, b.constant(js`deepFreeze(${jsonValue(p.default)})`, 'param'))

  const ruleDecisions = policy.rules.map(r => {
    const fields: { decision: Action; rule?: string; reason?: string; severity?: string; ruleIndex: number } = { decision: r.action, rule: r.id, reason: r.message, ruleIndex: r.index }
    if (r.severity) fields.severity = r.severity
    return decisionObject(fields)
  })
  const defaultDecision = b.constant(decisionObject({ decision: policy.default, reason: `no rule matched; the default of policy \`${policy.name}\` is ${policy.default}`, ruleIndex: -1 }), 'dflt')
  const unknownDecision = b.constant(decisionObject({ decision: policy.unknownTools, reason: `the tool is not governed by policy \`${policy.name}\`; unknown tools get ${policy.unknownTools}`, ruleIndex: -1 }), 'unknown')
  const failDecision: Action = policy.failMode === 'closed' ? 'deny' : 'allow'

  // a tool with `normalize:` replaces its arguments after the check, so its rules read the new ones
  const validators = buildValidators(policy, diagnostics, options.cache, tool => tool.normalize === undefined)
  const normSpecs = new Map([...normalizeSpecs(policy)].map(([t, spec]) => [t, b.constant(js`deepFreeze(${spec})`, 'norm')]))
  const toolFns: { tool: ToolDecl; name: Code; lines: Line[] }[] = []
  const rulesOf = rulesByTool(policy)
  for (const tool of policy.tools) {
    const name = b.scope.name('tool')
    toolFns.push({ tool, name, lines: toolFunction(tool, rulesOf.get(tool.name) ?? [], b, ruleDecisions, validators.names.get(tool.name), validators.fast.get(tool.name), validators.flat.get(tool.name), name, defaultDecision, policy.default === 'deny', policy.failMode === 'open', normSpecs.get(tool.name)) })
  }
  // built before the module constants are laid out: a key expression may hoist a regex or a list
  const counterLines = countersFunction(policy, b)
  const visible = visibleFunction(policy, rulesOf, (r, tool) => expr(r.condition!, { tool, b, vars: new Map() }, true))
  const resultLines = resultFunctions(policy, {
    constant: (value, prefix) => b.constant(value, prefix),
    name: prefix => b.scope.name(prefix),
    condition: (rule, tool) => ruleCondition(rule, { tool, b, vars: new Map() }),
    usesN: rule => usesN(rule.condition),
    redactor: d => {
      const which = d === 'secrets' ? 'secret' : 'pii'
      b.detectors[which] = true
      b.detectors.redact = true
      return which === 'secret' ? js`DET_SECRET` : js`DET_PII`
    },
  })

  const info = {
    name: policy.name,
    digest,
    default: policy.default,
    unknownTools: policy.unknownTools,
    failMode: policy.failMode,
    approvalTtlMs: policy.approvalTtlMs ?? 15 * 60_000,
    rules: policy.rules.map(r => ({
      id: r.id, index: r.index, action: r.action, warn: r.warn, tools: r.tools, message: r.message,
      ...(r.description !== undefined ? { description: r.description } : {}),
      ...(r.severity !== undefined ? { severity: r.severity } : {}),
      tags: r.tags, metadata: r.metadata, hasLimit: r.limit !== undefined,
      ...(r.on !== undefined ? { on: r.on } : {}),
    })),
    tools: policy.tools.map(t => t.name),
    redact: Object.fromEntries(policy.tools.map(t => [t.name, t.redact])),
    adds: Object.fromEntries(policy.tools.map(t => [t.name, t.adds ?? []])),
    params: Object.fromEntries(policy.params.map(p => [p.name, { type: p.type, default: p.default }])),
  }

  const lines: Line[] = []
  lines.push({ code: comment(`generated by vetoc from ${options.filename.split(/[\\/]/).pop() ?? options.filename}: do not edit`) })
  lines.push({ code: comment(`policy ${policy.name}, sha256 ${digest}`) })
  lines.push({ code: HELPERS })
  // before the constants: address ranges are parsed at load by these helpers
  if (b.usesUrl) lines.push({ code: URL_HELPERS })
  if (b.usesAddress) lines.push({ code: ADDRESS_HELPERS })
  if (usesNormalize(policy)) lines.push({ code: NORMALIZE_HELPERS })
  if (b.detectors.secret || b.detectors.pii) lines.push({ code: detectorHelpers(b.detectors) })
  lines.push({ code: js`const FAIL = ${failDecision};` })
  lines.push({ code: js`function malformed(a) { return { decision: FAIL, reason: "malformed arguments: expected an object, got " + kind(a), ruleIndex: -1 }; }` })
  lines.push({ code: js`function invalid(tool, errors) { return { decision: "deny", reason: invalidReason(tool, errors), ruleIndex: -1 }; }` })
  lines.push({ code: js`function unvalidated(tool, e) { return { decision: "deny", reason: "invalid arguments for \`" + tool + "\`: validation failed: " + errText(e), ruleIndex: -1 }; }` })
  lines.push({ code: js`function failed(e) { return { decision: FAIL, reason: "evaluation error: " + errText(e), ruleIndex: -1 }; }` })
  lines.push({ code: js`function params(o) { const p = {}; ${join(policy.params.map(p => js`p[${p.name}] = param(o, ${p.name}, ${b.params.get(p.name)!});`), js` `)} return p; }` })
  const consts = b.consts.slice()
  if (validators.code) lines.push({ code: validators.code })
  lines.push({ code: js`const R = [` })
  policy.rules.forEach((r, i) => lines.push({ code: js`  ${ruleDecisions[i]!},`, span: r.span }))
  lines.push({ code: js`];` })
  const fnLines = toolFns.flatMap(f => f.lines)
  // constants created while emitting the tool functions (regexes, lists, formatters)
  const lateConsts = b.consts.slice(consts.length)
  lines.push(...consts, ...lateConsts, ...fnLines)

  const dispatch: Line[] = []
  if (policy.tools.length <= SWITCH_MAX_TOOLS) {
    dispatch.push({ code: js`function dispatch(tool, a, c, o) {` })
    dispatch.push({ code: js`  switch (tool) {` })
    for (const f of toolFns) dispatch.push({ code: js`    case ${f.tool.name}: return ${f.name}(a, c, o);`, span: f.tool.span })
    dispatch.push({ code: js`    default: return ${unknownDecision};` })
    dispatch.push({ code: js`  }` })
    dispatch.push({ code: js`}` })
  } else {
    dispatch.push({ code: js`const TOOLS = new Map([${join(toolFns.map(f => js`[${f.tool.name}, ${f.name}]`))}]);` })
    dispatch.push({ code: js`function dispatch(tool, a, c, o) { const f = typeof tool === "string" ? TOOLS.get(tool) : undefined; return f === undefined ? ${unknownDecision} : f(a, c, o); }` })
  }
  lines.push(...dispatch)
  lines.push({ code: js`export function evaluate(tool, args, context, options) {` })
  lines.push({ code: js`  try { return dispatch(tool, args, context, options); } catch (e) { return failed(e); }` })
  lines.push({ code: js`}` })
  lines.push(...counterLines)
  lines.push({ code: canonicalArgsFunction(normSpecs) })
  lines.push({ code: visible })
  lines.push(...resultLines)
  lines.push({ code: js`export const policy = deepFreeze(${jsonValue(info)});` })
  if (b.coverage) lines.push({ code: coverageExports(b.coverage, policy.rules.length) })

  const map = new GenMapping({ file: `${baseName(options.filename)}.js` })
  const sources: SourceFile[] = [{ filename: options.filename, source: options.source, base: 0 }, ...(options.files ?? [])]
  const positionOf = new Map(sources.map(f => [f, lineIndex(f.source)]))
  for (const f of sources) setSourceContent(map, f.filename, f.source)
  let line = 0
  const out: string[] = []
  for (const l of lines) {
    const t = text(l.code)
    if (l.span) {
      const { file, offset } = locate(sources, l.span.start)
      const p = positionOf.get(file)!(offset)
      addMapping(map, { generated: { line: line + 1, column: 0 }, source: file.filename, original: { line: p.line, column: p.column } })
    }
    out.push(t)
    line += t.split('\n').length
  }
  const code = `${out.join('\n')}\n`
  const decl = declarations(policy, digest, options.filename)
  const result: Emitted = {
    code,
    types: text(decl.dts),
    map: toEncodedMap(map) as Emitted['map'],
    digest,
    diagnostics,
  }
  if (options.ts) {
    const body = code.replace('export function evaluate(', 'function evaluateImpl(').replace('export function evaluateResult(', 'function evaluateResultImpl(').replace('export const policy = ', 'const policyImpl = ')
    result.ts = `// @ts-nocheck -- generated code; its exported API is typed below\n${text(decl.typesOnly)}\n${body}export const policy: PolicyInfo = policyImpl;\nexport function evaluate<T extends ToolName>(tool: T, args: Tools[T], context?: Context, options?: EvaluateOptions): Evaluation {\n  return evaluateImpl(tool, args, context, options);\n}\nexport function evaluateResult<T extends ToolName>(tool: T, args: Tools[T], result: unknown, context?: Context, options?: EvaluateOptions): ResultEvaluation {\n  return evaluateResultImpl(tool, args, result, context, options);\n}\n`
  }
  return result
}

function baseName(filename: string): string {
  return (filename.split(/[\\/]/).pop() ?? filename).replace(/\.ya?ml$/, '')
}
