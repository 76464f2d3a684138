/**
 * One condition expression of the IR → the JavaScript that evaluates it inside a tool function:
 * own-property reads, the type-checked helpers of compiler/emit/runtime.ts, and the direct forms
 * where validation already proved an argument's type (compiler/emit/reads.ts).
 */
import type { Expr } from '../ir.js'
import { join, js, jsonValue, type Code } from './code.js'
import { langExpr, quantifierCall, type LangCx } from './lang.js'
import { children } from '../ir-walk.js'
import { anyLocal, numberFast, numberLiteral, ownRead, stringLocal } from './reads.js'
import type { ModuleBuilder } from './builder.js'

// Stryker disable all: cost only orders the work. Every applicable condition is evaluated on every
// call and the decision is read in file order (see `toolFunction`), so no cost changes a decision;
// the differential test's same-action rules at different costs would catch one that did.
/** Rough cost of evaluating an expression, to put cheap checks first. */
export function cost(e: Expr | null): number {
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

export interface ToolCx extends LangCx {
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
  // Stryker disable next-line ConditionalExpression,StringLiteral: only called on what `isConstant` accepted (a literal, or an array of constants)
  if (e.kind === 'array') return e.items.map(constValue)
  // Stryker disable next-line StringLiteral,CallExpression: unreachable, as above
  throw new Error('internal: not a constant')
}

/**
 * `bool`: only the truthiness of the result is used, so `s.match(re)` may be emitted as a test
 * (same truthiness, no match array allocated).
 */
export function expr(e: Expr, cx: ToolCx, bool = false): Code {
  const lang = langExpr(e, cx, cx.b, expr)
  if (lang !== undefined) return lang
  switch (e.kind) {
    case 'quantifier': return quantifierCall(e, cx, cx.b, expr, usesN)
    // Stryker disable next-line StringLiteral,ConditionalExpression: `langExpr` above writes these kinds; the labels only keep the switch exhaustive
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
        // Stryker disable next-line ConditionalExpression: only a root has a name; `kind === 'root'` narrows the type
        if (e.object.kind === 'root' && e.object.name === 'params') return js`param(o, ${e.key}, ${paramDefault(e.key, cx)})`
        if (e.key === 'length') return js`ownLen(${expr(e.object, cx)})`
        // a property of the arguments or the context: the own-property read written out at the read
        // site, so each site keeps its own (monomorphic) type feedback for its one key; the shared
        // `own(o, k)` helper sees every key and every object shape and goes megamorphic
        // Stryker disable next-line ConditionalExpression: as above
        if (e.object.kind === 'root' && (e.object.name === 'args' || e.object.name === 'context')) {
          // read once into a local of the tool function (compiler/emit/reads.ts), or tested once
          const local = anyLocal(e, cx.locals)
          if (local !== undefined) return local
          // Stryker disable next-line ConditionalExpression,StringLiteral: the three forms below read the same own property; they differ only in speed (what is already proved about `a` and `c`)
          if (e.object.name === 'args' && cx.locals?.pa) return ownRead(js`a`, cx.locals.pa, e.key)
          // Stryker disable next-line ConditionalExpression,StringLiteral: as above
          if (e.object.name === 'args' && cx.argsObject) return js`(hasOwn.call(a, ${e.key}) ? a[${e.key}] : undefined)`
          // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: as above
          if (e.object.name === 'context' && cx.locals?.cp) return ownRead(js`c`, cx.locals.cp, e.key)
          const o = e.object.name === 'args' ? js`a` : js`c`
          return js`(${o} !== null && typeof ${o} === "object" && hasOwn.call(${o}, ${e.key}) ? ${o}[${e.key}] : undefined)`
        }
        return js`own(${expr(e.object, cx)}, ${e.key})`
      }
      return js`ownKey(${expr(e.object, cx)}, ${expr(e.key, cx)})`
    }
    case 'unary':
      // Stryker disable next-line BooleanLiteral: `!` reads its operand for its truth, so the truth-only form changes nothing
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
          // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: `x == null` written out is what `eq(x, null)` answers, without the call
          if (e.right.kind === 'lit' && e.right.value === null) return js`(${l} ${e.op === '==' ? js`==` : js`!=`} null)`
          // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: as above
          if (e.left.kind === 'lit' && e.left.value === null) return js`(${r} ${e.op === '==' ? js`==` : js`!=`} null)`
          return js`${not}eq(${l}, ${r})`
        }
        case '<': case '<=': case '>': case '>=': {
          const helper = e.op === '<' ? js`lt` : e.op === '<=' ? js`le` : e.op === '>' ? js`gt` : js`ge`
          const slow = js`${helper}(${l}, ${r})`
          // a local against a number: a number compares directly, anything else as before
          const x = anyLocal(e.left, cx.locals)
          const n = numberLiteral(e.right)
          // Stryker disable next-line ConditionalExpression: the direct number compare answers as the helper does (numberFast in compiler/emit/reads.ts); choosing it is speed
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
      // Stryker disable next-line ConditionalExpression: `bool` only picks a form of the same truthiness (a regex test for a match), and `a && b` in a truth position is read only for its truth
      return js`(${expr(e.left, cx, bool && e.op !== '??')} ${op} ${expr(e.right, cx, bool)})`
    }
    // Stryker disable next-line BooleanLiteral: `bool` only picks a form of the same truthiness (a regex test for a match), and a test is read only for its truth
    case 'conditional': return js`(${expr(e.test, cx, true)} ? ${expr(e.then, cx, bool)} : ${expr(e.otherwise, cx, bool)})`
    case 'call': {
      let recv = expr(e.receiver, cx)
      // Stryker disable next-line StringLiteral: `arg` is read only by methods that take an argument, and lowering gives those exactly one
      let arg = e.args[0] ? expr(e.args[0], cx) : js`undefined`
      // a polynomial regex runs only on strings within its bound (SPEC: regex_input_limit)
      // Stryker disable next-line ConditionalExpression,LogicalOperator,OptionalChaining: `bounded` itself leaves anything but a bounded regex alone, and `match` takes exactly one regex
      if (e.method === 'match' && e.args[0]?.kind === 'regex') recv = bounded(recv, e.args[0])
      // Stryker disable next-line ConditionalExpression: as above (only `test` has a regex receiver)
      if (e.method === 'test') arg = bounded(arg, e.receiver)
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
        case 'matches': pos = js`opMatches(${bounded(v, e.value!)}, ${expr(e.value!, cx)})`; break
        case 'in': pos = js`opIn(${v}, ${expr(e.value!, cx)})`; break
        case 'exists': pos = js`(${v} !== undefined)`; break
        default: {
          // Stryker disable next-line ConditionalExpression: lowering gives a comparison only a literal value
          const bound = e.value!.kind === 'lit' ? numberOf(e.value!.value) : undefined
          // lowering admits only a finite number or a JSON-number string within the double range (it
          // refuses "1e400"); anything else here is the compiler's bug, not a rule that never holds
          // Stryker disable next-line ConditionalExpression,StringLiteral,CallExpression: unreachable, as said
          if (bound === undefined) throw new Error('internal: a comparison value that is not a finite number')
          const cmp = e.op === 'greater_than' ? js`>` : e.op === 'greater_than_or_equal' ? js`>=` : e.op === 'less_than' ? js`<` : js`<=`
          const slow = js`((n = cmpNum(${v})) !== undefined && n ${cmp} ${bound})`
          const x = anyLocal(e.subject, cx.locals)
          // Stryker disable next-line ConditionalExpression,EqualityOperator: as for the binary compare above: speed only
          pos = x !== undefined ? numberFast(x, cmp, bound, slow) : slow
        }
      }
      const out = e.negate ? js`!${pos}` : pos
      return cx.b.coverage ? cx.b.coverage.wrap(e, out) : out
    }
    case 'all':
      // `conditions: []` and an empty group: all of nothing holds
      if (e.items.length === 0) return js`true`
      // Stryker disable next-line BooleanLiteral: each item is read through `!!`, so the truth-only form gives the same result
      return js`(${join(e.items.map(i => js`!!${expr(i, cx, true)}`), js` && `)})`
    case 'any':
      // Stryker disable next-line ConditionalExpression,StringLiteral: lowering makes an `any` only of two or more groups (compiler/lower/rule.ts)
      if (e.items.length === 0) return js`false`
      // Stryker disable next-line BooleanLiteral: as for `all`
      return js`(${join(e.items.map(i => js`!!${cx.b.coverage ? cx.b.coverage.wrap(i, expr(i, cx, true)) : expr(i, cx, true)}`), js` || `)})`
    case 'detect':
      cx.b.detectors[e.detector] = true
      return js`detect(${expr(e.arg, cx)}, ${e.detector === 'secret' ? js`DET_SECRET` : js`DET_PII`}, 0)`
  }
  // Stryker disable next-line StringLiteral,CallExpression: unreachable (every kind returns above); the message is for a new kind that forgot its case
  throw new Error('internal: unknown expression')
}

/** `value`, checked against the input bound of `re` when it has one (see `RegexLit` in compiler/ir.ts). */
function bounded(value: Code, re: Expr): Code {
  // Stryker disable next-line ConditionalExpression,LogicalOperator: `within` with no limit lets every string through, as no check does
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
    // Stryker disable next-line ConditionalExpression: the checker allows these methods only a string argument, and a non-literal one has no `value`
    const literal = re !== undefined && re.kind === 'lit' && typeof re.value === 'string'
    switch (e.method) {
      // Stryker disable next-line ConditionalExpression,OptionalChaining: `match` always has one regex argument (lowering)
      case 'match': return re?.kind === 'regex' && re.inputLimit === undefined ? (bool ? js`reTest.call(${arg}, ${s})` : js`reExec.call(${arg}, ${s})`) : undefined
      case 'startsWith': return literal ? js`strStarts.call(${s}, ${arg})` : undefined
      case 'endsWith': return literal ? js`strEnds.call(${s}, ${arg})` : undefined
      case 'includes': return literal ? js`strIncludes.call(${s}, ${arg})` : undefined
      case 'toLowerCase': return js`strLower.call(${s})`
      case 'toUpperCase': return js`strUpper.call(${s})`
      case 'trim': return js`strTrim.call(${s})`
      // Stryker disable next-line ConditionalExpression: without the default case the switch falls to the code below, which answers undefined for every other method too
      default: return undefined
    }
  }
  // Stryker disable next-line ConditionalExpression: lowering and the checker accept `.test` only on a regex literal, with one argument (compiler/lower/expr.ts, compiler/check/types.ts)
  const t = e.method === 'test' && e.receiver.kind === 'regex' && e.receiver.inputLimit === undefined && e.args[0] !== undefined ? stringLocal(e.args[0], cx.locals) : undefined
  return t !== undefined ? js`reTest.call(${recv}, ${t})` : undefined
}

/** A condition operator on an argument validation proved a string, against a string or a regex. */
function stringOp(e: Extract<Expr, { kind: 'op' }>, v: Code, cx: ToolCx): Code | undefined {
  const s = stringLocal(e.subject, cx.locals)
  const value = e.value
  // Stryker disable next-line ConditionalExpression: an operator without a value (`exists`) has it as null
  if (s === undefined || value === undefined || value === null) return undefined
  const literal = value.kind === 'lit' && typeof value.value === 'string'
  switch (e.op) {
    // Stryker disable next-line ConditionalExpression: the value of `matches` is always a regex (lowering)
    case 'matches': return value.kind === 'regex' && value.inputLimit === undefined ? js`reTest.call(${expr(value, cx)}, ${v})` : undefined
    case 'starts_with': return literal ? js`strStarts.call(${v}, ${expr(value, cx)})` : undefined
    case 'ends_with': return literal ? js`strEnds.call(${v}, ${expr(value, cx)})` : undefined
    case 'contains': return literal ? js`strIncludes.call(${v}, ${expr(value, cx)})` : undefined
    // Stryker disable next-line ConditionalExpression: without the default case the switch ends the function, which returns undefined as well
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
  // Stryker disable next-line StringLiteral: `param(o, k, )` passes undefined as well (a trailing comma)
  return cx.b.params.get(key) ?? js`undefined`
}

/**
 * Whether the code of `e` assigns the scratch variable `n` (a conditions-dialect comparison does), so
 * the function around it declares it. Saying true too often adds at most an unused `let n;`; too
 * rarely, a ReferenceError the tests see.
 */
export function usesN(e: Expr | null): boolean {
  // Stryker disable next-line BooleanLiteral: true here adds at most an unused declaration
  if (e === null) return false
  // Stryker disable next-line StringLiteral,ConditionalExpression: true for every operator: at most an unused declaration
  if (e.kind === 'op') return e.op.startsWith('greater') || e.op.startsWith('less') || usesN(e.subject)
  // (a quantifier's body runs in a function that declares its own `n`: counting it here as well adds
  // at most an unused declaration)
  return children(e).some(usesN)
}
