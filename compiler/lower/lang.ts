/**
 * The `when` forms of SPEC 4.4: `xs.some(x => e)` / `xs.every(x => e)`, and the functions `url(s)`,
 * `isPrivateAddress(h)`, `ipInRange(h, cidr)`. `expr.ts` hands these calls over with its own walker,
 * so the bound name is visible exactly inside the arrow's body.
 */
import type { Node as AcornNode } from 'acorn'
import type { Expr, Span } from '../ir.js'
import { cidrProblem } from '../net.js'
import type { ExprContext } from './expr.js'

type AnyNode = AcornNode & Record<string, any>
type Walk = (n: AnyNode, cx: ExprContext, chained: boolean) => Expr

export const FUNCTIONS: Record<string, { arity: number }> = {
  url: { arity: 1 },
  isPrivateAddress: { arity: 1 },
  ipInRange: { arity: 2 },
}
export const QUANTIFIERS: ReadonlySet<string> = new Set(['some', 'every'])
/** Names a parameter may not take: it would hide a root or a function, or not be a value at all. */
const RESERVED_PARAMS = new Set(['args', 'arguments', 'context', 'params', 'tool', 'env', 'session', 'result', 'undefined', 'NaN', 'Infinity', ...Object.keys(FUNCTIONS)])

function error(cx: ExprContext, code: string, message: string, span: Span, help?: string): Expr {
  cx.diagnostics.push({ code, severity: 'error', message, span, ...(help !== undefined ? { help } : {}) })
  // Stryker disable next-line ObjectLiteral,StringLiteral: the stand-in expression for an error; lowering has already reported an error here, and a policy with an error emits nothing
  return { kind: 'lit', value: null, span }
}

/** `receiver.some(x => body)` / `.every(...)`; `n` is the CallExpression. */
export function quantifier(n: AnyNode, cx: ExprContext, walk: Walk, sp: (n: AnyNode) => Span, chained: boolean): Expr {
  const callee = n.callee as AnyNode
  const method = (callee.property as AnyNode).name as 'some' | 'every'
  const args = n.arguments as AnyNode[]
  const fn = args[0]
  const usage = `write \`xs.${method}(x => ...)\`: one parameter, an expression body`
  if (args.length !== 1 || fn === undefined || fn.type !== 'ArrowFunctionExpression') return error(cx, 'expression-disallowed', `\`${method}\` takes one arrow function`, sp(n), usage)
  if (fn.async || fn.generator || fn.body.type === 'BlockStatement') return error(cx, 'expression-disallowed', `the function given to \`${method}\` must be a plain arrow with an expression body`, sp(fn), usage)
  const params = fn.params as AnyNode[]
  if (params.length !== 1 || params[0]!.type !== 'Identifier') return error(cx, 'expression-disallowed', `the function given to \`${method}\` takes exactly one named parameter`, sp(fn), usage)
  const param = params[0]!
  const name = param.name as string
  const bound = (cx.bound ??= [])
  if (RESERVED_PARAMS.has(name)) return error(cx, 'reserved-name', `parameter name \`${name}\` is reserved`, sp(param), 'it would hide a name expressions use; pick another, such as `x`')
  if (bound.includes(name)) return error(cx, 'shadowed-name', `parameter \`${name}\` hides the outer parameter of the same name`, sp(param), 'give the inner parameter its own name, so each name means one element')
  const array = walk(callee.object as AnyNode, cx, chained || Boolean(callee.optional))
  bound.push(name)
  let body: Expr
  try {
    body = walk(fn.body as AnyNode, cx, false)
  } finally {
    bound.pop()
  }
  return { kind: 'quantifier', quantifier: method, array, param: name, body, span: sp(n) }
}

/** `url(s)`, `isPrivateAddress(h)`, `ipInRange(h, cidr)`; `n` is the CallExpression. */
export function functionCall(n: AnyNode, cx: ExprContext, walk: Walk, sp: (n: AnyNode) => Span): Expr {
  const name = (n.callee as AnyNode).name as string
  const args = n.arguments as AnyNode[]
  const spec = FUNCTIONS[name]!
  if (args.length !== spec.arity) return error(cx, 'expression-disallowed', `\`${name}\` takes ${spec.arity} argument${spec.arity === 1 ? '' : 's'}, got ${args.length}`, sp(n))
  if (args.some(a => a.type === 'SpreadElement')) return error(cx, 'expression-disallowed', 'spread arguments are not allowed', sp(n))
  const arg = walk(args[0]!, cx, false)
  if (name === 'url') return { kind: 'url', arg, span: sp(n) }
  if (name === 'isPrivateAddress') return { kind: 'privateAddress', arg, span: sp(n) }
  const cidrs = cidrLiterals(args[1]!, cx, sp)
  return cidrs === null ? { kind: 'lit', value: null, span: sp(n) } : { kind: 'inCidr', arg, cidrs, span: sp(n) }
}

/** A CIDR string literal or an array literal of them, each checked now. */
function cidrLiterals(node: AnyNode, cx: ExprContext, sp: (n: AnyNode) => Span): string[] | null {
  let n = node
  while (n.type === 'ParenthesizedExpression') n = n.expression as AnyNode
  const items = n.type === 'ArrayExpression' ? (n.elements as (AnyNode | null)[]) : [n]
  const out: string[] = []
  let ok = items.length > 0
  for (const item of items) {
    if (item === null || item.type !== 'Literal' || typeof item.value !== 'string') {
      error(cx, 'invalid-cidr', 'the range of `ipInRange` must be a CIDR string, or a list of them, written in the policy', sp(item ?? n), 'ranges are checked when the policy compiles, e.g. `ipInRange(h, ["10.0.0.0/8", "fd00::/8"])`')
      // Stryker disable next-line BooleanLiteral: the range was just reported; lowering has already reported an error here, and a policy with an error emits nothing
      ok = false
      continue
    }
    const problem = cidrProblem(item.value)
    if (problem !== null) {
      error(cx, 'invalid-cidr', `invalid CIDR \`${item.value}\``, sp(item), problem)
      // Stryker disable next-line BooleanLiteral: the range was just reported; lowering has already reported an error here, and a policy with an error emits nothing
      ok = false
    } else out.push(item.value)
  }
  if (items.length === 0) error(cx, 'invalid-cidr', '`ipInRange` needs at least one range', sp(n))
  return ok ? out : null
}
