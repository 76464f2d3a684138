/**
 * Gemini (`@google/genai`): `functionCall` parts are guarded and answered with `functionResponse`
 * parts; a blocked call's response carries the reason, the decision and (for a review) the approval id.
 */
import type { Guard } from '../guard.js'
import { defaultBlockedMessage, guardAndRun, withheldText, visibilityOf, type AdapterOptions, type CallOutcome, type ToolHandler } from './common.js'

/** A `functionCall` part, as `response.functionCalls` lists them. */
export interface GeminiFunctionCall {
  id?: string
  name?: string
  args?: Record<string, unknown>
}

export interface GeminiFunctionResponsePart {
  functionResponse: { id?: string; name: string; response: Record<string, unknown> }
}

/** A function declaration (`name`, `description`, `parameters` or `parametersJsonSchema`) plus its handler. */
export type FunctionDeclarationWithHandler<D extends { name: string } = { name: string; description?: string; parameters?: unknown; parametersJsonSchema?: unknown }> = D & { handler: ToolHandler }

export interface FunctionCallsResult {
  /** one per call, in order: send them back as the parts of a `user` turn */
  parts: GeminiFunctionResponsePart[]
  outcomes: CallOutcome[]
}

/**
 * Guards every call and runs the allowed ones in parallel. The response of a dispatched call is
 * `{ output }` (or `{ error }` if its handler threw); of a blocked one
 * `{ error: <blocked message>, decision, approvalId? }`.
 */
export async function runFunctionCalls(guard: Guard, functionCalls: readonly GeminiFunctionCall[] | undefined, handlers: Readonly<Record<string, ToolHandler>>, options: AdapterOptions = {}): Promise<FunctionCallsResult> {
  const outcomes = await Promise.all((functionCalls ?? []).map(c => guardAndRun(guard, c.name ?? '', c.args ?? {}, handlers, options, c.id ?? undefined)))
  const parts = outcomes.map((o): GeminiFunctionResponsePart => {
    let response: Record<string, unknown>
    if (!o.dispatched && o.error === undefined) {
      response = { error: (options.blockedMessage ?? defaultBlockedMessage)(o.decision, o.tool), decision: o.decision.decision }
      if (o.decision.approvalId) response['approvalId'] = o.decision.approvalId
    } else if (o.error !== undefined) response = { error: o.error }
    else if (o.resultDecision?.action === 'deny') response = { error: withheldText(o.resultDecision, o.tool, options), decision: 'deny' }
    else response = { output: o.result ?? null }
    return { functionResponse: { ...(o.id !== undefined ? { id: o.id } : {}), name: o.tool, response } }
  })
  return { parts, outcomes }
}

/**
 * `protect(functionDeclarations)` for Gemini: declarations with handlers → the `tools` entry for the
 * request config (handlers stripped, declarations passed through unchanged) and `handle(functionCalls)`,
 * which guards and answers each call of a response. With `onlyVisibleTools`, `tools` leaves out the
 * declarations the model could not use under `options.context` (their calls are still guarded).
 */
export function protectGemini<D extends { name: string }>(guard: Guard, declarations: readonly (D & { handler: ToolHandler })[], options: AdapterOptions = {}): {
  tools: { functionDeclarations: Omit<D, 'handler'>[] }[]
  handle: (functionCalls: readonly GeminiFunctionCall[] | undefined) => Promise<FunctionCallsResult>
} {
  const handlers: Record<string, ToolHandler> = Object.create(null)
  const functionDeclarations = declarations.map(({ handler, ...d }) => {
    if (Object.prototype.hasOwnProperty.call(handlers, d.name)) throw new TypeError(`function \`${d.name}\` is declared twice`)
    handlers[d.name] = handler
    return d as Omit<D, 'handler'>
  })
  const shown = options.onlyVisibleTools ? visibilityOf(guard, options.context) : () => true
  return { tools: [{ functionDeclarations: functionDeclarations.filter(d => shown(d.name)) }], handle: calls => runFunctionCalls(guard, calls, handlers, options) }
}
