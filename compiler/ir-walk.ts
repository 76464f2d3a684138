/** The direct sub-expressions of an expression, for passes that only need to visit every node. */
import type { Expr } from './ir.js'

export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'lit': case 'regex': case 'root': case 'var': case 'labels': return []
    case 'array': return e.items
    case 'member': return typeof e.key === 'string' ? [e.object] : [e.object, e.key]
    case 'unary': return [e.arg]
    case 'binary': case 'logical': return [e.left, e.right]
    case 'conditional': return [e.test, e.then, e.otherwise]
    case 'call': return [e.receiver, ...e.args]
    case 'op': return e.value ? [e.subject, e.value] : [e.subject]
    case 'all': case 'any': return e.items
    case 'quantifier': return [e.array, e.body]
    case 'url': case 'privateAddress': case 'inCidr': return [e.arg]
    case 'urlPart': return [e.object]
    case 'detect': return [e.arg]
  }
}
