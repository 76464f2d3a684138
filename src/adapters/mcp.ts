/**
 * MCP servers (`@modelcontextprotocol/sdk`): every `tools/call` request is guarded before the
 * server's handler runs, whatever way its tools were registered (`registerTool`, `tool`,
 * `registerToolTask`, `RegisteredTool.update({ callback })`, or a low-level `Server` with its own
 * `tools/call` handler), and before or after `guardMcpServer` was called. The guard sees the tool name
 * and the `arguments` the client sent, before the server's own schema validation. A blocked call is
 * answered with `isError: true`, the blocked message as text, and the decision in `_meta`.
 */
import type { ApprovalHandler, ApprovalVerdict } from '../approvals/index.js'
import type { CallOptions, Guard, GuardDecision } from '../guard.js'
import { decide, defaultBlockedMessage, rejectCall, type AdapterOptions } from './common.js'

type RequestHandler = ((request: any, extra: any) => unknown) & { [GUARDED]?: true }
interface ProtocolLike {
  setRequestHandler: (...args: any[]) => unknown
  getClientCapabilities?: () => { elicitation?: unknown } | undefined
  elicitInput?: (params: unknown, options?: unknown) => Promise<{ action: string; content?: Record<string, unknown> }>
  _requestHandlers?: unknown
  [GUARDED]?: true
}

const GUARDED = Symbol.for('vetoc.mcp.guarded')

function isProtocol(x: unknown): x is ProtocolLike {
  return x !== null && typeof x === 'object' && typeof (x as ProtocolLike).setRequestHandler === 'function'
}

/** The result a blocked `tools/call` gets. */
export function blockedToolResult(d: GuardDecision, tool: string, options: AdapterOptions): { content: { type: 'text'; text: string }[]; isError: true; _meta: Record<string, unknown> } {
  const meta: Record<string, unknown> = { 'vetoc/decision': d.decision }
  if (d.rule !== undefined) meta['vetoc/rule'] = d.rule
  if (d.approvalId !== undefined) meta['vetoc/approvalId'] = d.approvalId
  return { content: [{ type: 'text', text: (options.blockedMessage ?? defaultBlockedMessage)(d, tool) }], isError: true, _meta: meta }
}

export interface McpGuardOptions extends AdapterOptions {
  /**
   * Ask the connected client to answer reviews (MCP elicitation: `elicitation/create`). Accept with
   * `approve: true` approves; anything else (accept without it, decline, cancel) denies. Used only
   * when the client declares the elicitation capability; otherwise a review is handed back as today.
   * The client answers for its own model, so this is weaker than a human channel (the page, a
   * webhook): use it where the client is a person's own app. @default false
   */
  elicitApprovals?: boolean
}

/** An approval handler that asks the MCP client through elicitation, tied to the request being served. */
function elicitingApprover(protocol: ProtocolLike, requestId: unknown): ApprovalHandler {
  return async request => {
    const r = await protocol.elicitInput!({
      mode: 'form',
      message: `Allow the tool call \`${request.tool}\`? ${request.decision.reason ?? ''}\nArguments: ${JSON.stringify(request.args)}`,
      requestedSchema: { type: 'object', properties: { approve: { type: 'boolean', title: 'Approve this call', description: 'true runs the call; false or no answer refuses it' } }, required: ['approve'] },
    }, requestId !== undefined ? { relatedRequestId: requestId } : undefined)
    const verdict: ApprovalVerdict = { approved: r.action === 'accept' && r.content?.['approve'] === true, by: 'mcp-client', channel: 'elicitation' }
    return verdict
  }
}

/**
 * Guards `server` (an `McpServer` or a low-level `Server`; typed loosely so the SDK stays an optional
 * peer) in place and returns it. Throws if this SDK version keeps its request handlers where vetoc
 * cannot find them, rather than leave calls unguarded.
 */
export function guardMcpServer<S extends object>(guard: Guard, server: S, options: McpGuardOptions = {}): S {
  const inner = (server as { server?: unknown }).server
  const protocol = isProtocol(inner) ? inner : server
  if (!isProtocol(protocol)) throw new TypeError('guardMcpServer needs an McpServer or a Server from @modelcontextprotocol/sdk')
  const handlers = protocol._requestHandlers
  if (!(handlers instanceof Map)) throw new TypeError('guardMcpServer: unsupported @modelcontextprotocol/sdk version (no request handler map); tool calls would go unguarded')
  if (protocol[GUARDED]) return server
  protocol[GUARDED] = true

  const wrap = (h: RequestHandler): RequestHandler => {
    const guarded: RequestHandler = async (request, extra) => {
      const params = request?.params
      const name: unknown = params?.name
      if (typeof name !== 'string') return h(request, extra) // the SDK answers a malformed request itself
      const raw: unknown = params.arguments
      const d = raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        ? rejectCall(guard, name, raw, 'malformed arguments: not a JSON object', options.context)
        : await decide(guard, name, raw ?? {}, options.context, callOptions(extra))
      if (d.decision !== 'allow') return blockedToolResult(d, name, options)
      // an approver may have edited the call: what passed the policy again is what runs
      if (d.editedArgs !== undefined) return h({ ...request, params: { ...params, arguments: d.editedArgs } }, extra)
      return h(request, extra)
    }
    guarded[GUARDED] = true
    return guarded
  }
  const callOptions = (extra: { requestId?: unknown } | undefined): CallOptions | undefined => {
    if (!options.elicitApprovals || typeof protocol.elicitInput !== 'function' || !protocol.getClientCapabilities?.()?.elicitation) return undefined
    return { approve: elicitingApprover(protocol, extra?.requestId) }
  }
  const install = (): void => {
    const h = handlers.get('tools/call') as RequestHandler | undefined
    if (typeof h === 'function' && !h[GUARDED]) handlers.set('tools/call', wrap(h))
  }
  const set = protocol.setRequestHandler
  protocol.setRequestHandler = function (this: unknown, ...args: unknown[]) {
    const r = set.apply(this, args)
    install()
    return r
  }
  install()
  return server
}
