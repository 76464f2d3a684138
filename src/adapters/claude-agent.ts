/**
 * Claude Agent SDK (`@anthropic-ai/claude-agent-sdk`): `vetocClaudeOptions(guard)` returns the
 * `canUseTool` callback and the `PreToolUse` / `PostToolUse` hooks that put vetoc in the runtime's
 * own permission flow: `query({ prompt, options: { mcpServers, ...vetocClaudeOptions(guard) } })`.
 * - The `PreToolUse` hook decides every call before it runs (all tools: in-process MCP tools and
 *   Claude Code's built-in ones). `allow` answers `permissionDecision: 'allow'` with `updatedInput`
 *   set to the frozen snapshot the guard judged, so what runs is what was checked; `deny` answers
 *   `'deny'` with the reason, which the model reads as the tool's error result.
 * - A `review` answers `'ask'`: Claude Code then asks the host through `canUseTool` (in every
 *   permission mode, `bypassPermissions` included; with the hooks alone it denies the call), where
 *   the app's `approve` callback answers it. The answer is bound to the review's approval id and the call is
 *   decided again with it, so the record says who approved (channel `claude-agent-sdk`), and an
 *   edited call is evaluated again before it runs. Without `approve` (and without the guard's own
 *   `approvals`, which answer in the hook already) a review is denied with its approval id.
 * - `canUseTool` alone (without the hooks) guards the call itself the same way, but Claude Code
 *   hands it no session id (pass `session`), and under `bypassPermissions` or for tools in
 *   `allowedTools` Claude Code never calls it: keep the hooks.
 * - The `PostToolUse` hook runs the result rules (`on: result`) before the model reads the output:
 *   for MCP tools `updatedMCPToolOutput` carries the redacted or withheld content. For built-in
 *   tools Claude Code accepts `updatedToolOutput` only in the tool's own output shape, so a redacted
 *   copy of the same shape replaces it, and a denied output (or a redaction that changed the shape)
 *   stops the run (`continue: false`) so that the model never reads it.
 * The session is the SDK's session id (the hook input's `session_id`) unless `session` is given.
 * Input Claude Code cannot parse as JSON never reaches a hook: Claude Code answers the model with an
 * `InputValidationError` itself and does not run the tool, so vetoc leaves no record of that call.
 * The SDK is an optional peer: this file imports only its types.
 */
import type { CanUseTool, HookCallback, HookCallbackMatcher, HookJSONOutput, PermissionResult } from '@anthropic-ai/claude-agent-sdk'
import { readVerdict, type ApprovalVerdict } from '../approvals/index.js'
import type { Guard, GuardDecision } from '../guard.js'
import { redactText } from '../records/index.js'
import { argumentsOf, decide, defaultBlockedMessage, errorMessage, guardResult, rejectCall, stringifyResult, withheldText, type AdapterOptions } from './common.js'

/** What the app's `approve` callback is asked: one reviewed call, bound to its approval id. */
export interface ClaudeReview {
  approvalId: string
  /** the tool's name in the policy */
  tool: string
  /** the name Claude Code gave it (e.g. `mcp__app__send_email`) */
  toolName: string
  /** the frozen arguments the guard judged */
  args: unknown
  rule?: string
  reason?: string
  /** the session the call belongs to */
  session?: string
  /** aborted when Claude Code gives up on the call */
  signal: AbortSignal
  /** Claude Code's prompt sentence for the call, when it sends one */
  title?: string
}

export interface ClaudeAgentGuardOptions extends Omit<AdapterOptions, 'session' | 'onlyVisibleTools'> {
  /** The session id for every call. @default the SDK's session id (`session_id` of the hook input) */
  session?: string
  /**
   * Answers a review in `canUseTool`: `true`/`'approve'`, `false`/`'deny'`, or
   * `{ approved, by?, args? }` (`args`: edited arguments, evaluated again before they run).
   * @default none: a review the guard's own `approvals` did not answer is denied
   */
  approve?: (review: ClaudeReview) => ApprovalVerdict | Promise<ApprovalVerdict>
  /** Who the record names when the verdict does not say (`by`). @default 'claude-agent-sdk' */
  approver?: string
  /**
   * The policy's name for a tool Claude Code calls `name`.
   * @default tools of the app's in-process servers (`createSdkMcpServer`, provenance `sdk`) lose their
   * `mcp__<server>__` prefix (`mcp__app__send_email` is `send_email`); every other name is kept as is
   */
  toolName?: (name: string, server: { name: string; source: string } | undefined) => string
}

/** What `vetocClaudeOptions` returns: spread it into the `options` of `query()`. */
export interface VetocClaudeOptions {
  canUseTool: CanUseTool
  hooks: { PreToolUse: HookCallbackMatcher[]; PostToolUse: HookCallbackMatcher[] }
}

const CHANNEL = 'claude-agent-sdk'
const MAX_PENDING = 10_000

interface Held {
  d: GuardDecision
  tool: string
  args: unknown
  session: string | undefined
}

/** Reads one field of a value handed over by the SDK; a getter or trap that throws reads as `undefined`. */
function field(value: unknown, key: string): unknown {
  try {
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined
  } catch {
    return undefined
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function serverOf(value: unknown): { name: string; source: string } | undefined {
  const name = text(field(value, 'name'))
  const source = text(field(value, 'source'))
  return name !== undefined && source !== undefined ? { name, source } : undefined
}

function isPlainObject(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/** The in-process server's prefix comes off; a configured server's tools keep their full name. */
function defaultToolName(name: string, server: { name: string; source: string } | undefined): string {
  const prefix = server !== undefined ? `mcp__${server.name}__` : undefined
  return server?.source === 'sdk' && prefix !== undefined && name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : name
}

/**
 * What the result rules see of a tool's output: an MCP tool's content list as its text when every
 * part is text, else the list; a built-in tool's output as Claude Code reports it.
 */
function resultView(output: unknown, mcp: boolean): { value: unknown; text: boolean } {
  if (mcp && Array.isArray(output) && output.every(p => field(p, 'type') === 'text' && typeof field(p, 'text') === 'string')) {
    return { value: output.map(p => field(p, 'text') as string).join('\n'), text: true }
  }
  return { value: output, text: false }
}

/**
 * Whether `b` has `a`'s shape: the same kinds of value, the same keys and the same lengths all the
 * way down. Claude Code drops a built-in tool's replacement output that does not validate against
 * the tool's output schema (and the model then reads the original), so only a same-shape copy is sent.
 */
function sameShape(a: unknown, b: unknown, depth = 0): boolean {
  if (depth > 64) return false
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === null ? b === null : typeof a === typeof b && b !== null
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => sameShape(x, (b as unknown[])[i], depth + 1))
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return ka.length === kb.length && ka.every(k => Object.prototype.hasOwnProperty.call(b, k) && sameShape((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth + 1))
}

export function vetocClaudeOptions(guard: Guard, options: ClaudeAgentGuardOptions = {}): VetocClaudeOptions {
  // reviews the PreToolUse hook sent to `canUseTool` ('ask'), by tool use id (bounded: a run
  // abandoned mid-way leaves one behind)
  const held = new Map<string, Held>()
  const hold = (id: string | undefined, h: Held): void => {
    if (id === undefined) return
    if (held.size >= MAX_PENDING) held.delete(held.keys().next().value!)
    held.set(id, h)
  }
  const blocked = (d: GuardDecision, tool: string): string => (options.blockedMessage ?? defaultBlockedMessage)(d, tool)
  const nameOf = (raw: unknown, server: unknown): string => {
    const name = typeof raw === 'string' ? raw : ''
    const s = serverOf(server)
    try {
      return (options.toolName ?? defaultToolName)(name, s)
    } catch {
      return name
    }
  }
  const sessionOf = (input: unknown): string | undefined => options.session ?? text(field(input, 'session_id'))
  const resultOptions = (session: string | undefined): AdapterOptions => ({
    ...(options.context !== undefined ? { context: options.context } : {}),
    ...(session !== undefined ? { session } : {}),
    ...(options.withheldMessage ? { withheldMessage: options.withheldMessage } : {}),
  })

  /** One snapshot of the input and the guard's decision on it; unreadable input is denied and recorded. */
  const judge = async (tool: string, raw: unknown, session: string | undefined): Promise<{ d: GuardDecision; args?: unknown }> => {
    const read = isPlainObject(raw) ? argumentsOf(raw) : { reason: 'malformed arguments: the tool input is not an object' }
    if ('reason' in read) return { d: rejectCall(guard, tool, raw, read.reason, options.context) }
    return { d: await decide(guard, tool, read.args, options.context, session !== undefined ? { session } : undefined), args: read.args }
  }

  /** What runs: the judged snapshot, or what the approver edited (which passed the policy again). */
  const ranWith = (d: GuardDecision, args: unknown, tool: string): { input: Record<string, unknown> } | { reason: string } => {
    const ran = d.editedArgs !== undefined ? d.editedArgs : args
    if (isPlainObject(ran)) return { input: ran as Record<string, unknown> }
    return { reason: blocked(rejectCall(guard, tool, ran, 'malformed arguments: the edited tool input is not an object', options.context), tool) }
  }

  /** A review answered by the app's `approve`, bound to its approval id, and the call decided again. */
  const resolve = async (h: Held, toolName: string, signal: AbortSignal, title: string | undefined): Promise<GuardDecision> => {
    const approvalId = h.d.approvalId
    if (approvalId === undefined || options.approve === undefined) return h.d
    const fallbackBy = options.approver ?? CHANNEL
    let verdict: { approved: boolean; by: string; args?: unknown; channel?: string }
    try {
      if (signal.aborted) throw new Error('the call was aborted')
      const review: ClaudeReview = {
        approvalId, tool: h.tool, toolName, args: h.args, signal,
        ...(h.d.rule !== undefined ? { rule: h.d.rule } : {}),
        ...(h.d.reason !== undefined ? { reason: h.d.reason } : {}),
        ...(h.session !== undefined ? { session: h.session } : {}),
        ...(title !== undefined ? { title } : {}),
      }
      verdict = readVerdict(await options.approve(review), fallbackBy)
    } catch (e) {
      // an approver that fails (or a call aborted while it waited) is a denial, recorded as such
      verdict = { approved: false, by: `${fallbackBy} (failed: ${redactText(errorMessage(e))})` }
    }
    const at = Date.now()
    try {
      await guard.pending.answer(approvalId, { approved: verdict.approved, by: verdict.by, channel: verdict.channel ?? CHANNEL, at, ...(verdict.approved && verdict.args !== undefined ? { args: verdict.args } : {}) }, at)
    } catch {
      // the store refused or failed: deciding again with the approval id denies with the reason
    }
    return decide(guard, h.tool, h.args, options.context, { approval: approvalId, ...(h.session !== undefined ? { session: h.session } : {}) })
  }

  const canUseTool: CanUseTool = async (toolName, input, sdk): Promise<PermissionResult> => {
    try {
      const id = text(field(sdk, 'toolUseID'))
      const signal = field(sdk, 'signal') instanceof AbortSignal ? (field(sdk, 'signal') as AbortSignal) : new AbortController().signal
      const title = text(field(sdk, 'title'))
      let h = id !== undefined ? held.get(id) : undefined
      if (id !== undefined) held.delete(id)
      const tool = h?.tool ?? nameOf(toolName, field(sdk, 'mcpServer'))
      if (h === undefined) {
        // no hook decided this call (canUseTool used alone): decide it here
        const session = options.session
        const { d, args } = await judge(tool, input, session)
        if (d.decision === 'deny') return { behavior: 'deny', message: blocked(d, tool) }
        h = { d, tool, args, session }
      }
      const d = h.d.decision === 'review' ? await resolve(h, typeof toolName === 'string' ? toolName : tool, signal, title) : h.d
      if (d.decision !== 'allow') return { behavior: 'deny', message: blocked(d, tool) }
      const ran = ranWith(d, h.args, tool)
      return 'reason' in ran ? { behavior: 'deny', message: ran.reason } : { behavior: 'allow', updatedInput: ran.input }
    } catch (e) {
      return { behavior: 'deny', message: `Tool call blocked: vetoc failed (${redactText(errorMessage(e))})` }
    }
  }

  const preToolUse: HookCallback = async (input, toolUseID): Promise<HookJSONOutput> => {
    const answer = (permissionDecision: 'allow' | 'deny' | 'ask', permissionDecisionReason: string, updatedInput?: Record<string, unknown>): HookJSONOutput => ({
      hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision, permissionDecisionReason, ...(updatedInput !== undefined ? { updatedInput } : {}) },
    })
    try {
      if (field(input, 'hook_event_name') !== 'PreToolUse') return {}
      const tool = nameOf(field(input, 'tool_name'), field(input, 'mcp_server'))
      const session = sessionOf(input)
      const { d, args } = await judge(tool, field(input, 'tool_input'), session)
      if (d.decision === 'allow') {
        const ran = ranWith(d, args, tool)
        return 'reason' in ran ? answer('deny', ran.reason) : answer('allow', d.reason ?? 'allowed by policy', ran.input)
      }
      if (d.decision === 'review') {
        // Claude Code asks the host: `canUseTool` answers it with the app's approver
        hold(text(toolUseID) ?? text(field(input, 'tool_use_id')), { d, tool, args, session })
        return answer('ask', blocked(d, tool))
      }
      return answer('deny', blocked(d, tool))
    } catch (e) {
      return answer('deny', `Tool call blocked: vetoc failed (${redactText(errorMessage(e))})`)
    }
  }

  const postToolUse: HookCallback = async (input): Promise<HookJSONOutput> => {
    try {
      if (field(input, 'hook_event_name') !== 'PostToolUse') return {}
      const rawName = field(input, 'tool_name')
      const server = field(input, 'mcp_server')
      const tool = nameOf(rawName, server)
      const mcp = server !== undefined || (typeof rawName === 'string' && rawName.startsWith('mcp__'))
      const session = sessionOf(input)
      const read = argumentsOf(field(input, 'tool_input'))
      const view = resultView(field(input, 'tool_response'), mcp)
      const opts = resultOptions(session)
      const r = await guardResult(guard, tool, 'reason' in read ? undefined : read.args, view.value, opts)
      if (r.action === 'pass') return {}
      const withheld = r.action === 'deny' ? withheldText(r, tool, opts) : undefined
      if (mcp) {
        // the output is rebuilt from the redacted copy (or the withheld text), so no part of the original survives
        const replaced = withheld !== undefined ? [{ type: 'text', text: withheld }] : view.text ? [{ type: 'text', text: stringifyResult(r.result) }] : r.result
        return { hookSpecificOutput: { hookEventName: 'PostToolUse', updatedMCPToolOutput: replaced } }
      }
      if (withheld === undefined && sameShape(view.value, r.result)) return { hookSpecificOutput: { hookEventName: 'PostToolUse', updatedToolOutput: r.result } }
      // a built-in tool's output that cannot be replaced in its own shape: stop before the model reads it
      const why = withheld ?? withheldText({ ...r, action: 'deny', reason: `${r.reason ?? 'redacted'} (the redacted output does not keep the tool's output shape)` }, tool, opts)
      return { continue: false, stopReason: why, hookSpecificOutput: { hookEventName: 'PostToolUse', updatedToolOutput: why } }
    } catch (e) {
      return { continue: false, stopReason: `Tool result withheld: vetoc failed (${redactText(errorMessage(e))})` }
    }
  }

  return {
    canUseTool,
    // no matcher: every tool, built-in or MCP, passes through vetoc
    hooks: { PreToolUse: [{ hooks: [preToolUse] }], PostToolUse: [{ hooks: [postToolUse] }] },
  }
}
