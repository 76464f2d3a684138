/**
 * LangChain.js agents (`langchain` 1.x `createAgent`): `vetocMiddleware(guard)` guards every tool call
 * in the runtime's own `wrapToolCall` hook.
 * - `allow` runs the tool;
 * - `deny` returns a `ToolMessage` with the reason (status `error`), which the model reads;
 * - `review` pauses the graph with LangGraph's `interrupt()` (a checkpointer is needed, as for
 *   `humanInTheLoopMiddleware`); resume it with `new Command({ resume: { approved, by?, args? } })`.
 *   The answer is bound to the review's approval id, so the record says who approved, and an edited
 *   call (`args`) is evaluated again before it runs.
 * - result rules (`on: result`) run on the tool's message before the model reads it: `deny`
 *   withholds it, `redact` replaces its content.
 * The session is the thread (`configurable.thread_id`) unless `session` says otherwise.
 * Import it from `vetoc/langchain`; the main entry never loads LangChain.
 */
import { interrupt } from '@langchain/langgraph'
import { createMiddleware, ToolMessage } from 'langchain'
import type { Guard, GuardDecision } from '../guard.js'
import { argumentsOf, decide, defaultBlockedMessage, guardResult, rejectCall, stringifyResult, withheldText, type AdapterOptions, type ReviewQuestion } from './common.js'

export interface LangChainGuardOptions extends Omit<AdapterOptions, 'session'> {
  /** The session id for a call; default: the thread id. */
  session?: (runtime: { configurable?: { thread_id?: string } } | undefined) => string | undefined
  /** Who the record names when a resume value does not say (`by`). @default 'langchain' */
  approver?: string
}

/** What a paused review hands to the app (the interrupt's value). */
export type VetocReviewInterrupt = ReviewQuestion

/** What the app resumes a paused review with. */
export interface VetocReviewAnswer {
  approved: boolean
  by?: string
  /** edited arguments: evaluated again before they run */
  args?: unknown
}

const MAX_PENDING = 10_000

export function vetocMiddleware(guard: Guard, options: LangChainGuardOptions = {}): ReturnType<typeof createMiddleware> {
  // a review's decision, by tool call id, from the pause to the resume (the node runs again on resume)
  const paused = new Map<string, GuardDecision>()
  return createMiddleware({
    name: 'vetoc',
    wrapToolCall: async (request, handler) => {
      const call = request.toolCall
      const name = call.name
      const id = call.id ?? ''
      const blocked = (d: GuardDecision): ToolMessage => new ToolMessage({ content: (options.blockedMessage ?? defaultBlockedMessage)(d, name), tool_call_id: id, name, status: 'error' })
      const runtime = request.runtime as { configurable?: { thread_id?: string }; context?: unknown } | undefined
      const session = options.session ? options.session(runtime) : runtime?.configurable?.thread_id
      const context = options.context !== undefined ? options.context : runtime?.context
      const read = argumentsOf(call.args)
      if ('reason' in read) return blocked(rejectCall(guard, name, call.args, read.reason, context))
      let d = paused.get(id) ?? await decide(guard, name, read.args, context, session !== undefined ? { session } : undefined)
      if (d.decision === 'review' && d.approvalId !== undefined) {
        if (paused.size >= MAX_PENDING) paused.delete(paused.keys().next().value!)
        paused.set(id, d)
        const question: VetocReviewInterrupt = { type: 'vetoc.review', approvalId: d.approvalId, tool: name, args: read.args, ...(d.rule !== undefined ? { rule: d.rule } : {}), ...(d.reason !== undefined ? { reason: d.reason } : {}) }
        const answer = interrupt(question) as VetocReviewAnswer | undefined
        paused.delete(id)
        const at = Date.now()
        const approved = answer !== null && typeof answer === 'object' && answer.approved === true
        const by = answer !== null && typeof answer === 'object' && typeof answer.by === 'string' && answer.by !== '' ? answer.by : options.approver ?? 'langchain'
        await guard.pending.answer(d.approvalId, { approved, by, channel: 'langchain', at, ...(approved && answer?.args !== undefined ? { args: answer.args } : {}) }, at)
        d = await decide(guard, name, read.args, context, { approval: d.approvalId, ...(session !== undefined ? { session } : {}) })
      }
      if (d.decision !== 'allow') return blocked(d)
      const args = d.editedArgs !== undefined ? d.editedArgs : read.args
      const out = await handler({ ...request, toolCall: { ...call, args: args as Record<string, unknown> } })
      // result rules between the tool and the model: a ToolMessage's content is what the model reads
      if (!ToolMessage.isInstance(out)) return out
      const resultOptions: AdapterOptions = { ...(context !== undefined ? { context } : {}), ...(session !== undefined ? { session } : {}), ...(options.withheldMessage ? { withheldMessage: options.withheldMessage } : {}) }
      const r = await guardResult(guard, name, args, out.content, resultOptions)
      if (r.action === 'deny') return new ToolMessage({ content: withheldText(r, name, resultOptions), tool_call_id: id, name, status: 'error' })
      if (r.action === 'redact') return new ToolMessage({ content: stringifyResult(r.result), tool_call_id: id, name })
      return out
    },
  })
}
