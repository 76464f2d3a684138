/**
 * `guard.result(...)`: the step between a tool's handler and the model (SPEC 4.2). It runs the
 * compiled result rules on the handler's return value (the compiled module redacts paths and what the
 * `secrets`/`pii` detectors find; for `secrets` the record's own redaction is added), adds the
 * tool's and the rules' labels to the session, and records the outcome. Never throws or rejects:
 * a hostile result (huge, cyclic, throwing getters, non-JSON values), a store that cannot answer or
 * an internal error ends in the fail-mode outcome — `deny` (the model gets the reason) when the
 * policy fails closed, `pass` when it fails open — and a record.
 */
import type { GuardDecision, RecordExtra } from '../guard.js'
import type { SessionStore } from '../sessions/store.js'
import type { Action, CompiledPolicy, EvaluateOptions, ResultEvaluation } from '../types.js'
import { ownEntry } from '../snapshot.js'
import { redact } from '../records/redact.js'
import { errorMessage } from '../error-message.js'

/** What the model may see of a handler's output. */
export interface ResultDecision {
  action: 'pass' | 'redact' | 'deny'
  /** id of the deciding result rule */
  rule?: string
  /** its message, or why the fail mode decided */
  reason?: string
  severity?: string
  /** what the model may see: the original, the redacted copy, or undefined on deny */
  result: unknown
  /** the labels this step added to the session (the tool's `adds:` and the matching rules'), sorted */
  adds: string[]
  /** the session's labels after this step; `[]` without a session */
  labels: string[]
}

export interface ResultStepDeps {
  compiled: CompiledPolicy
  failAction: Action
  sessions: SessionStore
  params: Record<string, unknown>
  now(): number
  storeCall<T>(p: Promise<T> | T): Promise<T>
  contextOf(tool: string, args: unknown, context: unknown): Promise<unknown>
  sessionOf(options: { session?: string } | undefined): { id?: string; invalid?: string }
  record(tool: string, args: unknown, context: unknown, d: GuardDecision, at: number, extra?: RecordExtra): void
}

export function createResultStep(deps: ResultStepDeps): (tool: string, args: unknown, result: unknown, context?: unknown, options?: { session?: string }) => Promise<ResultDecision> {
  const info = deps.compiled.policy
  // tools whose outputs result rules read: each of their outputs leaves a record; other outputs only
  // when they added labels or something failed, so the log does not double with plain passes
  const ruled = new Set<string>()
  for (const r of info.rules) if (r.on === 'result') for (const t of r.tools === '*' ? info.tools : r.tools) ruled.add(t)
  const failOpen = deps.failAction === 'allow'
  const failed = (result: unknown, why: string): ResultDecision => ({
    action: failOpen ? 'pass' : 'deny',
    reason: `${why} (fail mode ${info.failMode})`,
    result: failOpen ? result : undefined,
    adds: [],
    labels: [],
  })

  const decide = async (tool: string, args: unknown, result: unknown, context: unknown, at: number, session: string | undefined, labels: string[]): Promise<{ out: ResultDecision; context: unknown }> => {
    const ctx = await deps.contextOf(tool, args, context)
    const options: EvaluateOptions = { params: deps.params, now: at, ...(session !== undefined ? { session: { id: session, labels } } : {}) }
    const ev: ResultEvaluation = deps.compiled.evaluateResult?.(tool, args, result, ctx, options) ?? { action: 'pass', ruleIndex: -1, result, adds: [] }
    let shown = ev.result
    // the model sees no more of a secret than a decision record would show: values under
    // credential-named keys (`password`, `apiKey`, ...) and the record's token formats go too
    if (ev.action === 'redact' && ev.redactWith?.includes('secrets') === true) shown = redact(shown)
    const own = ownEntry(info.adds, tool) ?? []
    const adds = [...new Set([...own, ...ev.adds])].sort()
    let after = labels
    if (adds.length > 0 && session !== undefined) {
      try {
        after = [...(await deps.storeCall(deps.sessions.add(session, adds)))]
      } catch (e) {
        // the labels could not be kept: later calls would not see them, so the output is withheld
        // (fail closed) or shown without them (fail open)
        return { out: { ...failed(result, `session store unavailable: ${errorMessage(e)}`), labels }, context: ctx }
      }
    }
    const out: ResultDecision = { action: ev.action, result: ev.action === 'deny' ? undefined : shown, adds: session !== undefined ? adds : [], labels: after }
    if (ev.rule !== undefined) out.rule = ev.rule
    if (ev.reason !== undefined) out.reason = ev.reason
    if (ev.severity !== undefined) out.severity = ev.severity
    // an evaluation error under fail closed is already a deny; under fail open a pass with its reason
    return { out, context: ctx }
  }

  return async (tool, args, result, context, options) => {
    const at = deps.now()
    const session = deps.sessionOf(options)
    let labels: string[] = []
    let out: ResultDecision
    let ctx = context
    try {
      if (session.invalid !== undefined) out = failed(result, session.invalid)
      else {
        if (session.id !== undefined) labels = [...(await deps.storeCall(deps.sessions.labels(session.id)))]
        ;({ out, context: ctx } = await decide(tool, args, result, context, at, session.id, labels))
      }
    } catch (e) {
      out = failed(result, `result guard error: ${errorMessage(e)}`)
    }
    const d: GuardDecision = { decision: out.action === 'deny' ? 'deny' : 'allow' }
    if (out.rule !== undefined) d.rule = out.rule
    if (out.reason !== undefined) d.reason = out.reason
    if (out.severity !== undefined) d.severity = out.severity
    if (out.action === 'pass' && out.reason === undefined && out.adds.length === 0 && !ruled.has(tool)) return out
    const extra: RecordExtra = { on: 'result', result: out.action, ...(session.id !== undefined ? { session: session.id, labels } : {}), ...(out.adds.length > 0 ? { adds: out.adds } : {}) }
    deps.record(tool, args, ctx, d, at, extra)
    return out
  }
}
