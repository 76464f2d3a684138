/** Plain tool lists: `{ name, description, parameters, handler }[]` with every handler guarded. */
import type { Guard, GuardDecision } from '../guard.js'
import { argumentsOf, callOf, decide, defaultBlockedMessage, errorMessage, guardResult, rejectCall, withheldText, visibilityOf, type AdapterOptions } from './common.js'
import { guardedCopy, isIndex, lockedCollection } from './locked.js'

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

/** The tools a `protect()` call returned (or accepted later): handing one in again does not re-wrap it. */
const protectedTools = new WeakSet<object>()

/**
 * Wraps each handler so that it runs only when the guard allows the call. A guarded handler never
 * rejects: it resolves to the handler's result, a `BlockedCall` or a `FailedCall`. Arguments given
 * as a string are parsed as JSON first (malformed text is denied and recorded); anything else is
 * copied once into a frozen snapshot, and the guard, the record and the handler all get that copy.
 *
 * The returned list stays guarded: a definition stored into it later (`push`, `list[i] = def`,
 * `splice`, ...) is wrapped on the way in, each returned tool is frozen, and a property that aliased
 * the handler (`{ handler: f, run: f }`) is guarded too. With `onlyVisibleTools`, tools the model
 * could not use under `options.context` are left out of the returned list.
 */
export function protect<T extends ToolDefinition>(guard: Guard, tools: readonly T[], options: AdapterOptions = {}): Protected<T>[] {
  const wrap = (t: unknown): Protected<T> => {
    if (t !== null && typeof t === 'object' && protectedTools.has(t)) return t as Protected<T>
    if (t === null || typeof t !== 'object') throw new TypeError('protect(): a tool must be an object `{ name, handler }`')
    const wrapped = guardedCopy(t, 'handler', (original, definition) => {
      const name = definition['name']
      if (typeof name !== 'string') throw new TypeError('protect(): a tool needs a string `name`')
      return async (input: unknown): Promise<Awaited<ReturnType<T['handler']>> | BlockedCall | FailedCall> => {
        const blocked = (decision: GuardDecision): BlockedCall => ({ blocked: true, decision, message: (options.blockedMessage ?? defaultBlockedMessage)(decision, name) })
        const read = argumentsOf(input)
        if ('reason' in read) return blocked(rejectCall(guard, name, input, read.reason, options.context))
        const decision = await decide(guard, name, read.args, options.context, callOf(options))
        if (decision.decision !== 'allow') return blocked(decision)
        let output: unknown
        try {
          // an approver may have edited the call: what passed the policy again is what runs
          output = await original(decision.editedArgs !== undefined ? decision.editedArgs : read.args)
        } catch (e) {
          const error = errorMessage(e)
          return { blocked: false, decision, error, message: `Tool error: ${error}` }
        }
        // the result rules, between the handler and whoever shows the output to the model
        const r = await guardResult(guard, name, decision.editedArgs !== undefined ? decision.editedArgs : read.args, output, options)
        if (r.action === 'deny') {
          const withheld: GuardDecision = { decision: 'deny', ...(r.rule !== undefined ? { rule: r.rule } : {}), ...(r.reason !== undefined ? { reason: r.reason } : {}) }
          return { blocked: true, decision: withheld, message: withheldText(r, name, options) }
        }
        return r.result as Awaited<ReturnType<T['handler']>>
      }
    })
    if (wrapped === undefined) throw new TypeError('protect(): a tool needs a `handler` function')
    protectedTools.add(wrapped)
    return wrapped as Protected<T>
  }
  const shown = options.onlyVisibleTools ? visibilityOf(guard, options.context) : undefined
  const listed = shown === undefined ? tools : tools.filter(t => {
    const name = t !== null && typeof t === 'object' ? (t as { name?: unknown }).name : undefined
    return typeof name !== 'string' || shown(name)
  })
  return lockedCollection(listed.map(wrap), (_key, value) => wrap(value), isIndex, 'protect()')
}
