/**
 * MCP servers (`@modelcontextprotocol/sdk` `McpServer`): every tool registered after `guardMcpServer`
 * runs only when the guard allows it; a blocked `tools/call` returns `isError: true` with the reason.
 */
import type { Guard } from '../guard.js'
import { defaultBlockedMessage, errorMessage, type AdapterOptions } from './common.js'

type Register = (name: string, config: any, cb: (...args: any[]) => unknown) => unknown

/** `server` is an `McpServer`; typed loosely so the SDK stays an optional peer. */
export function guardMcpServer<S extends { registerTool: (...args: any[]) => unknown }>(guard: Guard, server: S, options: AdapterOptions = {}): S {
  const target = server as unknown as { registerTool: Register }
  const register = target.registerTool.bind(server) as Register
  target.registerTool = (name: string, config: any, cb: (...args: any[]) => unknown) => {
    const hasInput = config && config.inputSchema !== undefined
    const wrapped = async (...cbArgs: any[]) => {
      const args = hasInput ? cbArgs[0] : {}
      const d = await guard(name, args ?? {}, options.context)
      if (d.decision !== 'allow') return { content: [{ type: 'text', text: (options.blockedMessage ?? defaultBlockedMessage)(d, name) }], isError: true }
      try {
        return await cb(...cbArgs)
      } catch (e) {
        return { content: [{ type: 'text', text: `Tool error: ${errorMessage(e)}` }], isError: true }
      }
    }
    return register(name, config, wrapped)
  }
  return server
}
