/**
 * Vercel AI SDK (`ai`): wraps a `tools` object so each tool's `execute` is guarded. A blocked call
 * returns `{ blocked: true, decision, reason, approvalId? }` to the model instead of running; a
 * throwing `execute` is left to the SDK, which reports a tool error to the model.
 *
 * Calls the SDK rejects before any `execute` (a tool it does not know, input that is not JSON or
 * fails the tool's schema) never reach the wrapper: pass `rejectInvalidAiToolCalls(guard)` as
 * `experimental_repairToolCall` so they are recorded as denials too.
 */
import type { Guard } from '../guard.js'
import { decide, defaultBlockedMessage, errorMessage, parseArguments, rejectCall, visibilityOf, type AdapterOptions } from './common.js'

type AnyTool = { execute?: (input: any, options: any) => unknown } & Record<string, unknown>

/** What a blocked tool call returns to the model. */
export interface BlockedToolResult {
  blocked: true
  decision: 'review' | 'deny'
  /** the blocked message (see `AdapterOptions.blockedMessage`) */
  reason: string
  approvalId?: string
}

/**
 * The guard context of a call is `options.context` when given, else the `experimental_context` the
 * application passed to `generateText`/`streamText`. With `onlyVisibleTools`, tools the model could
 * not use under `options.context` are left out of the returned object.
 */
export function guardAiTools<T extends Record<string, AnyTool>>(guard: Guard, tools: T, options: AdapterOptions = {}): T {
  const out: Record<string, AnyTool> = {}
  const shown = options.onlyVisibleTools ? visibilityOf(guard, options.context) : () => true
  for (const [name, t] of Object.entries(tools)) {
    if (!shown(name)) continue
    const execute = t.execute
    if (typeof execute !== 'function') {
      out[name] = t // a client-side tool: the application runs it, and should guard it there
      continue
    }
    out[name] = {
      ...t,
      execute: async (input: unknown, execOptions: { experimental_context?: unknown } | undefined) => {
        const context = options.context !== undefined ? options.context : execOptions?.experimental_context
        const d = await decide(guard, name, input, context)
        if (d.decision !== 'allow') {
          const blocked: BlockedToolResult = { blocked: true, decision: d.decision, reason: (options.blockedMessage ?? defaultBlockedMessage)(d, name) }
          if (d.approvalId) blocked.approvalId = d.approvalId
          return blocked
        }
        return execute(input, execOptions)
      },
    }
  }
  return out as T
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
