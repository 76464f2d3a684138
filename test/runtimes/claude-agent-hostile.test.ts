/**
 * The Claude Agent SDK adapter's callbacks handed hostile values (what a buggy or compromised
 * transport could hand them): each ends in a decision and a record, never an exception and never a
 * call allowed unchecked. The run itself is covered by claude-agent.test.ts against the real SDK.
 */
import { describe, expect, it } from 'vitest'
import type { HookJSONOutput, PermissionResult } from '@anthropic-ai/claude-agent-sdk'
import { vetocClaudeOptions, type ClaudeAgentGuardOptions } from '../../src/adapters/claude-agent.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import { compileModule } from '../support/compiled.js'
import { shipped } from '../support/policies.js'

async function setup(options: ClaudeAgentGuardOptions = {}, policy: 'gemini-safety' | 'agent-session' = 'gemini-safety') {
  const sink = createMemorySink()
  const guard = createGuard(await shipped(policy), { sink })
  const v = vetocClaudeOptions(guard, options)
  const signal = new AbortController().signal
  const pre = (tool_input: unknown, id = 'toolu_h', tool_name = 'mcp__app__send_email'): Promise<HookJSONOutput> =>
    v.hooks.PreToolUse[0]!.hooks[0]!({ hook_event_name: 'PreToolUse', session_id: 'sess-1', transcript_path: '', cwd: '/', tool_name, tool_input, tool_use_id: id, mcp_server: { name: 'app', source: 'sdk' } } as never, id, { signal })
  const post = (tool_name: string, tool_input: unknown, tool_response: unknown): Promise<HookJSONOutput> =>
    v.hooks.PostToolUse[0]!.hooks[0]!({ hook_event_name: 'PostToolUse', session_id: 'sess-1', transcript_path: '', cwd: '/', tool_name, tool_input, tool_response, tool_use_id: 'toolu_p', mcp_server: { name: 'app', source: 'sdk' } } as never, 'toolu_p', { signal })
  const can = async (toolName: string, input: unknown, toolUseID: string): Promise<PermissionResult> =>
    (await v.canUseTool(toolName, input as Record<string, unknown>, { signal, toolUseID, requestId: `req-${toolUseID}`, mcpServer: { name: 'app', source: 'sdk' } }))!
  return { sink, pre, post, can }
}

const decisionOf = (out: HookJSONOutput): { permissionDecision?: string; permissionDecisionReason?: string; updatedInput?: Record<string, unknown> } =>
  ((out as { hookSpecificOutput?: object }).hookSpecificOutput ?? {}) as never

describe('Claude Agent SDK adapter: hostile input', () => {
  it('input that is not a plain object, or cannot be read, is denied and recorded', async () => {
    const { sink, pre } = await setup()
    const throwing = { to: 'ana@approved.example.com', subject: 's', get body(): string { throw new Error('boom') } }
    const trap = new Proxy({}, { ownKeys: () => { throw new Error('trap') } })
    let deep: Record<string, unknown> = {}
    const root = deep
    for (let i = 0; i < 200; i++) deep = (deep['n'] = {}) as Record<string, unknown>
    const cases: unknown[] = [throwing, trap, root, ['ana@approved.example.com'], 'ana@approved.example.com', null, 42, new Map([['to', 'x']])]
    const reasons = [
      'unreadable arguments: reading them threw: boom',
      'unreadable arguments: reading them threw: trap',
      'unreadable arguments: the arguments are nested deeper than 64 levels',
      ...Array(5).fill('malformed arguments: the tool input is not an object'),
    ]
    for (const [i, input] of cases.entries()) {
      const out = decisionOf(await pre(input, `toolu_${i}`))
      expect(out).toEqual({ hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: `Tool call blocked by policy: ${reasons[i]}` })
    }
    expect(sink.records.map(r => [r.tool, r.decision, r.reason, r.session])).toEqual(reasons.map(r => ['send_email', 'deny', r, undefined]))
  })

  it('a hook input whose fields throw is denied and recorded, not thrown', async () => {
    const guardSink = createMemorySink()
    const v = vetocClaudeOptions(createGuard(await shipped('gemini-safety'), { sink: guardSink }))
    const input = new Proxy({ hook_event_name: 'PreToolUse', tool_name: 'mcp__app__send_email' }, {
      get: (t, k) => { if (k === 'tool_input' || k === 'session_id') throw new Error('hostile'); return (t as Record<string | symbol, unknown>)[k] },
    })
    const out = decisionOf(await v.hooks.PreToolUse[0]!.hooks[0]!(input as never, 'toolu_x', { signal: new AbortController().signal }))
    expect(out.permissionDecision).toBe('deny')
    expect(guardSink.records.map(r => [r.decision, r.tool])).toEqual([['deny', 'mcp__app__send_email']])
  })

  it('what runs is the snapshot that was judged: allow returns it frozen, and an approved review runs the held input, not what canUseTool is handed', async () => {
    const { sink, pre, can } = await setup({ approve: () => ({ approved: true, by: 'ana' }) })
    const input = { to: 'ana@approved.example.com', subject: 's', body: 'b' }
    const allowed = decisionOf(await pre(input))
    expect(allowed.permissionDecision).toBe('allow')
    expect(allowed.updatedInput).toEqual(input)
    expect(Object.isFrozen(allowed.updatedInput)).toBe(true)
    input.to = 'eve@evil.invalid'
    expect(allowed.updatedInput!['to']).toBe('ana@approved.example.com')

    const asked = decisionOf(await pre({ path: '/srv/old' }, 'toolu_rev', 'mcp__app__delete_file'))
    expect(asked.permissionDecision).toBe('ask')
    const ran = await can('mcp__app__delete_file', { path: '/etc/passwd' }, 'toolu_rev')
    expect(ran).toEqual({ behavior: 'allow', updatedInput: { path: '/srv/old' } })
    expect(sink.records.at(-1)).toMatchObject({ decision: 'allow', resolvedBy: 'ana', args: { path: '/srv/old' } })
  })

  it('an approver that throws or answers nonsense denies, recorded; a review id canUseTool never saw is judged afresh', async () => {
    const failing = await setup({ approve: () => { throw new Error('pager down') } })
    await failing.pre({ path: '/srv/a' }, 'toolu_f', 'mcp__app__delete_file')
    const denied = await failing.can('mcp__app__delete_file', { path: '/srv/a' }, 'toolu_f')
    expect(denied.behavior).toBe('deny')
    expect(failing.sink.records.at(-1)).toMatchObject({ decision: 'deny', resolvedBy: 'claude-agent-sdk (failed: pager down)' })

    const nonsense = await setup({ approve: () => 'yes' as never })
    await nonsense.pre({ path: '/srv/a' }, 'toolu_y', 'mcp__app__delete_file')
    expect((await nonsense.can('mcp__app__delete_file', { path: '/srv/a' }, 'toolu_y')).behavior).toBe('deny')
    expect(nonsense.sink.records.at(-1)!.decision).toBe('deny')

    // no approver, an id no hook held: the call is guarded here, and the review is denied with its id
    const none = await setup()
    const out = await none.can('mcp__app__delete_file', { path: '/srv/b' }, 'toolu_forged')
    expect(out.behavior).toBe('deny')
    expect((out as { message: string }).message).toContain(`approval id ${none.sink.records[0]!.approvalId}`)
    expect(none.sink.records.map(r => r.decision)).toEqual(['review'])
    const bad = await none.can('mcp__app__send_email', 'not an object' as never, 'toolu_bad')
    expect(bad.behavior).toBe('deny')
    expect(none.sink.records.at(-1)).toMatchObject({ decision: 'deny', tool: 'send_email' })
  })

  it('an output that cannot be read is withheld from the model, with a record', async () => {
    const { sink, post } = await setup({}, 'agent-session')
    const output = [{ type: 'text', get text(): string { throw new Error('hostile output') } }]
    const out = await post('mcp__app__fetch_url', { url: 'https://x.invalid/' }, output)
    const replaced = (out as { hookSpecificOutput?: { updatedMCPToolOutput?: { text: string }[] } }).hookSpecificOutput?.updatedMCPToolOutput
    expect(replaced?.[0]?.text).toMatch(/^Tool result withheld by policy/)
    expect(sink.records.at(-1)).toMatchObject({ on: 'result', result: 'deny', tool: 'fetch_url' })
  })

  it('a built-in tool\'s redacted output replaces it only in the tool\'s own shape; otherwise the run stops', async () => {
    const policy = (await compileModule(`
version: "1.0"
name: claude-shapes
default: allow
unknown_tools: deny
tools:
  Read: { description: Claude Code's file reader }
  Grep: { description: Claude Code's search }
rules:
  - { id: hide-content, on: result, tool: Read, redact: [file.content] }
  - { id: hide-file, on: result, tool: Grep, redact: [file] }
`, 'claude-shapes.policy.yaml')).module
    const sink = createMemorySink()
    const v = vetocClaudeOptions(createGuard(policy, { sink }))
    const post = (tool_name: string, tool_response: unknown) => v.hooks.PostToolUse[0]!.hooks[0]!({ hook_event_name: 'PostToolUse', session_id: 's', transcript_path: '', cwd: '/', tool_name, tool_input: { file_path: '/x' }, tool_response, tool_use_id: 't' } as never, 't', { signal: new AbortController().signal })
    const output = { type: 'text', file: { filePath: '/x', content: 'password=hunter2hunter2', numLines: 1 } }
    const same = await post('Read', output) as { continue?: boolean; hookSpecificOutput?: { updatedToolOutput?: unknown } }
    expect(same.continue).toBeUndefined()
    expect(same.hookSpecificOutput?.updatedToolOutput).toEqual({ type: 'text', file: { filePath: '/x', content: '[REDACTED]', numLines: 1 } })
    // the whole `file` object becomes a string: Claude Code would drop that and send the original
    const changed = await post('Grep', output) as { continue?: boolean; stopReason?: string }
    expect(changed.continue).toBe(false)
    expect(changed.stopReason).toMatch(/^Tool result withheld by policy: .*does not keep the tool's output shape/)
    expect(sink.records.map(r => [r.tool, r.result, r.rule])).toEqual([['Read', 'redact', 'hide-content'], ['Grep', 'redact', 'hide-file']])
  })
})
