/** Plain tool lists: `{ name, description, parameters, handler }[]` with every handler guarded. */
import type { Guard, GuardDecision } from '../guard.js'
import { errorMessage } from './common.js'

export interface ToolDefinition<A = any, R = unknown> {
  name: string
  description?: string
  parameters?: unknown
  handler: (args: A) => R | Promise<R>
}

/** What a guarded handler returns when the call was not run. */
export interface BlockedCall {
  blocked: true
  decision: GuardDecision
  /** the handler's error, when it threw */
  error?: string
}

export type Protected<T extends ToolDefinition> = Omit<T, 'handler'> & { handler: (args: Parameters<T['handler']>[0]) => Promise<Awaited<ReturnType<T['handler']>> | BlockedCall> }

export function protect<T extends ToolDefinition>(guard: Guard, tools: readonly T[], options: { context?: unknown } = {}): Protected<T>[] {
  return tools.map(t => {
    const handler = async (args: unknown): Promise<Awaited<ReturnType<T['handler']>> | BlockedCall> => {
      const decision = await guard(t.name, args, options.context)
      if (decision.decision !== 'allow') return { blocked: true, decision }
      try {
        return (await t.handler(args)) as Awaited<ReturnType<T['handler']>>
      } catch (e) {
        return { blocked: true, decision, error: errorMessage(e) }
      }
    }
    return { ...t, handler } as Protected<T>
  })
}
