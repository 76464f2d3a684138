/**
 * Mastra (`@mastra/core` 1.x): `guardMastraTools(guard, tools)` returns the agent's tools with each
 * `execute` guarded, for `new Agent({ tools })`.
 * - `allow` runs the tool on the frozen snapshot the guard judged;
 * - `deny` throws the blocked message out of `execute`: Mastra hands the model a tool error
 *   (`error-text`) with exactly that text, and the run goes on;
 * - `review` suspends the call with the tool's own `suspend()` (payload `{ type: 'vetoc.review',
 *   approvalId, tool, args, rule, reason }`, seen as `finishReason: 'suspended'` / a
 *   `tool-call-suspended` chunk). Resume it with `agent.resumeGenerate({ approved, by?, reason?,
 *   args? }, { runId, toolCallId })` (or `resumeStream`), or with Mastra's own
 *   `approveToolCallGenerate` / `declineToolCallGenerate` (`approveToolCall` / `declineToolCall`).
 *   The answer is bound to the review's approval id, so the record says who answered; a declined
 *   review never runs the tool, and edited `args` are evaluated again before they run.
 * - result rules (`on: result`) run on what the tool returns, before the model reads it: `deny`
 *   withholds it (a tool error with the withheld message), `redact` replaces it.
 * The session is the memory thread (`threadId`), else the run id, unless `session` says otherwise.
 * Mastra checks a call's arguments against the tool's input schema before `execute`; the wrapped
 * tool's `onInputAvailable` sees them first, so arguments that are not a plain object or fail the
 * schema (a number spelled as a string) are denied and recorded too. The model then reads Mastra's
 * own validation error, or the blocked message if the call reaches `execute`.
 * Import it from `vetoc/mastra`; the main entry never loads Mastra.
 */
import { createTool, validateToolInput } from '@mastra/core/tools'
import type { Guard, GuardDecision } from '../guard.js'
import { snapshot } from '../snapshot.js'
import { decide, defaultBlockedMessage, errorMessage, guardResult, rejectCall, withheldText, type AdapterOptions, type ReviewQuestion } from './common.js'

/** What an `execute` receives from Mastra, as far as vetoc reads it. */
export interface MastraToolContext {
  requestContext?: unknown
  runId?: string
  agent?: { toolCallId?: string; threadId?: string; suspend?: (payload: unknown, options?: unknown) => Promise<unknown>; resumeData?: unknown; suspendPayload?: unknown }
  workflow?: { runId?: string; suspend?: (payload: unknown, options?: unknown) => Promise<unknown>; resumeData?: unknown; suspendPayload?: unknown }
  [key: string]: unknown
}

export interface MastraGuardOptions extends Omit<AdapterOptions, 'session' | 'onlyVisibleTools'> {
  /** The session id for a call, or how to read it from the tool's context. @default the memory thread, else the run id */
  session?: string | ((context: MastraToolContext) => string | undefined)
  /** Who the record names when a resume does not say (`by`), e.g. after `approveToolCallGenerate`. @default 'mastra' */
  approver?: string
}

/** The suspend payload of a review, what the app reads from `output.suspendPayload.suspendPayload`. */
export type VetocReviewSuspension = ReviewQuestion

/** What a review is resumed with: Mastra's `{ approved, reason? }`, plus who answered and edited arguments. */
export interface VetocReviewResume {
  approved: boolean
  by?: string
  reason?: string
  /** edited arguments: evaluated again before they run */
  args?: unknown
}

/** The error an `execute` throws for a call it did not run: Mastra gives the model its message. */
export class VetocToolBlocked extends Error {
  override readonly name = 'VetocToolBlocked'
  constructor(message: string, readonly decision: GuardDecision | undefined) {
    super(message)
  }
}

type AnyMastraTool = { id: string; execute?: (input: any, context: any) => Promise<any>; inputSchema?: unknown; onInputAvailable?: (options: any) => unknown }

const MAX_PENDING = 10_000

function own(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object') return undefined
  const d = Object.getOwnPropertyDescriptor(value, key)
  return d && 'value' in d ? d.value : undefined
}

/** The request context as a plain object (Mastra's own `__mastra…` keys left out), for the guard's `context`. */
function requestContextOf(ctx: MastraToolContext | undefined): unknown {
  try {
    const rc = ctx?.requestContext as { entries?: () => Iterable<[string, unknown]> } | undefined
    if (!rc || typeof rc.entries !== 'function') return undefined
    const out: Record<string, unknown> = {}
    for (const [k, v] of rc.entries()) if (typeof k === 'string' && !k.startsWith('__mastra')) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
    return out
  } catch {
    return undefined
  }
}

/** Why the tool's own input schema refuses these arguments, as Mastra checks them; undefined when it accepts them. */
function schemaRefusal(tool: AnyMastraTool, args: unknown): string | undefined {
  try {
    const checked = validateToolInput(tool.inputSchema as Parameters<typeof validateToolInput>[0], args, tool.id)
    return checked.error ? `malformed arguments: ${checked.error.message.split('\n\nProvided arguments')[0]!.replace(/\s+/g, ' ').trim()}` : undefined
  } catch (e) {
    return `malformed arguments: schema check failed (${errorMessage(e)})`
  }
}

/**
 * Why these arguments cannot be judged (not a plain object, a value that cannot be copied, refused
 * by the tool's input schema), and whether Mastra's own check refuses them too before `execute`.
 */
function malformed(tool: AnyMastraTool, raw: unknown): { args: unknown } | { reason: string; schemaRefuses: boolean } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { reason: `malformed arguments: not an object (${raw === null ? 'null' : Array.isArray(raw) ? 'array' : typeof raw})`, schemaRefuses: true }
  const copy = snapshot(raw)
  if (!copy.ok) return { reason: copy.reason, schemaRefuses: schemaRefusal(tool, raw) !== undefined }
  const refusal = schemaRefusal(tool, copy.value)
  return refusal !== undefined ? { reason: refusal, schemaRefuses: true } : { args: copy.value }
}

/**
 * Wraps Mastra tools (`createTool` instances) so every call is guarded; pass the result to
 * `new Agent({ tools })`. The tools handed in are not changed.
 */
export function guardMastraTools<T extends Record<string, AnyMastraTool>>(guard: Guard, tools: T, options: MastraGuardOptions = {}): T {
  const out: Record<string, unknown> = {}
  for (const [key, t] of Object.entries(tools)) Object.defineProperty(out, key, { value: guardMastraTool(guard, t, options), enumerable: true })
  return Object.freeze(out) as T
}

/** One tool of `guardMastraTools`. */
export function guardMastraTool<T extends AnyMastraTool>(guard: Guard, tool: T, options: MastraGuardOptions = {}): T {
  const name = tool.id
  const execute = tool.execute
  if (typeof execute !== 'function') return tool
  // calls denied before `execute` (in `onInputAvailable`), by tool call id: recorded once, never run
  const rejected = new Map<string, GuardDecision>()
  // tool call ids whose arguments carried the model's own `resumeData`: never a review's answer
  const modelResumed = new Set<string>()
  const remember = <V>(m: Map<string, V> | Set<string>, id: string, v?: V): void => {
    if (m.size >= MAX_PENDING) m.delete(m.keys().next().value!)
    if (m instanceof Map) m.set(id, v as V)
    else m.add(id)
  }
  const blocked = (d: GuardDecision): VetocToolBlocked => new VetocToolBlocked((options.blockedMessage ?? defaultBlockedMessage)(d, name), d)
  const contextOf = (ctx: MastraToolContext | undefined): unknown => (options.context !== undefined ? options.context : requestContextOf(ctx))
  const sessionOf = (ctx: MastraToolContext | undefined): string | undefined => {
    if (typeof options.session === 'string') return options.session
    if (typeof options.session === 'function') return ctx ? options.session(ctx) : undefined
    return runtimeSession(ctx)
  }

  const onInputAvailable = async (o: { input?: unknown; toolCallId?: string }): Promise<void> => {
    const id = o?.toolCallId
    const raw = o?.input
    if (typeof id === 'string') {
      if (raw !== null && typeof raw === 'object' && Object.hasOwn(raw, 'resumeData')) remember(modelResumed, id)
      const read = malformed(tool, raw)
      if ('reason' in read) {
        const d = rejectCall(guard, name, raw, read.reason, options.context)
        // what the schema refuses Mastra answers itself and never hands to `execute` (were it kept
        // by id, a later call reusing the id would be blocked); the rest must be blocked there
        if (!read.schemaRefuses) remember(rejected, id, d)
      }
    }
    if (typeof tool.onInputAvailable === 'function') await tool.onInputAvailable(o)
  }

  const guarded = async (input: unknown, ctx: MastraToolContext | undefined): Promise<unknown> => {
    const callId = ctx?.agent?.toolCallId
    const early = callId !== undefined ? rejected.get(callId) : undefined
    if (early) {
      rejected.delete(callId!)
      throw blocked(early)
    }
    const context = contextOf(ctx)
    let session: string | undefined
    try {
      session = sessionOf(ctx)
    } catch (e) {
      throw blocked(rejectCall(guard, name, input, `session function failed: ${errorMessage(e)}`, context))
    }
    const read = malformed(tool, input)
    if ('reason' in read) throw blocked(rejectCall(guard, name, input, read.reason, context))
    const args = read.args
    const call = session !== undefined ? { session } : undefined
    const holder = ctx?.agent ?? ctx?.workflow
    const paused = own(holder?.suspendPayload ?? ctx?.['suspendPayload'], 'type') === 'vetoc.review' ? (holder?.suspendPayload ?? ctx?.['suspendPayload']) as VetocReviewSuspension : undefined
    const answer = holder?.resumeData ?? ctx?.['resumeData']
    let d: GuardDecision
    if (paused && typeof paused.approvalId === 'string' && answer != null && !(callId !== undefined && modelResumed.has(callId))) {
      // the app resumed a review: its answer is bound to the review's approval id
      const approved = own(answer, 'approved') === true
      const by = own(answer, 'by')
      const edited = own(answer, 'args')
      const at = Date.now()
      try {
        await guard.pending.answer(paused.approvalId, { approved, by: typeof by === 'string' && by !== '' ? by : options.approver ?? 'mastra', channel: 'mastra', at, ...(approved && edited !== undefined ? { args: edited } : {}) }, at)
      } catch {
        // an answer the store refuses (unknown or already answered id): the guard below refuses the approval and says why
      }
      d = await decide(guard, name, args, context, { approval: paused.approvalId, ...call })
      // Mastra's `declineToolCall({ reason })` promises the model the decliner's reason
      const why = own(answer, 'reason')
      if (!approved && d.decision !== 'allow' && typeof why === 'string' && why !== '') throw new VetocToolBlocked(`${(options.blockedMessage ?? defaultBlockedMessage)(d, name)} — ${why}`, d)
    } else {
      if (callId !== undefined) modelResumed.delete(callId)
      d = await decide(guard, name, args, context, call)
      const suspend = (holder?.suspend ?? ctx?.['suspend']) as ((payload: unknown) => Promise<unknown>) | undefined
      if (d.decision === 'review' && d.approvalId !== undefined && typeof suspend === 'function') {
        const question: VetocReviewSuspension = { type: 'vetoc.review', approvalId: d.approvalId, tool: name, args, ...(d.rule !== undefined ? { rule: d.rule } : {}), ...(d.reason !== undefined ? { reason: d.reason } : {}) }
        await suspend(question)
        return undefined
      }
    }
    if (d.decision !== 'allow') throw blocked(d)
    const ran = d.editedArgs !== undefined ? d.editedArgs : args
    // the tool sees neither the review's suspension nor its answer: those were vetoc's
    const runCtx = paused ? withoutResume(ctx!) : ctx
    const output = await execute.call(tool, ran, runCtx)
    // result rules between the tool and the model: `deny` withholds the output, `redact` replaces it
    const resultOptions: AdapterOptions = { ...(context !== undefined ? { context } : {}), ...(session !== undefined ? { session } : {}), ...(options.withheldMessage ? { withheldMessage: options.withheldMessage } : {}) }
    const r = await guardResult(guard, name, ran, output, resultOptions)
    if (r.action === 'deny') throw new VetocToolBlocked(withheldText(r, name, resultOptions), d)
    return r.action === 'redact' ? r.result : output
  }

  const wrapped = createTool({ ...(tool as object), id: name, description: (tool as { description?: string }).description ?? '', execute: guarded, onInputAvailable } as Parameters<typeof createTool>[0])
  // outermost, before Mastra's own input check: a value that cannot be copied (a getter that throws)
  // is denied and recorded here, and what Mastra checks and the guard judges is one frozen copy
  const mastraExecute = wrapped.execute!
  wrapped.execute = async (input: unknown, ctx: any) => {
    const copy = input !== null && typeof input === 'object' ? snapshot(input) : { ok: true as const, value: input }
    if (!copy.ok) throw blocked(rejectCall(guard, name, input, copy.reason, contextOf(ctx)))
    return mastraExecute(copy.value as never, ctx)
  }
  // a per-call approval predicate lives on the instance (set from `requireApproval` or by the MCP client)
  const needsApprovalFn = own(tool, 'needsApprovalFn')
  if (typeof needsApprovalFn === 'function') (wrapped as { needsApprovalFn?: unknown }).needsApprovalFn = needsApprovalFn
  // not frozen: Mastra sets its instance on the tools an agent registers
  return wrapped as unknown as T
}

/** The memory thread, else the run id. */
function runtimeSession(ctx: MastraToolContext | undefined): string | undefined {
  const thread = ctx?.agent?.threadId
  const run = ctx?.runId ?? ctx?.workflow?.runId
  return typeof thread === 'string' && thread !== '' ? thread : typeof run === 'string' && run !== '' ? run : undefined
}

function withoutResume(ctx: MastraToolContext): MastraToolContext {
  const strip = (h: Record<string, unknown> | undefined): Record<string, unknown> | undefined => {
    if (!h) return h
    const { resumeData: _r, suspendPayload: _s, ...rest } = h
    return rest
  }
  const { resumeData: _r, suspendPayload: _s, ...rest } = ctx
  return { ...rest, ...(ctx.agent ? { agent: strip(ctx.agent) } : {}), ...(ctx.workflow ? { workflow: strip(ctx.workflow) } : {}) } as MastraToolContext
}
