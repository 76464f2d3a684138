/**
 * Merges the guard's limit verdicts into the stateless evaluation, by the SPEC 1.5 rules: an exceeded
 * limit is a matching rule of its action (a warn limit only adds a warning); deny beats review beats
 * allow; the reported rule is the first matching rule, in file order, of the winning action.
 */
import type { Action, Decision, Evaluation, PendingCount, PendingLimit } from '../types.js'

const RANK: Record<Action, number> = { deny: 3, review: 2, allow: 1 }

/** A limit that, when exceeded, changes the decision (as opposed to only warning). */
export function blocking(l: PendingLimit): boolean {
  return !l.warn && l.action !== 'allow'
}

/** A context counter as the stores see it: a limit that is never exceeded and never blocks. */
export function counterLimit(c: PendingCount): PendingLimit {
  return { rule: c.name, index: -1, action: 'allow', warn: true, max: Number.MAX_SAFE_INTEGER, perMs: c.perMs, key: c.key, message: '', counter: true }
}

/**
 * A limit store's answer to `hit`, checked: one boolean per limit asked about. Anything else (a
 * custom store's bug: `[]`, a number, `1` for true) would otherwise read as "no limit exceeded" and
 * let the call through; the guard decides such an answer as a store that is down (the fail mode).
 */
export function checkedVerdicts(answer: unknown, n: number): boolean[] {
  if (!Array.isArray(answer) || answer.length !== n) throw new Error(`it answered ${Array.isArray(answer) ? `${answer.length} verdicts` : typeof answer} for ${n} limits`)
  for (let i = 0; i < n; i++) if (typeof answer[i] !== 'boolean') throw new Error(`it answered ${typeof answer[i]} for a limit's verdict, not a boolean`)
  return answer as boolean[]
}

/** A limit store's answer to `count`, checked the same way: one count (a whole number, 0 or more) per counter. */
export function checkedCounts(answer: unknown, n: number): number[] {
  if (!Array.isArray(answer) || answer.length !== n) throw new Error(`it answered ${Array.isArray(answer) ? `${answer.length} counts` : typeof answer} for ${n} counters`)
  for (let i = 0; i < n; i++) {
    const c: unknown = answer[i]
    if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0) throw new Error(`it answered ${typeof c === 'number' ? String(c) : typeof c} for a counter, not a count`)
  }
  return answer as number[]
}

/** `exceeded[i]` is the store's verdict on `ev.limits[i]`; anything after them (counters) is not read. */
export function applyLimits(ev: Evaluation, exceeded: readonly boolean[]): Decision {
  const limits = ev.limits ?? []
  const base: Decision = { decision: ev.decision }
  if (ev.rule !== undefined) base.rule = ev.rule
  if (ev.reason !== undefined) base.reason = ev.reason
  if (ev.severity !== undefined) base.severity = ev.severity
  // the common case, every limit with room: the evaluation's decision as it is
  let anyHit = false
  for (let i = 0; i < limits.length && !anyHit; i++) anyHit = exceeded[i] === true
  if (!anyHit) {
    if (ev.warnings !== undefined && ev.warnings.length > 0) base.warnings = [...ev.warnings]
    return base
  }
  const hit = limits.filter((_, i) => exceeded[i] === true)
  const warnings = [...(ev.warnings ?? []), ...hit.filter(l => l.warn).map(l => l.rule)]
  if (warnings.length > 0) base.warnings = warnings
  const candidates = hit.filter(l => !l.warn)
  if (candidates.length === 0) return base
  // the evaluation's own decision competes only if a rule decided it; any matching rule beats the default
  const own = ev.ruleIndex >= 0 ? { action: ev.decision, index: ev.ruleIndex } : undefined
  let best: { action: Action; index: number; limit?: PendingLimit } | undefined = own
  for (const l of candidates) {
    if (!best || RANK[l.action] > RANK[best.action] || (l.action === best.action && l.index < best.index)) best = { action: l.action, index: l.index, limit: l }
  }
  if (!best?.limit) return base
  // under fail_mode open, the rules the evaluation skipped stay on the decision the limit made
  const skipped = ev.errors !== undefined && ev.errors.length > 0 ? ` (fail_mode open: ${ev.errors.join('; ')})` : ''
  const out: Decision = { decision: best.action, rule: best.limit.rule, reason: `${best.limit.message}${skipped}` }
  if (best.limit.severity !== undefined) out.severity = best.limit.severity
  if (warnings.length > 0) out.warnings = warnings
  return out
}
