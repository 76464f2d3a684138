/**
 * MCP servers (`@modelcontextprotocol/sdk`): every `tools/call` request is guarded before the
 * server's handler runs, whatever way its tools were registered (`registerTool`, `tool`,
 * `registerToolTask`, `RegisteredTool.update({ callback })`, a low-level `Server` with its own
 * `tools/call` handler or a `fallbackRequestHandler`), and before or after `guardMcpServer` was
 * called. The guard sees the tool name and the `arguments` the client sent, before the server's own
 * schema validation. A blocked call is answered with `isError: true`, the blocked message as text,
 * and the decision in `_meta`.
 */
import type { ApprovalHandler, ApprovalVerdict } from '../approvals/index.js'
import type { CallOptions, Guard, GuardDecision } from '../guard.js'
import { snapshot } from '../snapshot.js'
import { decide, defaultBlockedMessage, guardResult, rejectCall, withheldText, visibilityOf, type AdapterOptions } from './common.js'

type RequestHandler = (request: any, extra: any) => unknown
interface ProtocolLike {
  setRequestHandler: (...args: any[]) => unknown
  getClientCapabilities?: () => { elicitation?: unknown } | undefined
  elicitInput?: (params: unknown, options?: unknown) => Promise<{ action: string; content?: Record<string, unknown> }>
  _requestHandlers?: unknown
}

// Module-private on purpose: a public marker (a symbol from `Symbol.for`) could be set by any code on
// its own handler or server to be skipped.
const guardedProtocols = new WeakSet<object>()
const guardedHandlers = new WeakSet<RequestHandler>()

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
  /**
   * The guard context of one request, from what the SDK knows of its caller (the handler's `extra`:
   * `authInfo`, `sessionId`, `requestInfo.headers` ...), for `tools/call` and `tools/list`.
   * Overrides `context`.
   * @default () => options.context
   */
  callerContext?: (extra: unknown) => unknown
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

/** Reads the tool name of a request that could not be copied, for its record. */
function nameOf(request: unknown): string {
  try {
    const name: unknown = (request as { params?: { name?: unknown } } | null)?.params?.name
    return typeof name === 'string' ? name : ''
  } catch {
    return ''
  }
}

/**
 * What the result rules see of a `CallToolResult`: its `structuredContent` when present, else the
 * text of its content when every part is text, else the content list. A result that reports a tool
 * error (`isError`) or a task handle passes unchanged: there is no output yet.
 */
function ruleView(out: any): { value: unknown; from: 'structured' | 'text' | 'content' } | undefined {
  if (out === null || typeof out !== 'object' || out.isError === true || !Array.isArray(out.content)) return undefined
  if (out.structuredContent !== undefined) return { value: out.structuredContent, from: 'structured' }
  if (out.content.every((p: any) => p?.type === 'text' && typeof p.text === 'string')) return { value: out.content.map((p: { text: string }) => p.text).join('\n'), from: 'text' }
  return { value: out.content, from: 'content' }
}

async function guardCallResult(guard: Guard, name: string, args: unknown, out: any, options: AdapterOptions): Promise<unknown> {
  const view = ruleView(out)
  if (view === undefined) return out
  const r = await guardResult(guard, name, args, view.value, options)
  if (r.action === 'deny') {
    const meta: Record<string, unknown> = { 'vetoc/decision': 'deny', 'vetoc/stage': 'result' }
    if (r.rule !== undefined) meta['vetoc/rule'] = r.rule
    return { content: [{ type: 'text', text: withheldText(r, name, options) }], isError: true, _meta: meta }
  }
  if (r.action === 'pass') return out
  // redacted: the output is rebuilt from the redacted copy, so no part of the original survives
  if (view.from === 'structured') return { ...out, structuredContent: r.result, content: [{ type: 'text', text: JSON.stringify(r.result) ?? 'null' }] }
  if (view.from === 'text') return { ...out, content: [{ type: 'text', text: typeof r.result === 'string' ? r.result : JSON.stringify(r.result) ?? '' }] }
  return { ...out, content: Array.isArray(r.result) ? r.result : [] }
}

/**
 * Guards `server` (an `McpServer` or a low-level `Server`; typed loosely so the SDK stays an optional
 * peer) in place and returns it. The SDK dispatches a request to the handler its request-handler map
 * holds for the method, or else to the public `fallbackRequestHandler`; both are guarded for
 * `tools/call`, whenever and however the handler got there (`setRequestHandler`, `McpServer`'s own
 * registration, the map written directly, the fallback assigned before or after this call). Throws
 * if this SDK version dispatches in a way vetoc cannot find, rather than leave calls unguarded.
 *
 * Each `tools/call` request is copied once into a frozen snapshot (`src/snapshot.ts`): the guard,
 * the record and the server's handler all read that copy, so what was checked is what runs.
 *
 * With `onlyVisibleTools`, `tools/list` answers each caller with only the tools it could use
 * (`guard.visibleTools` under that caller's context, see `McpGuardOptions.callerContext`).
 */
export function guardMcpServer<S extends object>(guard: Guard, server: S, options: McpGuardOptions = {}): S {
  const inner = (server as { server?: unknown }).server
  const protocol = isProtocol(inner) ? inner : server
  if (!isProtocol(protocol)) throw new TypeError('guardMcpServer needs an McpServer or a Server from @modelcontextprotocol/sdk')
  const unsupported = (why: string): never => {
    throw new TypeError(`guardMcpServer: unsupported @modelcontextprotocol/sdk version (${why}); tool calls would go unguarded`)
  }
  const handlers = protocol._requestHandlers
  if (!(handlers instanceof Map)) unsupported('no request handler map')
  if (guardedProtocols.has(protocol)) return server
  const own = Object.getOwnPropertyDescriptor(protocol, 'fallbackRequestHandler')
  let inherited: object | null = Object.getPrototypeOf(protocol)
  while (inherited !== null && !Object.prototype.hasOwnProperty.call(inherited, 'fallbackRequestHandler')) inherited = Object.getPrototypeOf(inherited)
  if ((own !== undefined && (own.get !== undefined || own.set !== undefined || !own.configurable)) || inherited !== null) unsupported('`fallbackRequestHandler` is not a plain property')
  const map = handlers as Map<string, RequestHandler>

  /** The guard context of one request: from its caller when `callerContext` says how, else `context`. */
  const contextOf = (extra: unknown): unknown => {
    if (!options.callerContext) return options.context
    try {
      return options.callerContext(extra)
    } catch {
      return undefined
    }
  }
  /** `tools/list` with the tools this caller could not use left out. */
  const listFor = (h: RequestHandler): RequestHandler => {
    const filtered: RequestHandler = async (request, extra) => {
      const listed = (await h(request, extra)) as { tools?: unknown } | undefined
      if (listed === null || typeof listed !== 'object' || !Array.isArray(listed.tools)) return listed
      const shown = visibilityOf(guard, contextOf(extra))
      return { ...listed, tools: listed.tools.filter((t: { name?: unknown } | null) => typeof t?.name === 'string' && shown(t.name)) }
    }
    return filtered
  }
  const forList = new WeakMap<RequestHandler, RequestHandler>()

  /** The guarded form of `h`: `tools/call` requests are decided first, anything else passes (the fallback sees every method). */
  const callOptions = (extra: { requestId?: unknown } | undefined): CallOptions | undefined => {
    if (!options.elicitApprovals || typeof protocol.elicitInput !== 'function' || !protocol.getClientCapabilities?.()?.elicitation) return undefined
    return { approve: elicitingApprover(protocol, extra?.requestId) }
  }
  const wrap = (h: RequestHandler, onlyToolCalls: boolean): RequestHandler => {
    const guarded: RequestHandler = async (request, extra) => {
      const copy = snapshot(request)
      if (!copy.ok) {
        const name = nameOf(request)
        return blockedToolResult(rejectCall(guard, name, undefined, `malformed tools/call: ${copy.reason}`, contextOf(extra)), name, options)
      }
      const req = copy.value as { method?: unknown; params?: { name?: unknown; arguments?: unknown } } | null
      if (onlyToolCalls && req?.method !== 'tools/call') return h(req, extra)
      const params = req?.params
      const name = params?.name
      const context = contextOf(extra)
      if (typeof name !== 'string') return blockedToolResult(rejectCall(guard, '', params?.arguments, 'malformed tools/call: the tool name is not a string', context), '', options)
      const args = params?.arguments
      // the session: the adapter's, else the transport's session id (the server's, never the model's)
      let transportSession: unknown
      try {
        transportSession = extra?.sessionId
      } catch {
        transportSession = undefined
      }
      const session = options.session ?? (typeof transportSession === 'string' && transportSession !== '' ? transportSession : undefined)
      const resultOptions: AdapterOptions = session !== undefined ? { ...options, session } : options
      const d = args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args))
        ? rejectCall(guard, name, args, 'malformed arguments: not a JSON object', context)
        : await decide(guard, name, args ?? {}, context, { ...callOptions(extra), ...(session !== undefined ? { session } : {}) })
      if (d.decision !== 'allow') return blockedToolResult(d, name, options)
      // an approver may have edited the call: what passed the policy again is what runs
      const ran = d.editedArgs !== undefined ? d.editedArgs : args ?? {}
      const out = await h(d.editedArgs !== undefined ? { ...req, params: { ...params, arguments: d.editedArgs } } : req, extra)
      return guardCallResult(guard, name, ran, out, resultOptions)
    }
    guardedHandlers.add(guarded)
    return guarded
  }
  const forMap = new WeakMap<RequestHandler, RequestHandler>()
  const forFallback = new WeakMap<RequestHandler, RequestHandler>()
  const cached = (cache: WeakMap<RequestHandler, RequestHandler>, h: RequestHandler, onlyToolCalls: boolean): RequestHandler => {
    let g = cache.get(h)
    if (g === undefined) cache.set(h, (g = guardedHandlers.has(h) ? h : wrap(h, onlyToolCalls)))
    return g
  }

  // 1. the request-handler map: whatever it holds for `tools/call` is handed out guarded, however it got there
  const get = map.get
  Object.defineProperty(map, 'get', {
    value: function (this: Map<string, RequestHandler>, method: string) {
      const h = get.call(this, method)
      if (method === 'tools/list' && options.onlyVisibleTools && typeof h === 'function') {
        let f = forList.get(h)
        if (f === undefined) forList.set(h, (f = listFor(h)))
        return f
      }
      return method === 'tools/call' && typeof h === 'function' ? cached(forMap, h, false) : h
    },
  })
  // the map itself cannot be swapped for an unguarded one
  Object.defineProperty(protocol, '_requestHandlers', { value: map, writable: false, configurable: false })
  // 2. the fallback handler, which answers every method the map has no handler for
  let fallback = (protocol as { fallbackRequestHandler?: unknown }).fallbackRequestHandler
  Object.defineProperty(protocol, 'fallbackRequestHandler', {
    get: () => (typeof fallback === 'function' ? cached(forFallback, fallback as RequestHandler, true) : fallback),
    set: (h: unknown) => {
      fallback = h
    },
    enumerable: true,
    configurable: false,
  })
  guardedProtocols.add(protocol)
  return server
}
