/** What every adapter shares: the guard it calls and how a blocked call is explained to the model. */
import type { CallOptions, Guard, GuardDecision, ResultDecision } from '../guard.js'
import { REDACTED, redactText } from '../records/index.js'
import { ownEntry, snapshot } from '../snapshot.js'
import { errorMessage } from '../error-message.js'

export type ToolHandler = (args: any, call: { tool: string; id?: string }) => unknown

/**
 * What an agent runtime's own pause shows the app for a review (LangChain's interrupt value, Mastra's
 * suspend payload): enough to ask a person, and the approval id the answer is bound to.
 */
export interface ReviewQuestion {
  type: 'vetoc.review'
  approvalId: string
  tool: string
  args: unknown
  rule?: string
  reason?: string
}

export interface AdapterOptions {
  /** Context passed to the guard for every call of this batch. @default undefined */
  context?: unknown
  /**
   * The text the model sees for a call that was not dispatched.
   * @default defaultBlockedMessage: "Tool call blocked by policy: <reason>", or for a review
   * "Tool call needs human approval (approval id <id>): <reason>"
   */
  blockedMessage?: (decision: GuardDecision, tool: string) => string
  /**
   * The application's session id for these calls: a conversation's calls share it, and its labels
   * (`session.labels`) grow as its tools run. Never let the model choose it. @default none
   */
  session?: string
  /**
   * The text the model sees instead of an output the result rules denied.
   * @default defaultWithheldMessage: "Tool result withheld by policy: <reason>"
   */
  withheldMessage?: (decision: ResultDecision, tool: string) => string
  /**
   * Send the model only the tools it could use under `context` (`guard.visibleTools`, SPEC 4.2):
   * a tool whose every call the policy denies is left out of the list an adapter builds. A call to
   * a hidden tool is still guarded (and denied).
   * @default false
   */
  onlyVisibleTools?: boolean
}

/**
 * Whether a tool should be shown to the model under `context`: a governed tool when
 * `guard.visibleTools(context)` lists it; a tool the policy does not govern unless `unknown_tools`
 * denies it.
 */
export function visibilityOf(guard: Guard, context: unknown): (name: string) => boolean {
  const visible = new Set(guard.visibleTools(context))
  const governed = new Set(guard.policy.tools)
  const unknownShown = guard.policy.unknownTools !== 'deny'
  return name => (governed.has(name) ? visible.has(name) : unknownShown)
}

/**
 * A tool list with the tools the model could not use under `context` left out (see
 * `AdapterOptions.onlyVisibleTools`), for lists the application sends itself: OpenAI-compatible
 * `{ type: 'function', function: { name } }` entries, Responses-API and Anthropic `{ name }`
 * entries. An entry whose name cannot be read is kept.
 */
export function visibleToolList<T>(guard: Guard, tools: readonly T[], context?: unknown): T[] {
  const shown = visibilityOf(guard, context)
  return tools.filter(t => {
    const entry = t as { name?: unknown; function?: { name?: unknown } } | null
    const name = typeof entry?.function?.name === 'string' ? entry.function.name : entry?.name
    return typeof name !== 'string' || shown(name)
  })
}

export interface CallOutcome {
  tool: string
  /** the provider's call id */
  id?: string
  decision: GuardDecision
  /** true when the handler ran */
  dispatched: boolean
  /** what the model may see of the handler's output (after the result rules) */
  result?: unknown
  /** what the result rules decided, when the handler returned */
  resultDecision?: ResultDecision
  /** the handler's error message when it threw, or why an allowed call could not run (no handler) */
  error?: string
}

export function defaultWithheldMessage(r: ResultDecision): string {
  return `Tool result withheld by policy: ${r.reason ?? 'denied'}`
}

/** The text for an output the result rules denied. */
export function withheldText(r: ResultDecision, tool: string, options: AdapterOptions): string {
  return (options.withheldMessage ?? defaultWithheldMessage)(r, tool)
}

/**
 * The result rules on a handler's output (`guard.result`), made total: a guard without them passes
 * the result; one that throws (a user's sink or hook) withholds it.
 */
export async function guardResult(guard: Guard, tool: string, args: unknown, result: unknown, options: AdapterOptions): Promise<ResultDecision> {
  if (typeof guard.result !== 'function') return { action: 'pass', result, adds: [], labels: [] }
  try {
    return await guard.result(tool, args, result, options.context, sessionOption(options))
  } catch (e) {
    return { action: 'deny', reason: `result guard failed: ${redactText(errorMessage(e))}`, result: undefined, adds: [], labels: [] }
  }
}

function sessionOption(options: { session?: string }): { session?: string } | undefined {
  return options.session !== undefined ? { session: options.session } : undefined
}

/** The per-call options an adapter's option bag implies: its session. */
export function callOf(options: { session?: string }): CallOptions | undefined {
  return sessionOption(options)
}

export function defaultBlockedMessage(d: GuardDecision): string {
  if (d.decision === 'review') return `Tool call needs human approval${d.approvalId ? ` (approval id ${d.approvalId})` : ''}: ${d.reason ?? 'review required'}`
  return `Tool call blocked by policy: ${d.reason ?? 'denied'}`
}

export { errorMessage }

/**
 * The guard, made total: it never throws by contract, but a user's `onError` or sink could; then the
 * call is denied (and a record may be missing, which `onError` was told about).
 */
export async function decide(guard: Guard, tool: string, args: unknown, context: unknown, call?: CallOptions): Promise<GuardDecision> {
  try {
    return await guard(tool, args, context, call)
  } catch (e) {
    return { decision: 'deny', reason: `guard failed: ${redactText(errorMessage(e))}` }
  }
}

/**
 * Records and returns a denial decided before evaluation (arguments that are not JSON, a tool the SDK
 * does not know). The raw arguments are recorded as they came, secrets redacted; when the policy
 * names paths to redact for this tool they cannot be found in unparsed text, so nothing of it is kept.
 */
export function rejectCall(guard: Guard, tool: string, raw: unknown, reason: string, context: unknown): GuardDecision {
  const hidden = typeof raw === 'string' && (ownEntry(guard.policy?.redact, tool)?.length ?? 0) > 0 ? REDACTED : raw
  const why = redactText(reason)
  try {
    return guard.reject(tool, hidden, why, context)
  } catch (e) {
    return { decision: 'deny', reason: `${why} (not recorded: ${redactText(errorMessage(e))})` }
  }
}

/** Parses a model's JSON arguments (empty text is `{}`); a reason when they are not a JSON object. */
export function parseArguments(raw: string): { args: Record<string, unknown> } | { reason: string } {
  if (raw.trim() === '') return { args: {} }
  let args: unknown
  try {
    args = JSON.parse(raw)
  } catch (e) {
    return { reason: `malformed arguments: not valid JSON (${errorMessage(e)})` }
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return { reason: 'malformed arguments: not a JSON object' }
  return { args: args as Record<string, unknown> }
}

/**
 * The one value a call's guard, record and handler all receive: JSON text parsed, anything else
 * copied once into a frozen plain value (`src/snapshot.ts`). A reason when there is none: text that
 * is not a JSON object, or a value that cannot be copied (a getter that throws, a Proxy trap that
 * throws, a cycle, a function, a value too large or too deep).
 */
export function argumentsOf(raw: unknown): { args: unknown } | { reason: string } {
  if (typeof raw === 'string') {
    const parsed = parseArguments(raw)
    if ('reason' in parsed) return parsed
    raw = parsed.args
  }
  const copy = snapshot(raw)
  return copy.ok ? { args: copy.value } : { reason: copy.reason }
}

/**
 * Guards one call and, if allowed, runs its handler with the very snapshot the guard decided on.
 * Never throws: malformed argument text or an unreadable value (denied and recorded), a missing
 * handler and a throwing handler all end in an outcome.
 */
export async function guardAndRun(guard: Guard, tool: string, rawArgs: unknown, handlers: Readonly<Record<string, ToolHandler>>, options: AdapterOptions, id?: string): Promise<CallOutcome> {
  const base = id !== undefined ? { tool, id } : { tool }
  const read = argumentsOf(rawArgs)
  if ('reason' in read) return { ...base, decision: rejectCall(guard, tool, rawArgs, read.reason, options.context), dispatched: false }
  const args = read.args
  const decision = await decide(guard, tool, args, options.context, callOf(options))
  if (decision.decision !== 'allow') return { ...base, decision, dispatched: false }
  const handler = ownEntry(handlers, tool)
  if (typeof handler !== 'function') return { ...base, decision, dispatched: false, error: `no handler for tool \`${tool}\`` }
  try {
    // an approver may have edited the call: what passed the policy again is what runs
    const ran = decision.editedArgs !== undefined ? decision.editedArgs : args
    const result = await handler(ran, base)
    // the result rules run between the handler and the model
    const r = await guardResult(guard, tool, ran, result, options)
    return { ...base, decision, dispatched: true, result: r.result, resultDecision: r }
  } catch (e) {
    return { ...base, decision, dispatched: true, error: errorMessage(e) }
  }
}

/** JSON for the model; a result JSON cannot express (a cycle, a BigInt) becomes its string form. */
export function stringifyResult(result: unknown): string {
  if (typeof result === 'string') return result
  try {
    return JSON.stringify(result ?? null) ?? 'null'
  } catch {
    try {
      return String(result)
    } catch {
      return '[unprintable result]'
    }
  }
}

/** The text the model sees for one outcome: the result, the blocked message, or the error. */
export function contentOf(o: CallOutcome, options: AdapterOptions): string {
  if (!o.dispatched && o.error === undefined) return (options.blockedMessage ?? defaultBlockedMessage)(o.decision, o.tool)
  if (o.error !== undefined) return `Tool error: ${o.error}`
  if (o.resultDecision?.action === 'deny') return withheldText(o.resultDecision, o.tool, options)
  return stringifyResult(o.result)
}
