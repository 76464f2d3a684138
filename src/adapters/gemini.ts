/**
 * Gemini (`@google/genai`): `functionCall` parts are guarded and answered with `functionResponse`
 * parts; a blocked call's response carries the reason (and the approval id of a review).
 */
import type { Guard } from '../guard.js'
import { defaultBlockedMessage, guardAndRun, type AdapterOptions, type CallOutcome, type ToolHandler } from './common.js'

export interface GeminiFunctionCall {
  id?: string
  name?: string
  args?: Record<string, unknown>
}

export interface GeminiFunctionResponsePart {
  functionResponse: { id?: string; name: string; response: Record<string, unknown> }
}

export interface FunctionDeclarationWithHandler {
  name: string
  description?: string
  parameters?: unknown
  parametersJsonSchema?: unknown
  handler: ToolHandler
}

export async function runFunctionCalls(guard: Guard, functionCalls: readonly GeminiFunctionCall[] | undefined, handlers: Readonly<Record<string, ToolHandler>>, options: AdapterOptions = {}): Promise<{ parts: GeminiFunctionResponsePart[]; outcomes: CallOutcome[] }> {
  const outcomes = await Promise.all((functionCalls ?? []).map(c => guardAndRun(guard, c.name ?? '', c.args ?? {}, handlers, options, c.id)))
  const parts = outcomes.map((o): GeminiFunctionResponsePart => {
    let response: Record<string, unknown>
    if (!o.dispatched && o.error === undefined) {
      response = { error: (options.blockedMessage ?? defaultBlockedMessage)(o.decision, o.tool), decision: o.decision.decision }
      if (o.decision.approvalId) response['approvalId'] = o.decision.approvalId
    } else if (o.error !== undefined) response = { error: o.error }
    else response = { output: o.result ?? null }
    return { functionResponse: { ...(o.id !== undefined ? { id: o.id } : {}), name: o.tool, response } }
  })
  return { parts, outcomes }
}

/**
 * Declarations with handlers → the `tools` entry for the request, and `handle(functionCalls)` that
 * guards and answers each call of a response.
 */
export function protectGemini(guard: Guard, declarations: readonly FunctionDeclarationWithHandler[], options: AdapterOptions = {}): {
  tools: { functionDeclarations: Omit<FunctionDeclarationWithHandler, 'handler'>[] }[]
  handle: (functionCalls: readonly GeminiFunctionCall[] | undefined) => Promise<{ parts: GeminiFunctionResponsePart[]; outcomes: CallOutcome[] }>
} {
  const handlers: Record<string, ToolHandler> = {}
  const functionDeclarations = declarations.map(({ handler, ...d }) => {
    handlers[d.name] = handler
    return d
  })
  return { tools: [{ functionDeclarations }], handle: calls => runFunctionCalls(guard, calls, handlers, options) }
}
