/**
 * MCP servers (`@modelcontextprotocol/sdk`): every `tools/call` request is guarded before the
 * server's handler runs, whatever way its tools were registered (`registerTool`, `tool`,
 * `registerToolTask`, `RegisteredTool.update({ callback })`, or a low-level `Server` with its own
 * `tools/call` handler), and before or after `guardMcpServer` was called. The guard sees the tool name
 * and the `arguments` the client sent, before the server's own schema validation. A blocked call is
 * answered with `isError: true`, the blocked message as text, and the decision in `_meta`.
 */
import type { Guard, GuardDecision } from '../guard.js'
import { decide, defaultBlockedMessage, guardResult, rejectCall, withheldText, type AdapterOptions } from './common.js'

type RequestHandler = ((request: any, extra: any) => unknown) & { [GUARDED]?: true }
interface ProtocolLike {
  setRequestHandler: (...args: any[]) => unknown
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
 * peer) in place and returns it. Throws if this SDK version keeps its request handlers where vetoc
 * cannot find them, rather than leave calls unguarded.
 */
export function guardMcpServer<S extends object>(guard: Guard, server: S, options: AdapterOptions = {}): S {
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
      // the session: the adapter's, else the transport's session id (the server's, never the model's)
      const transportSession: unknown = extra?.sessionId
      const session = options.session ?? (typeof transportSession === 'string' && transportSession !== '' ? transportSession : undefined)
      const callOptions: AdapterOptions = session !== undefined ? { ...options, session } : options
      const d = raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))
        ? rejectCall(guard, name, raw, 'malformed arguments: not a JSON object', options.context)
        : await decide(guard, name, raw ?? {}, options.context, session)
      if (d.decision !== 'allow') return blockedToolResult(d, name, options)
      const out = await h(request, extra)
      return guardCallResult(guard, name, raw ?? {}, out, callOptions)
    }
    guarded[GUARDED] = true
    return guarded
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
