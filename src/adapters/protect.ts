/** Plain tool lists: `{ name, description, parameters, handler }[]` with every handler guarded. */
import type { Guard, GuardDecision } from '../guard.js'
import { decide, defaultBlockedMessage, errorMessage, parseArguments, rejectCall, visibilityOf, type AdapterOptions } from './common.js'

export interface ToolDefinition<A = any, R = unknown> {
  name: string
  description?: string
  parameters?: unknown
  handler: (args: A) => R | Promise<R>
}

/** What a guarded handler returns when the call was not run (denied, or waiting for review). */
export interface BlockedCall {
  blocked: true
  decision: GuardDecision
  /** the text for the model (see `AdapterOptions.blockedMessage`) */
  message: string
}

/** What a guarded handler returns when the call was allowed and its handler threw. */
export interface FailedCall {
  blocked: false
  decision: GuardDecision
  /** the handler's error message */
  error: string
  /** the text for the model: `Tool error: <error>` */
  message: string
}

export type Protected<T extends ToolDefinition> = Omit<T, 'handler'> & {
  handler: (args: Parameters<T['handler']>[0] | string) => Promise<Awaited<ReturnType<T['handler']>> | BlockedCall | FailedCall>
}

/**
 * Wraps each handler so that it runs only when the guard allows the call. A guarded handler never
 * rejects: it resolves to the handler's result, a `BlockedCall` or a `FailedCall`. Arguments given
 * as a string are parsed as JSON first (malformed text is denied and recorded). With
 * `onlyVisibleTools`, tools the model could not use under `options.context` are left out.
 */
export function protect<T extends ToolDefinition>(guard: Guard, tools: readonly T[], options: AdapterOptions = {}): Protected<T>[] {
  const shown = options.onlyVisibleTools ? visibilityOf(guard, options.context) : () => true
  return tools.filter(t => shown(t.name)).map(t => {
    const handler = async (input: unknown): Promise<Awaited<ReturnType<T['handler']>> | BlockedCall | FailedCall> => {
      let args = input
      let decision: GuardDecision
      if (typeof input === 'string') {
        const parsed = parseArguments(input)
        if ('reason' in parsed) decision = rejectCall(guard, t.name, input, parsed.reason, options.context)
        else decision = await decide(guard, t.name, (args = parsed.args), options.context)
      } else decision = await decide(guard, t.name, args, options.context)
      if (decision.decision !== 'allow') return { blocked: true, decision, message: (options.blockedMessage ?? defaultBlockedMessage)(decision, t.name) }
      try {
        return (await t.handler(args)) as Awaited<ReturnType<T['handler']>>
      } catch (e) {
        const error = errorMessage(e)
        return { blocked: false, decision, error, message: `Tool error: ${error}` }
      }
    }
    return { ...t, handler } as Protected<T>
  })
}
