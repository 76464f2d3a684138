/** The conditions dialect (Veto's `field`/`operator`/`value`) → IR operator nodes. */
import type { Expr, OpName, Span, UrlPartName } from '../ir.js'
import { cidrProblem, URL_PARTS } from '../net.js'
import { scalarOffset, type YEntry, type YNode, type YScalar } from '../parse/index.js'
import { ALL_OPERATORS, CONDITION_KEYS, DETECTOR_OPERATORS, FIELD_ROOTS, FORBIDDEN_KEYS, Lowerer, spanHead } from './lowerer.js'
import { notAPolicyNumber } from './numbers.js'
import { didYouMean } from './suggest.js'

/** What a field may start with, for a misspelt root's suggestion (result rules may also read `result`). */
const ROOT_NAMES: readonly string[] = [...Object.keys(FIELD_ROOTS), 'session']

export function conditionList(lw: Lowerer, node: YNode, resultRule: boolean): Expr | null {
  if (node.kind !== 'seq') {
    lw.error('invalid-type', 'conditions must be a list of `{ field, operator, value }`', node.span)
    return null
  }
  const items: Expr[] = []
  for (const c of node.items) {
    const e = lowerCondition(lw, c, resultRule)
    if (e) items.push(e)
  }
  return items.length === 1 ? items[0]! : { kind: 'all', items, span: node.span }
}

function lowerCondition(lw: Lowerer, node: YNode, resultRule: boolean): Expr | null {
  const m = lw.entries(node, CONDITION_KEYS, 'a condition')
  if (m === null) return null
  const fE = m.get('field')
  const oE = m.get('operator')
  const vE = m.get('value')
  if (!fE) lw.error('missing-key', 'a condition needs a `field`', spanHead(node))
  if (!oE) lw.error('missing-key', 'a condition needs an `operator`', spanHead(node))
  if (!fE || !oE) return null
  const path = fieldPath(lw, fE.value, resultRule)
  const opName = lw.choice(oE.value, ALL_OPERATORS, 'operator')
  if (!path || opName === undefined) return null
  const test = lowerTest(lw, path.subject, opName, vE, oE.value, node.span, fE.value)
  return test === null ? null : path.wrap(test)
}

/** The operator applied to one subject value (inside any `*` quantifiers of the path). */
function lowerTest(lw: Lowerer, subject: Expr, opName: string, vE: YEntry | undefined, opNode: YNode, span: Span, field: YNode): Expr | null {
  const negate = opName.startsWith('not_')
  const op = (negate ? opName.slice(4) : opName) as OpName
  const detector = DETECTOR_OPERATORS[op]
  if (detector !== undefined) {
    // Stryker disable next-line ConditionalExpression: a list or a map has no scalar `value`, so it is neither null nor true either
    if (vE && !(vE.value.kind === 'scalar' && (vE.value.value === null || vE.value.value === true))) lw.error('invalid-value', `\`${opName}\` takes no \`value\``, vE.value.span)
    const found: Expr = { kind: 'detect', detector, arg: subject, span }
    return negate ? { kind: 'unary', op: '!', arg: found, span } : found
  }
  if (op === ('private_address' as OpName) || op === ('in_cidr' as OpName)) {
    const test = addressTest(lw, subject, op, opName, vE, opNode, span)
    // Stryker disable next-line ConditionalExpression: `test` is null only after an error was reported, and a policy with an error emits nothing (test/compiler/lower-diagnostics.test.ts: no second diagnostic follows)
    return test === null || !negate ? test : { kind: 'unary', op: '!', arg: test, span }
  }
  if (op === 'exists') {
    // Stryker disable next-line ConditionalExpression: a list or a map has no scalar `value`, so it is neither null nor true either
    if (vE && !(vE.value.kind === 'scalar' && (vE.value.value === null || vE.value.value === true))) lw.error('invalid-value', `\`${opName}\` takes no \`value\``, vE.value.span)
    return { kind: 'op', op, negate, subject, value: null, span }
  }
  if (!vE) {
    lw.error('missing-key', `operator \`${opName}\` needs a \`value\``, opNode.span)
    return null
  }
  const v = vE.value
  if (op === 'matches') {
    if (v.kind !== 'scalar' || typeof v.value !== 'string') {
      lw.error('invalid-type', 'the value of `matches` must be a regex string', v.span)
      return null
    }
    const rx = pythonRegex(lw, v.value, v)
    return rx ? { kind: 'op', op, negate, subject, value: { kind: 'regex', source: rx.source, flags: rx.flags, span: v.span }, span } : null
  }
  if (op === 'in') {
    if (v.kind !== 'seq') {
      lw.error('invalid-type', 'the value of `in` must be a list', v.span)
      return null
    }
    const items: Expr[] = []
    for (const it of v.items) {
      if (it.kind !== 'scalar') lw.error('invalid-type', 'the elements of an `in` list must be scalars', it.span)
      else items.push({ kind: 'lit', value: it.value, span: it.span })
    }
    return { kind: 'op', op, negate, subject, value: { kind: 'array', items, span: v.span }, span }
  }
  if (v.kind !== 'scalar') {
    lw.error('invalid-type', `the value of \`${opName}\` must be a scalar`, v.span)
    return null
  }
  if ((op === 'starts_with' || op === 'ends_with') && typeof v.value !== 'string') {
    lw.error('invalid-type', `the value of \`${opName}\` must be a string`, v.span)
    return null
  }
  if (op.startsWith('greater') || op.startsWith('less')) {
    // Stryker disable next-line ConditionalExpression: the other scalar values (true, false, null) read as text match no JSON number
    const ok = typeof v.value === 'number' || (typeof v.value === 'string' && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(v.value))
    if (!ok) {
      lw.error('invalid-type', `the value of \`${opName}\` must be a number`, v.span, fieldValueHelp(field, opName, v.value))
      return null
    }
    // a JSON spelling past the double range ("1e400") reads as Infinity, which no policy value holds
    if (typeof v.value === 'string' && !Number.isFinite(Number(v.value))) {
      const d = notAPolicyNumber(v.value)
      lw.error(d.code, d.message, v.span, d.help)
      return null
    }
  }
  return { kind: 'op', op, negate, subject, value: { kind: 'lit', value: v.value, span: v.span }, span }
}

const COMPARISON: Record<string, string> = { greater_than: '>', greater_than_or_equal: '>=', less_than: '<', less_than_or_equal: '<=' }
const WHEN_ROOT: Record<string, string> = { args: 'args', context: 'context', params: 'params', tool: 'tool' }

/** `arguments.amount` → `args.amount`: a condition field as a `when` expression, when it is a plain dotted path. */
function asWhenPath(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined
  const [root, ...rest] = text.split('.')
  const name = FIELD_ROOTS[root!]
  if (name === undefined || !rest.every(seg => /^[A-Za-z_$][\w$]*$/.test(seg) && !FORBIDDEN_KEYS.has(seg))) return undefined
  return [WHEN_ROOT[name]!, ...rest].join('.')
}

/**
 * Veto reads `value: context.order_total` as the string "context.order_total", so such a rule never
 * matched there. The help shows the rewrite that compares the two fields.
 */
function fieldValueHelp(field: YNode, opName: string, value: unknown): string | undefined {
  // Stryker disable next-line ConditionalExpression: a map or list field has no `value`, and asWhenPath gives undefined for anything not a string
  const left = field.kind === 'scalar' ? asWhenPath(field.value) : undefined
  const right = asWhenPath(value)
  const negate = opName.startsWith('not_')
  const op = COMPARISON[negate ? opName.slice(4) : opName]
  // Stryker disable next-line ConditionalExpression: only the four comparisons call this, and COMPARISON names each of them
  if (left === undefined || right === undefined || op === undefined) return undefined
  const test = `${left} ${op} ${right}`
  return `\`value\` is a constant, not a field path; to compare two fields, write the rule with \`when: "${negate ? `!(${test})` : test}"\` instead of this condition`
}

/** `in_cidr` (a CIDR or a list, each checked now) and `private_address` (no value). */
function addressTest(lw: Lowerer, subject: Expr, op: string, opName: string, vE: YEntry | undefined, opNode: YNode, span: Span): Expr | null {
  if (op === 'private_address') {
    // Stryker disable next-line ConditionalExpression: a list or a map has no scalar `value`, so it is neither null nor true either
    if (vE && !(vE.value.kind === 'scalar' && (vE.value.value === null || vE.value.value === true))) lw.error('invalid-value', `\`${opName}\` takes no \`value\``, vE.value.span)
    return { kind: 'privateAddress', arg: subject, span }
  }
  if (!vE) {
    lw.error('missing-key', `operator \`${opName}\` needs a \`value\`: a CIDR or a list of them`, opNode.span)
    return null
  }
  const items = vE.value.kind === 'seq' ? vE.value.items : [vE.value]
  const cidrs: string[] = []
  let ok = items.length > 0
  if (!ok) lw.error('invalid-cidr', `\`${opName}\` needs at least one CIDR`, vE.value.span)
  for (const item of items) {
    // Stryker disable next-line ConditionalExpression: a list or a map has no string `value` either
    if (item.kind !== 'scalar' || typeof item.value !== 'string') {
      lw.error('invalid-cidr', `the value of \`${opName}\` must be a CIDR string or a list of them`, item.span, 'e.g. `10.0.0.0/8` or `[10.0.0.0/8, "fd00::/8"]`')
      // Stryker disable next-line BooleanLiteral: an error was reported; `ok` only spares the checker a test no compile with an error will emit
      ok = false
      continue
    }
    const problem = cidrProblem(item.value)
    if (problem !== null) {
      lw.error('invalid-cidr', `invalid CIDR \`${item.value}\``, item.span, problem)
      // Stryker disable next-line BooleanLiteral: as above
      ok = false
    } else cidrs.push(item.value)
  }
  return ok ? { kind: 'inCidr', arg: subject, cidrs, span } : null
}

/**
 * A field path: the value it reads (`subject`), and `wrap`, which puts a test of that value inside
 * one `some` quantifier per `*` segment (SPEC 4.4: the condition holds for some element). A last
 * segment naming a URL part (`hostname` ...) reads that part of a URL string.
 */
function fieldPath(lw: Lowerer, node: YNode, resultRule: boolean): { subject: Expr; wrap: (test: Expr) => Expr } | null {
  const frames: { array: Expr; param: string; span: Span }[] = []
  const subject = pathExpr(lw, node, frames, resultRule)
  if (subject === null) return null
  const wrap = (test: Expr): Expr => frames.reduceRight<Expr>((body, f) => ({ kind: 'quantifier', quantifier: 'some', array: f.array, param: f.param, body, span: f.span }), test)
  return { subject, wrap }
}

function pathExpr(lw: Lowerer, node: YNode, frames: { array: Expr; param: string; span: Span }[], resultRule: boolean): Expr | null {
  if (node.kind !== 'scalar' || typeof node.value !== 'string' || node.value === '') {
    lw.error('invalid-type', '`field` must be a dotted path such as `arguments.path`', node.span)
    return null
  }
  const text = node.value
  const parts = text.split('.')
  const at = (i: number): number => scalarOffset(node, i)
  if (parts[0] === 'session') {
    // the session exposes its labels only: `field: session.labels`
    if (node.value !== 'session.labels') {
      lw.error('invalid-field', `unknown session field \`${node.value}\``, node.span, 'the session exposes `session.labels` (a string array)')
      return null
    }
    // Stryker disable next-line ObjectLiteral: no diagnostic or coverage point is placed at a condition's subject (the condition's own span is used)
    return { kind: 'labels', span: { start: at(0), end: at(node.value.length) } }
  }
  if (parts[0] === 'result' && !resultRule) {
    lw.error('invalid-field', '`result` is readable only in a result rule', node.span, 'add `on: result` to run the rule on the tool\'s output, after its handler returned')
    return null
  }
  const root = parts[0] === 'result' ? 'result' : FIELD_ROOTS[parts[0]!]
  if (root === undefined) {
    lw.error('unknown-field-root', `unknown field root \`${parts[0]}\``, node.span, didYouMean(parts[0]!, resultRule ? [...ROOT_NAMES, 'result'] : ROOT_NAMES) ?? 'a field starts with `arguments`, `args`, `context`, `params`, `tool_name`, `session` or (in result rules) `result`')
    return null
  }
  const before = lw.diagnostics.length
  let offset = node.value.indexOf('.') < 0 ? node.value.length : node.value.indexOf('.')
  let e: Expr = { kind: 'root', name: root, span: { start: at(0), end: at(offset) } }
  const rest = parts.slice(1)
  rest.forEach((seg, i) => {
    const segStart = offset + 1
    offset = segStart + seg.length
    const span = { start: at(0), end: at(offset) }
    if (seg === '' || FORBIDDEN_KEYS.has(seg)) {
      lw.error('invalid-field', seg === '' ? 'empty segment in field path' : `property \`${seg}\` is not allowed`, { start: at(segStart), end: at(Math.max(offset, segStart + 1)) })
      return
    }
    if (seg === '*') {
      // the element's name is the path up to this `*`: unique within the path, and what messages show
      const param = text.slice(0, offset)
      frames.push({ array: e, param, span })
      e = { kind: 'var', name: param, span }
    } else if (i === rest.length - 1 && i > 0 && (URL_PARTS as readonly string[]).includes(seg)) {
      e = { kind: 'urlPart', object: e, part: seg as UrlPartName, span }
    } else e = { kind: 'member', object: e, key: seg, optional: true, span }
  })
  return lw.diagnostics.length > before ? null : e
}

/** Python-flavoured regex strings (Veto's rules): a leading inline flag group becomes JS flags. */
function pythonRegex(lw: Lowerer, text: string, node: YScalar): { source: string; flags: string } | null {
  let source = text
  let flags = ''
  const m = /^\(\?([a-zA-Z]+)\)/.exec(text)
  if (m) {
    for (const f of m[1]!) {
      if (f === 'i' || f === 'm' || f === 's') { if (!flags.includes(f)) flags += f }
      else {
        lw.error('regex-unsupported', `inline flag \`${f}\` has no JavaScript equivalent`, { start: scalarOffset(node, 0), end: scalarOffset(node, m[0].length) }, 'supported leading flags: `(?i)`, `(?m)`, `(?s)` and their combinations')
        return null
      }
    }
    source = text.slice(m[0].length)
  }
  const py = /\(\?P[<=]|\\[AZz](?![a-zA-Z])|\(\?[aiLmsux-]+:|\(\?#|[*+?}]\+/.exec(source)
  if (py) {
    const start = text.length - source.length + py.index
    lw.error('regex-unsupported', `\`${py[0]}\` is regex syntax JavaScript does not have`, { start: scalarOffset(node, start), end: scalarOffset(node, start + py[0].length) }, hintFor(py[0]))
    return null
  }
  return { source, flags: [...flags].sort().join('') }
}

function hintFor(token: string): string {
  if (token.startsWith('(?P')) return 'JavaScript names groups as `(?<name>...)` and refers back with `\\k<name>`'
  if (token === '\\A') return 'use `^` (without the `m` flag) for the start of the input'
  if (token === '\\Z' || token === '\\z') return 'use `$` (without the `m` flag) for the end of the input'
  if (token === '(?#') return 'JavaScript regexes have no comments'
  if (token.startsWith('(?')) return 'scoped inline flags are not supported; put flags in a leading group such as `(?i)`'
  return 'possessive quantifiers do not exist in JavaScript; rewrite without them'
}
