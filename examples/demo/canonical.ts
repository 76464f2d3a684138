/**
 * The demo's workspace agent (policies/workspace.policy.yaml): a tool hidden from the model's list
 * (`visibleToolList`), a hidden tool called anyway, and path and shell tricks that only `normalize:`
 * catches. The same policy compiled without its `normalize:` lines shows what would have got through.
 */
import OpenAI from 'openai'
import type { Guard, GuardDecision } from '../../src/guard.js'
import { visibleToolList } from '../../src/adapters/common.js'
import { runToolCalls } from '../../src/adapters/openai.js'
import type { CompiledPolicy } from '../../src/types.js'
import type { ProviderServer } from './provider-server.js'

export interface DemoParts {
  server: ProviderServer
  guard: Guard
  compiled: CompiledPolicy
  /** the same policy compiled without `normalize:` */
  raw: CompiledPolicy
  show: (policy: string, tool: string, args: unknown, d: GuardDecision) => void
  dim: (s: string) => string
}

const TOOLS = [
  { type: 'function' as const, function: { name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } } },
  { type: 'function' as const, function: { name: 'run_shell', description: 'Run a command', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } } },
  { type: 'function' as const, function: { name: 'drop_database', description: 'Drop the database', parameters: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } },
]

export async function workspaceAgent({ server, guard, compiled, raw, show, dim }: DemoParts): Promise<void> {
  const context = { role: 'developer' }
  const handlers = {
    read_file: ({ path }: { path: string }) => `contents of ${path}`,
    run_shell: ({ cmd }: { cmd: string }) => `ran: ${cmd}`,
    drop_database: ({ name }: { name: string }) => `dropped ${name}`,
  }
  const turns = [
    [
      { id: 'w1', name: 'read_file', args: { path: '/srv/workspace/README.md' } },
      { id: 'w2', name: 'read_file', args: { path: '/srv/workspace/../../etc/passwd' } },
      { id: 'w3', name: 'run_shell', args: { cmd: "bash -c 'rm -fr /srv/workspace'" } },
      { id: 'w4', name: 'run_shell', args: { cmd: 'ls -la /srv/workspace' } },
    ],
    [{ id: 'w5', name: 'drop_database', args: { name: 'prod' } }],
  ]
  for (const t of turns) server.script('openai', t)
  server.script('openai', [])
  const client = new OpenAI({ apiKey: 'demo-key', baseURL: server.url, maxRetries: 0 })
  // only the tools a developer could use are sent: drop_database is hidden from the model
  const tools = visibleToolList(guard, TOOLS, context)
  console.log(`\nworkspace agent (openai → local provider) on workspace.policy.yaml, as a ${context.role}`)
  const messages: any[] = [{ role: 'user', content: 'Tidy up the workspace.' }]
  for (let turn = 0; turn < 4; turn++) {
    const completion = await client.chat.completions.create({ model: 'gpt-4.1-mini', messages, tools })
    if (turn === 0) {
      const received = (server.requests.at(-1)!.body as { tools: { function: { name: string } }[] }).tools.map(t => t.function.name)
      console.log(`  the model received the tools: ${received.join(', ')} ${dim(`(drop_database hidden from a developer; an admin gets ${guard.visibleTools({ role: 'admin' }).join(', ')})`)}`)
    }
    const message = completion.choices[0]!.message
    messages.push(message)
    if (!message.tool_calls?.length) {
      console.log(`  model: ${message.content}`)
      break
    }
    const { messages: replies, outcomes } = await runToolCalls(guard, message.tool_calls, handlers, { context })
    for (const o of outcomes) {
      const call = message.tool_calls.find(c => c.id === o.id)!
      const args = JSON.parse(call.type === 'function' ? call.function.arguments : '{}') as Record<string, unknown>
      show('workspace', o.tool, args, o.decision)
      if (o.tool === 'drop_database') console.log(`         ${dim('a hidden tool, called anyway: still guarded, and denied')}`)
      const without = raw.evaluate(o.tool, args, context).decision
      if (without !== o.decision.decision) {
        const canonical = compiled.canonicalArgs!(o.tool, args) as Record<string, unknown>
        console.log(`         ${dim(`caught only because of normalize: rules read ${JSON.stringify(Object.values(canonical)[0])}; without normalize the same rules say ${without}`)}`)
      }
    }
    messages.push(...replies)
  }
}
