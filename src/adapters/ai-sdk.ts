/**
 * Vercel AI SDK: wraps a `tools` object so each tool's `execute` is guarded. A blocked call returns
 * `{ blocked: true, decision, reason, approvalId? }` to the model instead of running.
 */
import type { Guard } from '../guard.js'
import { defaultBlockedMessage, type AdapterOptions } from './common.js'

type AnyTool = { execute?: (input: any, options: any) => unknown } & Record<string, unknown>

export function guardAiTools<T extends Record<string, AnyTool>>(guard: Guard, tools: T, options: AdapterOptions = {}): T {
  const out: Record<string, AnyTool> = {}
  for (const [name, t] of Object.entries(tools)) {
    const execute = t.execute
    if (typeof execute !== 'function') {
      out[name] = t
      continue
    }
    out[name] = {
      ...t,
      execute: async (input: unknown, execOptions: unknown) => {
        const d = await guard(name, input, options.context)
        if (d.decision !== 'allow') return { blocked: true, decision: d.decision, reason: (options.blockedMessage ?? defaultBlockedMessage)(d, name), ...(d.approvalId ? { approvalId: d.approvalId } : {}) }
        return execute(input, execOptions)
      },
    }
  }
  return out as T
}
