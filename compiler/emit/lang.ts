/**
 * Emitting the SPEC 4.4 nodes. A quantifier becomes a module-level function holding a plain `for`
 * loop, called with the array, the call's `a`, `c`, `o` and the enclosing quantifiers' elements:
 * nothing is allocated per call (no closure, no iterator). URL and address tests call the helpers of
 * `net.ts`, which the module carries only when its policy uses them.
 */
import type { Expr } from '../ir.js'
import { URL_PARTS } from '../net.js'
import { join, js, jsonValue, type Code, type Scope } from './code.js'
import type { Locals } from './reads.js'

export interface LangBuilder {
  scope: Scope
  consts: { code: Code }[]
  usesUrl: boolean
  usesAddress: boolean
  nets: Map<string, Code>
}

export interface LangCx {
  /** the enclosing quantifiers' elements: parameter name → the emitted name holding it */
  vars: ReadonlyMap<string, Code>
  /** locals of the tool function (compiler/emit/reads.ts); none inside a quantifier's own function */
  locals?: Locals
}

type Emit<C extends LangCx> = (e: Expr, cx: C, bool?: boolean) => Code
type UsesN = (e: Expr | null) => boolean

export function quantifierCall<C extends LangCx>(e: Extract<Expr, { kind: 'quantifier' }>, cx: C, b: LangBuilder, emit: Emit<C>, usesN: UsesN): Code {
  const fn = b.scope.name('q')
  const el = b.scope.name('v')
  const outer = [...cx.vars.values()]
  const inner: C = { ...cx, vars: new Map([...cx.vars, [e.param, el]]), locals: undefined }
  // Stryker disable next-line BooleanLiteral: `true` only allows a form of the same truthiness, and the body is read for its truth
  const body = emit(e.body, inner, true)
  const some = e.quantifier === 'some'
  const params = join([js`xs`, js`a`, js`c`, js`o`, ...outer])
  const test = some ? js`if (${body}) return true;` : js`if (!(${body})) return false;`
  b.consts.push({ code: js`function ${fn}(${params}) { if (!isArray(xs)) return false;${usesN(e.body) ? js` let n;` : js``} for (let i = 0, len = xs.length; i < len; i++) { if (!hasOwn.call(xs, i)) continue; const ${el} = xs[i]; ${test} } return ${!some}; }` })
  return js`${fn}(${join([emit(e.array, cx), js`a`, js`c`, js`o`, ...outer])})`
}

export function langExpr<C extends LangCx>(e: Expr, cx: C, b: LangBuilder, emit: Emit<C>): Code | undefined {
  switch (e.kind) {
    case 'var': {
      const name = cx.vars.get(e.name)
      // Stryker disable next-line ConditionalExpression,StringLiteral,CallExpression: the checker binds every element name (compiler/check/types.ts)
      if (name === undefined) throw new Error(`internal: unbound element ${e.name}`)
      return name
    }
    case 'url':
      b.usesUrl = true
      return js`urlOf(${emit(e.arg, cx)})`
    case 'urlPart':
      b.usesUrl = true
      return js`urlPart(${emit(e.object, cx)}, ${URL_PARTS.indexOf(e.part)}, ${e.part})`
    case 'privateAddress':
      b.usesUrl = b.usesAddress = true
      return js`isPrivate(${emit(e.arg, cx)})`
    case 'inCidr': {
      b.usesUrl = b.usesAddress = true
      const key = JSON.stringify(e.cidrs)
      let nets = b.nets.get(key)
      if (!nets) {
        nets = b.scope.name('nets')
        b.nets.set(key, nets)
        b.consts.push({ code: js`const ${nets} = cidrs(${jsonValue(e.cidrs)});` })
      }
      return js`ipInRange(${emit(e.arg, cx)}, ${nets})`
    }
    case 'member':
      // `url(s).hostname`: the part itself, without building the object
      if (e.object.kind === 'url' && typeof e.key === 'string' && (URL_PARTS as readonly string[]).includes(e.key)) {
        b.usesUrl = true
        return js`urlGet(${emit(e.object.arg, cx)}, ${URL_PARTS.indexOf(e.key as never)})`
      }
      return undefined
    // Stryker disable next-line ConditionalExpression: falling out of the switch returns undefined as well
    default:
      return undefined
  }
}
