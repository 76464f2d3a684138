/** What every adapter shares: the guard it calls and how a blocked call is explained to the model. */
import type { Guard, GuardDecision } from '../guard.js'

export type ToolHandler = (args: any, call: { tool: string; id?: string }) => unknown

export interface AdapterOptions {
  /** Context passed to the guard for every call of this batch. */
  context?: unknown
  /**
   * The text the model sees for a call that was not dispatched.
   * @default "Tool call blocked by policy: <reason>" (and the approval id for reviews)
   */
  blockedMessage?: (decision: GuardDecision, tool: string) => string
}

export interface CallOutcome {
  tool: string
  id?: string
  decision: GuardDecision
  dispatched: boolean
  result?: unknown
  /** the handler's error message, when it threw */
  error?: string
}

export function defaultBlockedMessage(d: GuardDecision): string {
  if (d.decision === 'review') return `Tool call needs human approval${d.approvalId ? ` (approval id ${d.approvalId})` : ''}: ${d.reason ?? 'review required'}`
  return `Tool call blocked by policy: ${d.reason ?? 'denied'}`
}

export function errorMessage(e: unknown): string {
  try {
    return e instanceof Error ? e.message : String(e)
  } catch {
    return 'unprintable error'
  }
}

/**
 * Guards one call and, if allowed, runs its handler. Never throws: a malformed argument string,
 * a missing handler and a throwing handler all end in an outcome.
 */
export async function guardAndRun(guard: Guard, tool: string, rawArgs: unknown, handlers: Readonly<Record<string, ToolHandler>>, options: AdapterOptions, id?: string): Promise<CallOutcome> {
  let args = rawArgs
  const base = id !== undefined ? { tool, id } : { tool }
  if (typeof rawArgs === 'string') {
    try {
      args = rawArgs.trim() === '' ? {} : JSON.parse(rawArgs)
    } catch (e) {
      const decision = guard.reject(tool, rawArgs, `malformed arguments: not valid JSON (${errorMessage(e)})`, options.context)
      return { ...base, decision, dispatched: false }
    }
  }
  const decision = await guard(tool, args, options.context)
  if (decision.decision !== 'allow') return { ...base, decision, dispatched: false }
  const handler = Object.prototype.hasOwnProperty.call(handlers, tool) ? handlers[tool] : undefined
  if (typeof handler !== 'function') return { ...base, decision, dispatched: false, error: `no handler for tool \`${tool}\`` }
  try {
    const result = await handler(args, base)
    return { ...base, decision, dispatched: true, result }
  } catch (e) {
    return { ...base, decision, dispatched: true, error: errorMessage(e) }
  }
}

export function contentOf(o: CallOutcome, options: AdapterOptions): string {
  if (!o.dispatched && o.error === undefined) return (options.blockedMessage ?? defaultBlockedMessage)(o.decision, o.tool)
  if (o.error !== undefined) return `Tool error: ${o.error}`
  return typeof o.result === 'string' ? o.result : JSON.stringify(o.result ?? null)
}
