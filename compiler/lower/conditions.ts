/** The conditions dialect (Veto's `field`/`operator`/`value`) → IR operator nodes. */
import type { Expr, OpName } from '../ir.js'
import { scalarOffset, type YNode, type YScalar } from '../parse/index.js'
import { ALL_OPERATORS, CONDITION_KEYS, DETECTOR_OPERATORS, FIELD_ROOTS, FORBIDDEN_KEYS, Lowerer, spanHead } from './lowerer.js'
import { didYouMean } from './suggest.js'

export function conditionList(lw: Lowerer, node: YNode, resultRule = false): Expr | null {
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
  const subject = fieldPath(lw, fE.value, resultRule)
  const opName = lw.choice(oE.value, ALL_OPERATORS, 'operator')
  if (!subject || opName === undefined) return null
  const negate = opName.startsWith('not_')
  const op = (negate ? opName.slice(4) : opName) as OpName
  const span = node.span
  const detector = DETECTOR_OPERATORS[op]
  if (detector !== undefined) {
    if (vE && !(vE.value.kind === 'scalar' && (vE.value.value === null || vE.value.value === true))) lw.error('invalid-value', `\`${opName}\` takes no \`value\``, vE.value.span)
    const found: Expr = { kind: 'detect', detector, arg: subject, span }
    return negate ? { kind: 'unary', op: '!', arg: found, span } : found
  }
  if (op === 'exists') {
    if (vE && !(vE.value.kind === 'scalar' && (vE.value.value === null || vE.value.value === true))) lw.error('invalid-value', `\`${opName}\` takes no \`value\``, vE.value.span)
    return { kind: 'op', op, negate, subject, value: null, span }
  }
  if (!vE) {
    lw.error('missing-key', `operator \`${opName}\` needs a \`value\``, oE.value.span)
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
    const ok = typeof v.value === 'number' || (typeof v.value === 'string' && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(v.value))
    if (!ok) {
      lw.error('invalid-type', `the value of \`${opName}\` must be a number`, v.span)
      return null
    }
  }
  return { kind: 'op', op, negate, subject, value: { kind: 'lit', value: v.value, span: v.span }, span }
}

function fieldPath(lw: Lowerer, node: YNode, resultRule: boolean): Expr | null {
  if (node.kind !== 'scalar' || typeof node.value !== 'string' || node.value === '') {
    lw.error('invalid-type', '`field` must be a dotted path such as `arguments.path`', node.span)
    return null
  }
  const parts = node.value.split('.')
  const at = (i: number): number => scalarOffset(node, i)
  if (parts[0] === 'session') {
    // the session exposes its labels only: `field: session.labels`
    if (node.value !== 'session.labels') {
      lw.error('invalid-field', `unknown session field \`${node.value}\``, node.span, 'the session exposes `session.labels` (a string array)')
      return null
    }
    return { kind: 'labels', span: { start: at(0), end: at(node.value.length) } }
  }
  if (parts[0] === 'result' && !resultRule) {
    lw.error('invalid-field', '`result` is readable only in a result rule', node.span, 'add `on: result` to run the rule on the tool\'s output, after its handler returned')
    return null
  }
  const root = parts[0] === 'result' ? 'result' : FIELD_ROOTS[parts[0]!]
  if (root === undefined) {
    lw.error('unknown-field-root', `unknown field root \`${parts[0]}\``, node.span, didYouMean(parts[0]!, [...Object.keys(FIELD_ROOTS), 'session', ...(resultRule ? ['result'] : [])]) ?? 'a field starts with `arguments`, `args`, `context`, `params`, `tool_name`, `session` or (in result rules) `result`')
    return null
  }
  let offset = node.value.indexOf('.') < 0 ? node.value.length : node.value.indexOf('.')
  let e: Expr = { kind: 'root', name: root, span: { start: at(0), end: at(offset) } }
  for (const seg of parts.slice(1)) {
    const segStart = offset + 1
    offset = segStart + seg.length
    if (seg === '' || FORBIDDEN_KEYS.has(seg)) {
      lw.error('invalid-field', seg === '' ? 'empty segment in field path' : `property \`${seg}\` is not allowed`, { start: at(segStart), end: at(Math.max(offset, segStart + 1)) })
      return null
    }
    e = { kind: 'member', object: e, key: seg, optional: true, span: { start: at(0), end: at(offset) } }
  }
  return e
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
