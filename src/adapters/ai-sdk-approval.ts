/**
 * Vercel AI SDK 7's `toolApproval` option: `toolApproval: vetocToolApproval(guard)` decides every tool
 * call before it runs. `deny` becomes `{ type: 'denied', reason }` (the model reads the reason as a
 * denied tool output), `review` becomes `{ type: 'user-approval', reason }` (the SDK's own approval
 * request, answered in the app with a tool approval response), and `allow` lets the call run. With
 * ai 6, use `guardAiTools` (its wrapped `execute`), which works on both majors.
 */
import type { Guard } from '../guard.js'
import { argumentsOf, decide, defaultBlockedMessage, rejectCall, type AdapterOptions } from './common.js'

export interface ToolApprovalOptions extends Omit<AdapterOptions, 'session'> {
  /** The session id, read from the SDK's runtime context. @default none */
  session?: (runtimeContext: unknown) => string | undefined
}

type Status = 'not-applicable' | { type: 'denied'; reason: string } | { type: 'user-approval'; reason: string }

/** A generic `toolApproval` function for `generateText` / `streamText` / `ToolLoopAgent` in ai 7. */
export function vetocToolApproval(guard: Guard, options: ToolApprovalOptions = {}): (o: { toolCall: { toolName: string; input: unknown }; runtimeContext?: unknown }) => Promise<Status> {
  return async ({ toolCall, runtimeContext }) => {
    const name = toolCall.toolName
    const context = options.context !== undefined ? options.context : runtimeContext
    const read = argumentsOf(toolCall.input)
    const session = options.session?.(runtimeContext)
    const d = 'reason' in read
      ? rejectCall(guard, name, toolCall.input, read.reason, context)
      : await decide(guard, name, read.args, context, session !== undefined ? { session } : undefined)
    const reason = (options.blockedMessage ?? defaultBlockedMessage)(d, name)
    if (d.decision === 'deny') return { type: 'denied', reason }
    if (d.decision === 'review') return { type: 'user-approval', reason }
    return 'not-applicable'
  }
}
