/**
 * OpenAI Agents SDK (`@openai/agents`): `guardAgentTools(guard, tools)` returns the function tools
 * with vetoc in the runtime's own hooks:
 * - `needsApproval` asks the guard: a `review` becomes the runtime's interruption
 *   (`result.interruptions`, then `state.approve(item)` / `state.reject(item)` and run again);
 * - a tool input guardrail (`defineToolInputGuardrail`) turns a `deny` into
 *   `ToolGuardrailFunctionOutputFactory.rejectContent(reason)`, which the model reads as the tool's output;
 * - the tool's `invoke` runs only what the guard allowed. A reviewed call reaches `invoke` only once a
 *   person approved it in the run state: that approval is recorded against the review's bound
 *   approval id, so the record says the call ran approved (`resolvedBy`, channel `agents-sdk`).
 * Result rules (`on: result`) run on what `invoke` returns, before the model reads it.
 * The guard sees each call once: its decision is kept by call id from `needsApproval` to `invoke`.
 * Arguments the SDK cannot parse as JSON never reach a tool hook: the SDK itself answers the model
 * with a parse error and does not run the tool, so vetoc leaves no record of such a call.
 * The SDK is an optional peer: this file imports only its types.
 */
import type { FunctionTool, RunContext, ToolInputGuardrailDefinition } from '@openai/agents'
import type { Guard, GuardDecision } from '../guard.js'
import { argumentsOf, decide, defaultBlockedMessage, guardResult, parseArguments, rejectCall, stringifyResult, withheldText, type AdapterOptions } from './common.js'

export interface AgentToolsOptions extends Omit<AdapterOptions, 'session'> {
  /** The session (the app's conversation or thread id) for every call, or how to read it from the run context. @default none */
  session?: string | ((runContext: RunContext<any>) => string | undefined)
  /** Who the record names for a review approved through `state.approve`. @default 'agents-sdk' */
  approver?: string
}

type AnyTool = FunctionTool<any, any, any>

/** The parsed arguments of a call, for the result rules (`undefined` when they do not parse). */
function argsOf(input: string): unknown {
  const read = argumentsOf(input)
  return 'reason' in read ? undefined : read.args
}
const MAX_PENDING = 10_000

/**
 * Wraps Agents SDK function tools so every call is guarded. Pass the returned tools to `new Agent({ tools })`.
 * Give it `ToolGuardrailFunctionOutputFactory` from the SDK (the adapter imports no SDK code).
 */
export function guardAgentTools<T extends AnyTool>(guard: Guard, tools: readonly T[], sdk: { ToolGuardrailFunctionOutputFactory: { allow(info?: unknown): any; rejectContent(message: string, info?: unknown): any } }, options: AgentToolsOptions = {}): T[] {
  return tools.map(t => {
    // decisions between `needsApproval` and `invoke`, by call id (bounded: a run abandoned mid-way leaves one behind)
    const decided = new Map<string, GuardDecision>()
    const remember = (id: string | undefined, d: GuardDecision): void => {
      if (id === undefined) return
      if (decided.size >= MAX_PENDING) decided.delete(decided.keys().next().value!)
      decided.set(id, d)
    }
    const sessionOf = (ctx: RunContext<any> | undefined): string | undefined => (typeof options.session === 'function' ? (ctx ? options.session(ctx) : undefined) : options.session)
    const context = (ctx: RunContext<any> | undefined): unknown => (options.context !== undefined ? options.context : ctx?.context)
    const evaluate = async (raw: unknown, ctx: RunContext<any> | undefined): Promise<{ d: GuardDecision; args?: unknown }> => {
      const parsed = argumentsOf(raw)
      if ('reason' in parsed) return { d: rejectCall(guard, t.name, raw, parsed.reason, context(ctx)) }
      const session = sessionOf(ctx)
      return { d: await decide(guard, t.name, parsed.args, context(ctx), session !== undefined ? { session } : undefined), args: parsed.args }
    }
    const decisionFor = async (callId: string | undefined, raw: unknown, ctx: RunContext<any> | undefined): Promise<GuardDecision> => {
      const known = callId !== undefined ? decided.get(callId) : undefined
      if (known) return known
      const { d } = await evaluate(raw, ctx)
      remember(callId, d)
      return d
    }
    const guardrail: ToolInputGuardrailDefinition<any> = {
      type: 'tool_input',
      name: 'vetoc',
      run: async ({ toolCall, context: ctx }) => {
        const d = await decisionFor(toolCall.callId, toolCall.arguments, ctx)
        if (d.decision === 'deny') {
          if (toolCall.callId !== undefined) decided.delete(toolCall.callId)
          return sdk.ToolGuardrailFunctionOutputFactory.rejectContent((options.blockedMessage ?? defaultBlockedMessage)(d, t.name), { decision: d })
        }
        return sdk.ToolGuardrailFunctionOutputFactory.allow({ decision: d })
      },
    }
    const invoke: AnyTool['invoke'] = async (ctx, input, details) => {
      const callId = details?.toolCall?.callId
      let d = await decisionFor(callId, input, ctx)
      if (callId !== undefined) decided.delete(callId)
      if (d.decision === 'review' && d.approvalId !== undefined) {
        // the runtime invokes a reviewed call only after `state.approve`: bind that approval to the review
        const at = Date.now()
        await guard.pending.answer(d.approvalId, { approved: true, by: options.approver ?? 'agents-sdk', channel: 'agents-sdk', at }, at)
        const parsed = parseArguments(input)
        const session = sessionOf(ctx)
        d = 'reason' in parsed ? d : await decide(guard, t.name, parsed.args, context(ctx), { approval: d.approvalId, ...(session !== undefined ? { session } : {}) })
      }
      if (d.decision !== 'allow') return (options.blockedMessage ?? defaultBlockedMessage)(d, t.name)
      const run = d.editedArgs !== undefined ? JSON.stringify(d.editedArgs) : input
      const output = await t.invoke(ctx, run, details)
      // result rules between the tool and the model: `deny` withholds the output, `redact` replaces it
      const session = sessionOf(ctx)
      const c = context(ctx)
      const resultOptions: AdapterOptions = { ...(c !== undefined ? { context: c } : {}), ...(session !== undefined ? { session } : {}), ...(options.withheldMessage ? { withheldMessage: options.withheldMessage } : {}) }
      const r = await guardResult(guard, t.name, d.editedArgs !== undefined ? d.editedArgs : argsOf(input), output, resultOptions)
      if (r.action === 'deny') return withheldText(r, t.name, resultOptions)
      if (r.action === 'redact') return typeof output === 'string' ? stringifyResult(r.result) : (r.result as typeof output)
      return output
    }
    const wrapped: AnyTool = {
      ...t,
      needsApproval: async (ctx, input, callId) => (await decisionFor(callId, input, ctx)).decision === 'review',
      inputGuardrails: [guardrail, ...(t.inputGuardrails ?? [])],
      invoke,
    }
    return Object.freeze(wrapped) as unknown as T
  })
}
