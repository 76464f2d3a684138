/**
 * `when` expressions: parsed by acorn (a real JavaScript parser), then accepted only if every node is
 * in the SPEC 1.2 subset. Offsets are mapped back into the YAML through `at`.
 */
import { parseExpressionAt, type Node as AcornNode } from 'acorn'
import type { Diagnostic } from '../diagnostic.js'
import type { Call, Expr, Span } from '../ir.js'
import { functionCall, FUNCTIONS, QUANTIFIERS, quantifier } from './lang.js'
import { notAPolicyNumber } from './numbers.js'
import { didYouMean } from './suggest.js'

export type EnvValues = Record<string, string | number | boolean | null>

export interface ExprContext {
  /** Maps an offset in the expression text to an offset in the YAML source. */
  at: (offset: number) => number
  env: EnvValues | undefined
  diagnostics: Diagnostic[]
  /** Parameters of the enclosing `some`/`every` arrows, innermost last (SPEC 4.4). */
  bound?: string[]
  /** true inside a result rule (`on: result`), where `result` is readable */
  resultRule?: boolean
}

const ROOTS: Record<string, 'args' | 'context' | 'params' | 'tool'> = { args: 'args', arguments: 'args', context: 'context', params: 'params', tool: 'tool' }
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
const BINARY = new Set(['===', '!==', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%'])
const METHODS: Record<string, { arity: number }> = {
  match: { arity: 1 },
  test: { arity: 1 },
  startsWith: { arity: 1 },
  endsWith: { arity: 1 },
  includes: { arity: 1 },
  toLowerCase: { arity: 0 },
  toUpperCase: { arity: 0 },
  trim: { arity: 0 },
  some: { arity: 1 },
  every: { arity: 1 },
}

/** The detector functions of SPEC 4.2: `containsSecret(x)`, `containsPii(x)`. */
const DETECTORS: Record<string, 'secret' | 'pii'> = { containsSecret: 'secret', containsPii: 'pii' }

const NODE_NAMES: Record<string, string> = {
  AssignmentExpression: 'assignment',
  UpdateExpression: 'increment/decrement',
  NewExpression: '`new`',
  ThisExpression: '`this`',
  TemplateLiteral: 'a template literal',
  TaggedTemplateExpression: 'a tagged template',
  ArrowFunctionExpression: 'a function',
  FunctionExpression: 'a function',
  SequenceExpression: 'the comma operator',
  ObjectExpression: 'an object literal',
  AwaitExpression: '`await`',
  YieldExpression: '`yield`',
  ClassExpression: 'a class',
  SpreadElement: 'spread',
  ImportExpression: '`import()`',
  MetaProperty: '`import.meta`/`new.target`',
}

type AnyNode = AcornNode & Record<string, any>

/** Parses and lowers one `when`/`key` expression; returns null (with diagnostics) when it is not accepted. */
export function lowerExpression(text: string, cx: ExprContext): Expr | null {
  let node: AnyNode
  try {
    // preserveParens: without it a parenthesised expression ends before its `)` and `(a && b)` would
    // leave text behind; parentheses also end an optional chain, as in JavaScript
    node = parseExpressionAt(text, 0, { ecmaVersion: 'latest', preserveParens: true }) as AnyNode
  } catch (e) {
    const err = e as SyntaxError & { pos?: number }
    // Stryker disable next-line ConditionalExpression: acorn's errors all carry `pos` (its own stack-depth error too); 0 is for anything else it might throw
    const pos = typeof err.pos === 'number' ? err.pos : 0
    // Stryker disable next-line Regex: acorn's message holds one "(line:col)", at its end, so the pattern without `$` takes the same text off
    const message = String(err.message).replace(/ \(\d+:\d+\)$/, '')
    if (message.startsWith('Invalid regular expression')) {
      // Stryker disable next-line Regex,ArithmeticOperator: the message starts with the prefix, so `^` changes nothing; `span` underlines at least one character, so an end before `pos` underlines the same one
      cx.diagnostics.push({ code: 'regex-syntax', severity: 'error', message: `invalid regex: ${message.replace(/^Invalid regular expression: /, '')}`, span: span(cx, pos, pos + 1) })
      return null
    }
    // Stryker disable next-line ArithmeticOperator: `span` underlines at least one character, so an end before `pos` underlines the same one
    cx.diagnostics.push({ code: 'expression-syntax', severity: 'error', message: `expression syntax: ${lowerFirst(message)}`, span: span(cx, pos, pos + 1) })
    return null
  }
  const rest = text.slice(node.end)
  if (rest.trim() !== '') {
    const pos = node.end + (rest.length - rest.trimStart().length)
    cx.diagnostics.push({ code: 'expression-syntax', severity: 'error', message: 'expression syntax: unexpected text after the expression', span: span(cx, pos, text.length), help: 'a `when` holds exactly one expression; combine conditions with `&&` or `||`' })
    return null
  }
  const before = cx.diagnostics.length
  const out = walk(node, cx, false)
  return cx.diagnostics.length > before ? null : out
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1)
}

function span(cx: ExprContext, start: number, end: number): Span {
  const s = cx.at(start)
  return { start: s, end: Math.max(cx.at(end), s + 1) }
}

function sp(cx: ExprContext, n: AnyNode): Span {
  return span(cx, n.start, n.end)
}

function reject(cx: ExprContext, n: AnyNode, message: string, help?: string): Expr {
  cx.diagnostics.push({ code: 'expression-disallowed', severity: 'error', message, span: sp(cx, n), ...(help !== undefined ? { help } : {}) })
  // Stryker disable next-line ObjectLiteral,StringLiteral: a diagnostic was added, so lowerExpression discards the whole expression; this only keeps the walk going to report the rest
  return { kind: 'lit', value: null, span: sp(cx, n) }
}

/** `chained`: inside an optional chain after an optional link (calls then short-circuit too). */
function walk(n: AnyNode, cx: ExprContext, chained: boolean): Expr {
  switch (n.type) {
    case 'Literal': {
      if (n.regex) return { kind: 'regex', source: n.regex.pattern, flags: n.regex.flags, span: sp(cx, n) }
      // acorn gives every bigint literal its digits in `bigint` (its `value` is a BigInt too, so testing both could not tell them apart)
      if (n.bigint !== undefined) return reject(cx, n, 'bigint literals are not allowed in a `when` expression')
      // `1e400` parses to Infinity, which no JSON value holds (and the emitter has no literal for)
      if (typeof n.value === 'number' && !Number.isFinite(n.value)) {
        cx.diagnostics.push({ ...notAPolicyNumber(n.raw ?? String(n.value)), severity: 'error', span: sp(cx, n) })
        // Stryker disable next-line ObjectLiteral,StringLiteral: a diagnostic was added, so the expression is discarded (see reject)
        return { kind: 'lit', value: null, span: sp(cx, n) }
      }
      return { kind: 'lit', value: n.value as string | number | boolean | null, span: sp(cx, n) }
    }
    case 'ArrayExpression': {
      const items: Expr[] = []
      for (const el of n.elements as (AnyNode | null)[]) {
        if (el === null) return reject(cx, n, 'array holes are not allowed in a `when` expression')
        items.push(walk(el, cx, false))
      }
      return { kind: 'array', items, span: sp(cx, n) }
    }
    case 'Identifier': {
      if (cx.bound?.includes(n.name as string)) return { kind: 'var', name: n.name as string, span: sp(cx, n) }
      const root = ROOTS[n.name as string]
      if (root !== undefined) return { kind: 'root', name: root, span: sp(cx, n) }
      if (n.name === 'result') {
        if (cx.resultRule) return { kind: 'root', name: 'result', span: sp(cx, n) }
        return reject(cx, n, '`result` is readable only in a result rule', 'add `on: result` to run the rule on the tool\'s output, after its handler returned')
      }
      if (n.name === 'session') return reject(cx, n, '`session` must be read as `session.labels`', 'the session\'s labels are a string array, e.g. `session.labels.includes(\'secret\')`')
      if (n.name === 'env') return reject(cx, n, '`env` must be read with a property, as in `env.production`')
      if (n.name === 'undefined') return reject(cx, n, '`undefined` is not a value in a `when` expression', 'to test for an absent value write `x == null` (true for null and absent)')
      const hint = didYouMean(n.name as string, Object.keys(ROOTS).concat('env'))
      return reject(cx, n, `unknown name \`${n.name}\``, hint ?? 'expressions may read `args`, `context`, `params`, `tool`, `env`, `session.labels` and (in result rules) `result`')
    }
    case 'ChainExpression':
      return walk(n.expression, cx, false)
    case 'MemberExpression':
      return member(n, cx, chained)
    case 'UnaryExpression': {
      if (n.operator === '!' || n.operator === '-' || n.operator === '+') {
        return { kind: 'unary', op: n.operator, arg: walk(n.argument, cx, false), span: sp(cx, n) }
      }
      return reject(cx, n, `operator \`${n.operator}\` is not allowed in a \`when\` expression`)
    }
    case 'BinaryExpression': {
      if (!BINARY.has(n.operator)) {
        const help = n.operator === 'in' ? 'to test for a property write `args.x != null`' : undefined
        return reject(cx, n, `operator \`${n.operator}\` is not allowed in a \`when\` expression`, help)
      }
      return { kind: 'binary', op: n.operator, left: walk(n.left, cx, false), right: walk(n.right, cx, false), span: sp(cx, n) }
    }
    case 'LogicalExpression':
      return { kind: 'logical', op: n.operator, left: walk(n.left, cx, false), right: walk(n.right, cx, false), span: sp(cx, n) }
    case 'ConditionalExpression':
      return { kind: 'conditional', test: walk(n.test, cx, false), then: walk(n.consequent, cx, false), otherwise: walk(n.alternate, cx, false), span: sp(cx, n) }
    case 'CallExpression':
      return call(n, cx, chained)
    case 'ParenthesizedExpression':
      return walk(n.expression, cx, false)
    default: {
      // Stryker disable next-line StringLiteral: every expression node acorn gives and walk does not take is named in NODE_NAMES; the fallback is for a future acorn's new kinds
      const name = NODE_NAMES[n.type as string] ?? `\`${n.type}\``
      // Stryker disable next-line ConditionalExpression: of the nodes that reach here only an assignment has the operator `=`
      const help = n.type === 'AssignmentExpression' && n.operator === '=' ? 'to compare, write `===`' : undefined
      return reject(cx, n, `${name} is not allowed in a \`when\` expression`, help)
    }
  }
}

/** The node inside any parentheses, for checks that look at a node's kind. */
function unparen(n: AnyNode): AnyNode {
  let cur = n
  while (cur.type === 'ParenthesizedExpression') cur = cur.expression as AnyNode
  return cur
}

function member(n: AnyNode, cx: ExprContext, chained: boolean): Expr {
  const obj = unparen(n.object as AnyNode)
  const optional = Boolean(n.optional)
  // env.X is a build-time constant
  if (obj.type === 'Identifier' && obj.name === 'env') {
    const key = staticKey(n)
    if (key === undefined) return reject(cx, n, '`env` must be read with a fixed property name')
    const env = cx.env ?? {}
    if (!Object.prototype.hasOwnProperty.call(env, key)) {
      cx.diagnostics.push({
        code: 'unknown-env',
        severity: 'error',
        message: `unknown build-time constant \`env.${key}\``,
        span: sp(cx, n.property),
        help: didYouMean(key, Object.keys(env)) ?? (cx.env === undefined ? 'pass `env` to the compiler (plugin option `env`, or `--env` on the CLI)' : `known constants: ${Object.keys(env).map(k => `\`${k}\``).join(', ') || 'none'}`),
      })
      return { kind: 'lit', value: null, span: sp(cx, n) }
    }
    return { kind: 'lit', value: env[key]!, span: sp(cx, n) }
  }
  // session.labels: the only readable part of the session
  if (obj.type === 'Identifier' && obj.name === 'session') {
    const key = staticKey(n)
    if (key !== 'labels') return reject(cx, n, key === undefined ? '`session` must be read with a fixed property name' : `unknown session field \`${key}\``, 'the session exposes `session.labels` (a string array); its id is the application\'s and is not readable by rules')
    return { kind: 'labels', span: sp(cx, n) }
  }
  const object = walk(obj, cx, chained)
  if (!n.computed) {
    const name = (n.property as AnyNode).name as string
    if (FORBIDDEN_KEYS.has(name)) return reject(cx, n.property, `property \`${name}\` is not allowed`, 'reads see own properties only; prototype keys never resolve')
    return { kind: 'member', object, key: name, optional, span: sp(cx, n) }
  }
  const prop = unparen(n.property as AnyNode)
  if (prop.type === 'Literal' && (typeof prop.value === 'string' || typeof prop.value === 'number')) {
    const key = String(prop.value)
    if (FORBIDDEN_KEYS.has(key)) return reject(cx, prop, `property \`${key}\` is not allowed`, 'reads see own properties only; prototype keys never resolve')
    return { kind: 'member', object, key, optional, span: sp(cx, n) }
  }
  return { kind: 'member', object, key: walk(prop, cx, false), optional, span: sp(cx, n) }
}

function staticKey(n: AnyNode): string | undefined {
  if (!n.computed) return (n.property as AnyNode).name as string
  const p = unparen(n.property as AnyNode)
  // Stryker disable next-line ConditionalExpression: a key that is not a literal has no `value`, so the type test refuses it too
  return p.type === 'Literal' && typeof p.value === 'string' ? p.value : undefined
}

/** Whether the chain below `n` has an optional link, so a call on it short-circuits. */
function hasOptionalLink(n: AnyNode): boolean {
  let cur: AnyNode | undefined = n
  while (cur && (cur.type === 'MemberExpression' || cur.type === 'CallExpression')) {
    if (cur.optional) return true
    cur = cur.type === 'MemberExpression' ? cur.object : cur.callee
  }
  return false
}

function call(n: AnyNode, cx: ExprContext, chained: boolean): Expr {
  const callee = n.callee as AnyNode
  if (n.optional) return reject(cx, n, 'optional calls `f?.()` are not allowed in a `when` expression')
  if (callee.type === 'Identifier' && Object.prototype.hasOwnProperty.call(DETECTORS, callee.name)) return detector(n, callee.name as string, cx)
  if (callee.type === 'Identifier' && Object.prototype.hasOwnProperty.call(FUNCTIONS, callee.name)) return functionCall(n, cx, walk, x => sp(cx, x))
  if (callee.type !== 'MemberExpression' || callee.computed) {
    const name = callee.type === 'Identifier' ? `\`${callee.name}\`` : 'this function'
    const near = callee.type === 'Identifier' ? didYouMean(callee.name as string, [...Object.keys(DETECTORS), ...Object.keys(FUNCTIONS)]) : undefined
    return reject(cx, callee, `calling ${name} is not allowed in a \`when\` expression`, near ?? `allowed methods: ${Object.keys(METHODS).map(m => `\`${m}\``).join(', ')}; functions: ${[...Object.keys(FUNCTIONS), ...Object.keys(DETECTORS)].map(m => `\`${m}\``).join(', ')}`)
  }
  const method = (callee.property as AnyNode).name as string
  const spec = METHODS[method]
  if (spec === undefined) {
    return reject(cx, callee.property, `method \`${method}\` is not allowed in a \`when\` expression`, didYouMean(method, Object.keys(METHODS)) ?? `allowed methods: ${Object.keys(METHODS).map(m => `\`${m}\``).join(', ')}`)
  }
  if (QUANTIFIERS.has(method)) return quantifier(n, cx, walk, x => sp(cx, x), chained || hasOptionalLink(callee))
  const args = n.arguments as AnyNode[]
  if (args.length !== spec.arity) {
    return reject(cx, n, `\`${method}\` takes ${spec.arity === 0 ? 'no arguments' : `${spec.arity} argument`}, got ${args.length}`)
  }
  if (args.some(a => a.type === 'SpreadElement')) return reject(cx, n, 'spread arguments are not allowed')
  const optional = chained || hasOptionalLink(callee)
  const receiver = walk(callee.object, cx, optional)
  const loweredArgs = args.map(a => walk(a, cx, false))
  if (method === 'match' && loweredArgs[0]?.kind !== 'regex') {
    return reject(cx, args[0]!, '`match` takes a regex literal', 'write the pattern as `/.../flags`; regexes are compiled once, at module load')
  }
  if (method === 'test' && receiver.kind !== 'regex') {
    return reject(cx, callee.object, '`test` must be called on a regex literal', 'write `/pattern/.test(args.x)`')
  }
  const out: Call = { kind: 'call', method: method as Call['method'], receiver, args: loweredArgs, optional, span: sp(cx, n) }
  return out
}

function detector(n: AnyNode, name: string, cx: ExprContext): Expr {
  const args = n.arguments as AnyNode[]
  if (args.length !== 1) return reject(cx, n, `\`${name}\` takes 1 argument, got ${args.length}`)
  if (args[0]!.type === 'SpreadElement') return reject(cx, n, 'spread arguments are not allowed')
  return { kind: 'detect', detector: DETECTORS[name]!, arg: walk(args[0]!, cx, false), span: sp(cx, n) }
}
