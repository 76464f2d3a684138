/**
 * SPEC 4.2 `visibleTools(context?)`, the static part: which rules can be decided from the context,
 * the params and the build-time constants alone. The emitter (compiler/emit/visible.ts) and the
 * reference interpreter both start from this classification.
 *
 * A tool is visible under a context unless one of these holds, where a *static* condition is one
 * that reads only literals, `context` (not its counter fields, which the guard fills per call),
 * `params` and `tool`, and a rule is *static* when its condition is static (or absent) and it has
 * neither `limit` nor `outside_hours`:
 * - a static `deny` rule that applies to the tool holds (every call that reaches the rules is denied);
 * - the policy's `default` is `deny` and every `allow`/`review` rule that applies to the tool
 *   (`warn`/`log` rules and limit rules included) has a static condition that does not hold (no call
 *   can be allowed or reviewed).
 * All static conditions of the tool's rules are evaluated (as `evaluate` evaluates every condition);
 * if one throws, the fail mode decides as it does in `evaluate`: `closed` hides the tool (every call
 * would be denied), `open` skips that rule (it does not hold). A call to a hidden
 * tool is still evaluated, and denied (test/property/visible.test.ts).
 */
import type { Expr, Policy, Rule } from './ir.js'

/** Whether `e` reads only literals, `params`, `tool` and `context` fields other than `counters`. */
export function isStatic(e: Expr | null, counters: ReadonlySet<string>): boolean {
  if (e === null) return true
  switch (e.kind) {
    case 'lit': case 'regex': return true
    case 'root': return e.name === 'params' || e.name === 'tool' || (e.name === 'context' && counters.size === 0)
    case 'array': return e.items.every(i => isStatic(i, counters))
    case 'member': {
      if (e.object.kind === 'root' && e.object.name === 'context') {
        if (typeof e.key !== 'string') return counters.size === 0 && isStatic(e.key, counters)
        return !counters.has(e.key)
      }
      return isStatic(e.object, counters) && (typeof e.key === 'string' || isStatic(e.key, counters))
    }
    case 'unary': return isStatic(e.arg, counters)
    case 'binary': case 'logical': return isStatic(e.left, counters) && isStatic(e.right, counters)
    case 'conditional': return isStatic(e.test, counters) && isStatic(e.then, counters) && isStatic(e.otherwise, counters)
    case 'call': return isStatic(e.receiver, counters) && e.args.every(a => isStatic(a, counters))
    case 'op': return isStatic(e.subject, counters) && isStatic(e.value, counters)
    case 'all': case 'any': return e.items.every(i => isStatic(i, counters))
    case 'detect': return isStatic(e.arg, counters)
    default: return false
  }
}

export interface ToolVisibility {
  /** rules of the tool whose condition is static, in file order: all are evaluated */
  evaluated: Rule[]
  /** static deny rules: if one holds, the tool is hidden */
  denies: Rule[]
  /**
   * `null` when some call could be allowed or reviewed whatever the static conditions say;
   * otherwise the static allow/review rules of which one must hold (empty: none can, so hidden)
   */
  allowers: Rule[] | null
}

export function counterFields(policy: Policy): Set<string> {
  return new Set(policy.context.filter(f => f.count !== undefined).map(f => f.name))
}

/** `rules`: the call rules that apply to the tool, in file order. */
export function toolVisibility(policy: Policy, rules: readonly Rule[], counters: ReadonlySet<string>): ToolVisibility {
  const evaluated = rules.filter(r => isStatic(r.condition, counters) && r.condition !== null)
  const isStaticRule = (r: Rule): boolean => isStatic(r.condition, counters) && !r.limit && !r.outsideHours
  const denies = rules.filter(r => r.action === 'deny' && !r.warn && isStaticRule(r))
  let allowers: Rule[] | null = null
  if (policy.default === 'deny') {
    const candidates = rules.filter(r => r.action !== 'deny' || r.warn)
    // a candidate whose condition is not static (or absent), or that depends on the clock or a
    // store, could fire for some call
    if (candidates.every(r => isStatic(r.condition, counters) && r.condition !== null)) allowers = candidates
  }
  return { evaluated, denies, allowers }
}
