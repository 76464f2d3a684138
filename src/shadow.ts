/**
 * Shadow mode: a candidate policy evaluated on every call beside the live one, never deciding. Each
 * call where the two disagree leaves both decisions and both rules in the call's record (`shadow`),
 * for `vetoc log disagreements`. The candidate keeps its own limit counters (in memory unless a
 * store is given), counted as if it had decided, so its limits compare like for like.
 */
import { applyLimits, checkedVerdicts } from './limits/apply.js'
import { createMemoryStore } from './limits/memory.js'
import type { CompiledPolicy, Decision, EvaluateOptions, LimitStore } from './types.js'

/** What a record holds when the candidate disagreed with the live policy. */
export interface ShadowDisagreement {
  /** the candidate's name and digest */
  policy: string
  digest: string
  /** what the live policy asked (a review is `review`, whatever its answer) */
  live: { decision: Decision['decision']; rule?: string }
  /** what the candidate would have decided */
  candidate: { decision: Decision['decision']; rule?: string; reason?: string }
}

export interface Shadow {
  judge(tool: string, args: unknown, context: unknown, options: EvaluateOptions, at: number, live: Decision): Promise<ShadowDisagreement | undefined>
  close(): Promise<void>
}

export function createShadow(candidate: CompiledPolicy, store: LimitStore = createMemoryStore()): Shadow {
  if (!candidate?.policy || typeof candidate.evaluate !== 'function') throw new TypeError('`shadow` needs a compiled policy module (with `policy` and `evaluate`)')
  const info = candidate.policy
  return {
    async judge(tool, args, context, options, at, live) {
      const ev = candidate.evaluate(tool, args, context, options)
      let d: Decision = ev
      const limits = ev.limits ?? []
      if (limits.length > 0) d = applyLimits(ev, checkedVerdicts(await store.hit(info.name, limits, at, ev.decision === 'allow'), limits.length))
      if (d.decision === live.decision) return undefined
      return {
        policy: info.name,
        digest: info.digest,
        live: { decision: live.decision, ...(live.rule !== undefined ? { rule: live.rule } : {}) },
        candidate: { decision: d.decision, ...(d.rule !== undefined ? { rule: d.rule } : {}), ...(d.reason !== undefined ? { reason: d.reason } : {}) },
      }
    },
    async close() {
      await store.close?.()
    },
  }
}
