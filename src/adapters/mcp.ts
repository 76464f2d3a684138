/**
 * MCP servers (`@modelcontextprotocol/sdk`): every `tools/call` request is guarded before the
 * server's handler runs, whatever way its tools were registered (`registerTool`, `tool`,
 * `registerToolTask`, `RegisteredTool.update({ callback })`, or a low-level `Server` with its own
 * `tools/call` handler), and before or after `guardMcpServer` was called. The guard sees the tool name
 * and the `arguments` the client sent, before the server's own schema validation. A blocked call is
 * answered with `isError: true`, the blocked message as text, and the decision in `_meta`.
 * With `onlyVisibleTools`, `tools/list` answers each caller with only the tools it could use
 * (`guard.visibleTools` under that caller's context, see `McpGuardOptions.callerContext`).
 */
import type { Guard, GuardDecision } from '../guard.js'
import { decide, defaultBlockedMessage, rejectCall, visibilityOf, type AdapterOptions } from './common.js'

type RequestHandler = ((request: any, extra: any) => unknown) & { [GUARDED]?: true }
interface ProtocolLike {
  setRequestHandler: (...args: any[]) => unknown
  _requestHandlers?: unknown
  [GUARDED]?: true
}

const GUARDED = Symbol.for('vetoc.mcp.guarded')

export interface McpGuardOptions extends AdapterOptions {
  /**
   * The guard context of one request, from what the SDK knows of its caller (the handler's `extra`:
   * `authInfo`, `sessionId`, ...), for `tools/call` and `tools/list`. Overrides `context`.
   * @default () => options.context
   */
  callerContext?: (extra: unknown) => unknown
}

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

  const contextOf = (extra: unknown): unknown => {
    if (!options.callerContext) return options.context
    try {
      return options.callerContext(extra)
    } catch {
      return undefined
    }
  }
  const wrapList = (h: RequestHandler): RequestHandler => {
    const filtered: RequestHandler = async (request, extra) => {
      const listed = (await h(request, extra)) as { tools?: unknown } | undefined
      if (listed === null || typeof listed !== 'object' || !Array.isArray(listed.tools)) return listed
      const shown = visibilityOf(guard, contextOf(extra))
      return { ...listed, tools: listed.tools.filter((t: { name?: unknown } | null) => typeof t?.name === 'string' && shown(t.name)) }
    }
    filtered[GUARDED] = true
    return filtered
  }
  const wrap = (h: RequestHandler): RequestHandler => {
    const guarded: RequestHandler = async (request, extra) => {
      const context = contextOf(extra)
      const params = request?.params
      const name: unknown = params?.name
      if (typeof name !== 'string') return h(request, extra) // the SDK answers a malformed request itself
      const raw: unknown = params.arguments
      const d = raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        ? rejectCall(guard, name, raw, 'malformed arguments: not a JSON object', context)
        : await decide(guard, name, raw ?? {}, context)
      if (d.decision !== 'allow') return blockedToolResult(d, name, options)
      return h(request, extra)
    }
    guarded[GUARDED] = true
    return guarded
  }
  const install = (): void => {
    const h = handlers.get('tools/call') as RequestHandler | undefined
    if (typeof h === 'function' && !h[GUARDED]) handlers.set('tools/call', wrap(h))
    const list = handlers.get('tools/list') as RequestHandler | undefined
    if (options.onlyVisibleTools && typeof list === 'function' && !list[GUARDED]) handlers.set('tools/list', wrapList(list))
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
