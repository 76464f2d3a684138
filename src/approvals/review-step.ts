/**
 * The review step of a guard call (SPEC 4.3): a `review` decision becomes allow or deny through an
 * answer bound to exactly this call (its tool, canonical arguments, session and policy digest),
 * raised now and waited for, or given earlier (`call.approval`) and used once. An approved call is
 * dispatched, so its limits are counted again; an approver's edited arguments are a new call, judged
 * by every rule again. `guard.ts` builds one step per guard.
 */
import type { CallOptions, GuardDecision } from '../guard-types.js'
import { blocking, checkedVerdicts } from '../limits/apply.js'
import { redact, redactText } from '../records/redact.js'
import { snapshot } from '../snapshot.js'
import type { Action, CompiledPolicy, EvaluateOptions, LimitStore, PendingLimit } from '../types.js'
import { APPROVAL_ID, awaitAnswer, refusalReason, type ApprovalChannel } from './flow.js'
import { argsDigest, bindingDifference, type ApprovalBinding, type PendingStore, type Taken } from './pending.js'
import { newApprovalId, type ApprovalHandler, type ApprovalRequest } from './queue.js'
import { errorMessage } from '../error-message.js'

export interface ReviewStepDeps {
  compiled: CompiledPolicy
  failAction: Action
  pendingStore: PendingStore
  /** the guard's handler (`approvals`); a call's own `approve` wins over it */
  handler?: ApprovalHandler
  channels: readonly ApprovalChannel[]
  waitForApproval: boolean
  approvalTtlMs: number
  approvalTimeoutMs: number
  onTimeout: 'allow' | 'deny'
  pollMs: number
  now(): number
  onError(e: Error): void
  /** the argument paths a tool's records (and so its approval requests) redact */
  redactPaths(tool: string): readonly string[]
  store: LimitStore
  storeCall<T>(p: Promise<T> | T): Promise<T>
  /** the decision when the limit store cannot answer: the fail mode, saying why */
  storeDown(e: unknown): GuardDecision
}

export type ReviewStep = (tool: string, args: unknown, ctx: unknown, d: GuardDecision, spend: readonly PendingLimit[], at: number, call: CallOptions, evalOptions: EvaluateOptions) => Promise<GuardDecision>

export function createReviewStep(deps: ReviewStepDeps): ReviewStep {
  const { compiled, failAction, pendingStore, channels, waitForApproval, approvalTtlMs, approvalTimeoutMs, onTimeout, now, onError, redactPaths, store, storeCall, storeDown } = deps
  const info = compiled.policy
  const approvals = deps.handler
  /**
   * An approved review is dispatched, so it spends budget like any allowed call: its limits are
   * checked and counted again at approval time, and one that filled up meanwhile still denies.
   */
  const countApproved = async (limits: readonly PendingLimit[], d: GuardDecision): Promise<GuardDecision> => {
    let exceeded: boolean[]
    try {
      exceeded = checkedVerdicts(await storeCall(store.hit(info.name, limits, now(), true)), limits.length)
    } catch (e) {
      return { ...d, ...storeDown(e) }
    }
    const full = limits.filter((l, i) => exceeded[i] === true && blocking(l) && l.action === 'deny').sort((a, b) => a.index - b.index)[0]
    if (full === undefined) return d
    const out: GuardDecision = { ...d, decision: 'deny', rule: full.rule, reason: `${full.message} (approved, but the limit was reached before dispatch)` }
    if (full.severity !== undefined) out.severity = full.severity
    else delete out.severity
    return out
  }

  /**
   * A review becomes allow or deny through an answer bound to this call (SPEC 4.3): raised now and
   * waited for, or (with `call.approval`) an answer given earlier for exactly this call, used once.
   */
  return async (tool: string, args: unknown, ctx: unknown, d: GuardDecision, spend: readonly PendingLimit[], at: number, call: CallOptions, evalOptions: EvaluateOptions): Promise<GuardDecision> => {
    const canonical = compiled.canonicalArgs ? compiled.canonicalArgs(tool, args) : args
    const binding: ApprovalBinding = { tool, argsDigest: argsDigest(canonical), session: call.session ?? null, policyDigest: info.digest }
    let taken: Taken
    if (call.approval !== undefined) {
      const id = call.approval
      if (typeof id !== 'string' || !APPROVAL_ID.test(id)) return { ...d, decision: 'deny', reason: `${d.reason ?? 'review'} (approval refused: not an approval id)` }
      d.approvalId = id
      // a different call is refused before the id is taken, so a wrong attempt does not burn it
      const raised = await pendingStore.get(id)
      const other = raised === undefined ? undefined : bindingDifference(raised.binding, binding)
      if (other !== undefined) return { ...d, decision: 'deny', reason: `${d.reason ?? 'review'} (approval \`${id}\` refused: ${other})` }
      taken = await pendingStore.take(id, at)
    } else {
      d.approvalId = newApprovalId()
      const handler = call.approve ?? approvals
      const shown = redact(args, redactPaths(tool))
      const request: ApprovalRequest = { approvalId: d.approvalId, policy: info.name, tool, args: shown, context: ctx, decision: { ...d }, createdAt: at }
      const outcome = await awaitAnswer({
        store: pendingStore,
        pending: { approvalId: d.approvalId, policy: info.name, binding, tool, args: shown, ...(d.rule !== undefined ? { rule: d.rule } : {}), ...(d.reason !== undefined ? { reason: d.reason } : {}), createdAt: at, expiresAt: at + approvalTtlMs },
        ...(handler ? { handler } : {}),
        request, channels, wait: waitForApproval, timeoutMs: approvalTimeoutMs, onTimeout,
        pollMs: deps.pollMs, now, onError,
      })
      if (outcome.kind === 'handed-back') return d
      if (outcome.kind === 'error') return { ...d, decision: failAction, reason: `approval handler failed (fail mode ${info.failMode}): ${errorMessage(outcome.error)}`, resolvedBy: 'error' }
      taken = outcome.taken
    }
    if (!taken.ok) {
      // still waiting for its answer: the same review again, with the same id
      if (taken.refusal === 'unanswered') return d
      return { ...d, decision: 'deny', reason: `${d.reason ?? 'review'} (${refusalReason(taken, d.approvalId)})` }
    }
    const other = bindingDifference(taken.pending.binding, binding)
    if (other !== undefined) return { ...d, decision: 'deny', reason: `${d.reason ?? 'review'} (approval \`${d.approvalId}\` refused: ${other})` }
    const a = taken.answer
    const answered = { resolvedBy: a.by, channel: a.channel, resolvedAt: new Date(a.at).toISOString() }
    if (a.channel === 'timeout') return { ...d, ...answered, decision: onTimeout, reason: `${d.reason ?? 'review'} (approval timed out after ${approvalTimeoutMs} ms: ${onTimeout})` }
    if (!a.approved) return { ...d, ...answered, decision: 'deny', reason: `${d.reason ?? 'review'} (denied by ${a.by})` }
    let out: GuardDecision = { ...d, ...answered, decision: 'allow', reason: `${d.reason ?? 'review'} (approved by ${a.by})` }
    let limits = spend
    if (a.args !== undefined) {
      // an edited call is a new call: one snapshot, then validation and every rule again, before it runs
      const edited = snapshot(a.args)
      if (!edited.ok) return { ...out, decision: 'deny', reason: `edited by ${a.by}, then denied: ${redactText(edited.reason)}` }
      const again = compiled.evaluate(tool, edited.value, ctx, evalOptions)
      out.editedArgs = edited.value
      if (again.decision === 'deny') {
        return { ...out, decision: 'deny', ...(again.rule !== undefined ? { rule: again.rule } : {}), reason: `edited by ${a.by}, then denied: ${again.reason ?? 'denied'}` }
      }
      out.reason = `${d.reason ?? 'review'} (approved by ${a.by}, with edited arguments)`
      limits = again.limits ?? []
    }
    if (limits.length > 0) out = await countApproved(limits, out)
    return out
  }
}
