/**
 * Vercel AI SDK (`ai`): wraps a `tools` object so each tool's `execute` is guarded. A blocked call
 * returns `{ blocked: true, decision, reason, approvalId? }` to the model instead of running; a
 * throwing `execute` is left to the SDK, which reports a tool error to the model.
 *
 * Calls the SDK rejects before any `execute` (a tool it does not know, input that is not JSON or
 * fails the tool's schema) never reach the wrapper: pass `rejectInvalidAiToolCalls(guard)` as
 * `experimental_repairToolCall` so they are recorded as denials too.
 */
import type { Guard, GuardDecision } from '../guard.js'
import { argumentsOf, callOf, decide, defaultBlockedMessage, errorMessage, guardResult, parseArguments, rejectCall, withheldText, visibilityOf, type AdapterOptions } from './common.js'
import { guardedCopy, lockedCollection } from './locked.js'

type AnyTool = { execute?: (input: any, options: any) => unknown } & Record<string, unknown>

/** What a blocked tool call returns to the model. */
export interface BlockedToolResult {
  blocked: true
  decision: 'review' | 'deny'
  /** the blocked message (see `AdapterOptions.blockedMessage`) */
  reason: string
  approvalId?: string
}

function blockedResult(d: GuardDecision, name: string, options: AdapterOptions): BlockedToolResult {
  const blocked: BlockedToolResult = { blocked: true, decision: d.decision === 'review' ? 'review' : 'deny', reason: (options.blockedMessage ?? defaultBlockedMessage)(d, name) }
  if (d.approvalId) blocked.approvalId = d.approvalId
  return blocked
}

/** The tools a `guardAiTools()` call returned (or accepted later): handing one in again does not re-wrap it. */
const guardedTools = new WeakSet<object>()

/**
 * The guard context of a call is `options.context` when given, else the context the SDK hands the
 * tool: its entry in `toolsContext` (ai 7), or the `experimental_context` (ai 6) passed to
 * `generateText`/`streamText`.
 *
 * The input the SDK hands to `execute` is copied once into a frozen snapshot; the guard, the record,
 * the tool's `onInputAvailable` hook and its `execute` all get that copy. `onInputAvailable` is called
 * only for an allowed call, right before `execute` (the SDK would call it with the input of every
 * call, denied ones included).
 *
 * The returned object stays guarded: a tool assigned to it later is wrapped on the way in, each
 * wrapped tool is frozen, and a property that aliased `execute` is guarded too.
 */
export function guardAiTools<T extends Record<string, AnyTool>>(guard: Guard, tools: T, options: AdapterOptions = {}): T {
  const wrap = (name: string, t: unknown): unknown => {
    if (t === null || typeof t !== 'object' || guardedTools.has(t)) return t
    const wrapped = guardedCopy(t, 'execute', (execute, definition) => {
      const onInputAvailable = definition['onInputAvailable']
      return async (input: unknown, execOptions: { context?: unknown; experimental_context?: unknown } | undefined) => {
        const context = options.context !== undefined ? options.context : (execOptions?.context ?? execOptions?.experimental_context)
        const read = argumentsOf(input)
        if ('reason' in read) return blockedResult(rejectCall(guard, name, input, read.reason, context), name, options)
        const d = await decide(guard, name, read.args, context, callOf(options))
        if (d.decision !== 'allow') return blockedResult(d, name, options)
        // an approver may have edited the call: what passed the policy again is what runs
        const input2 = d.editedArgs !== undefined ? d.editedArgs : read.args
        if (typeof onInputAvailable === 'function') await onInputAvailable.call(definition, { ...execOptions, input: input2 })
        const output = await execute.call(definition, input2, execOptions)
        const callOptions = { ...options, context }
        // a streaming tool (an async iterable of preliminary outputs): every output passes the result rules
        if (output !== null && typeof output === 'object' && Symbol.asyncIterator in output) return guardedStream(guard, name, input2, output as AsyncIterable<unknown>, callOptions)
        return shown(await guardResult(guard, name, input2, output, callOptions), name, callOptions)
      }
    }, ['onInputAvailable'])
    // a client-side tool (no `execute`): the application runs it, and should guard it there
    if (wrapped === undefined) return t
    guardedTools.add(wrapped)
    return wrapped
  }
  const out: Record<string, unknown> = {}
  // with `onlyVisibleTools`, tools the model could not use under `options.context` are left out
  const visible = options.onlyVisibleTools ? visibilityOf(guard, options.context) : () => true
  // defined, not assigned: a tool named `__proto__` stays a tool
  for (const [name, t] of Object.entries(tools)) if (visible(name)) Object.defineProperty(out, name, { value: wrap(name, t), enumerable: true, writable: true, configurable: true })
  return lockedCollection(out, wrap, () => true, 'guardAiTools()') as T
}

/** What the model gets of one output: the (redacted) result, or a blocked result when it was denied. */
function shown(r: Awaited<ReturnType<typeof guardResult>>, name: string, options: AdapterOptions): unknown {
  if (r.action !== 'deny') return r.result
  const blocked: BlockedToolResult = { blocked: true, decision: 'deny', reason: withheldText(r, name, options) }
  return blocked
}

async function* guardedStream(guard: Guard, name: string, input: unknown, outputs: AsyncIterable<unknown>, options: AdapterOptions): AsyncGenerator<unknown> {
  for await (const output of outputs) {
    const r = await guardResult(guard, name, input, output, options)
    yield shown(r, name, options)
    if (r.action === 'deny') return
  }
}

/**
 * An `experimental_repairToolCall` function that records every tool call the SDK could not use (an
 * unknown tool, input that is not JSON or does not fit the schema) as a denial, and repairs nothing,
 * so the SDK goes on to report the error to the model.
 */
export function rejectInvalidAiToolCalls(guard: Guard, options: Pick<AdapterOptions, 'context'> = {}): (repair: { toolCall: { toolName: string; input: unknown }; error: unknown }) => Promise<null> {
  return async ({ toolCall, error }) => {
    const raw = toolCall.input
    let reason: string
    let args: unknown = raw
    if ((error as { name?: unknown } | null)?.name === 'AI_NoSuchToolError') reason = `no such tool: \`${toolCall.toolName}\``
    else if (typeof raw === 'string') {
      const parsed = parseArguments(raw)
      if ('reason' in parsed) reason = parsed.reason
      else {
        args = parsed.args
        reason = `invalid arguments: ${errorMessage(error)}`
      }
    } else reason = `invalid arguments: ${errorMessage(error)}`
    rejectCall(guard, toolCall.toolName, args, reason, options.context)
    return null
  }
}
