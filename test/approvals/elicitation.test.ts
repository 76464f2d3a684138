/**
 * Reviews answered by the connected MCP client through elicitation, with the real SDK client and
 * server over an in-memory transport: accept with `approve: true` runs the tool; decline, cancel
 * and accept without approval deny; a client without the capability gets the review handed back.
 */
import { describe, expect, it } from 'vitest'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { guardMcpServer } from '../../src/adapters/mcp.js'
import { createGuard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import { compileModule } from '../support/compiled.js'

const POLICY = `
tools:
  delete_file:
    parameters: { type: object, properties: { path: { type: string } }, required: [path] }
rules:
  - { id: review-deletes, tool: delete_file, action: review, message: deleting needs approval }
`

type Answer = { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> }

async function connect(answer: Answer | undefined) {
  const { module } = await compileModule(POLICY)
  const sink = createMemorySink()
  const guard = createGuard(module, { sink })
  const ran: string[] = []
  const server = new McpServer({ name: 'files', version: '1.0.0' })
  server.registerTool('delete_file', { inputSchema: { path: z.string() } }, async ({ path }) => {
    ran.push(path)
    return { content: [{ type: 'text' as const, text: `deleted ${path}` }] }
  })
  guardMcpServer(guard, server, { elicitApprovals: true })
  const asked: string[] = []
  const client = new Client({ name: 'agent', version: '1.0.0' }, answer ? { capabilities: { elicitation: { form: {} } } } : {})
  if (answer) {
    client.setRequestHandler(ElicitRequestSchema, async request => {
      asked.push(String(request.params.message))
      return answer
    })
  }
  const [a, b] = InMemoryTransport.createLinkedPair()
  await server.connect(a)
  await client.connect(b)
  return { client, server, sink, ran, asked }
}

describe('MCP elicitation answers reviews', () => {
  it.each<[string, Answer, boolean]>([
    ['accept with approve: true', { action: 'accept', content: { approve: true } }, true],
    ['accept with approve: false', { action: 'accept', content: { approve: false } }, false],
    ['decline', { action: 'decline' }, false],
    ['cancel', { action: 'cancel' }, false],
  ])('%s', async (_name, answer, runs) => {
    const { client, server, sink, ran, asked } = await connect(answer)
    try {
      const r = await client.callTool({ name: 'delete_file', arguments: { path: '/srv/a' } })
      expect(asked).toHaveLength(1)
      expect(asked[0]).toContain('delete_file')
      expect(asked[0]).toContain('/srv/a')
      expect(ran).toEqual(runs ? ['/srv/a'] : [])
      expect(Boolean(r.isError)).toBe(!runs)
      expect(sink.records[0]).toMatchObject({ decision: runs ? 'allow' : 'deny', resolvedBy: 'mcp-client', channel: 'elicitation' })
    } finally {
      await client.close()
      await server.close()
    }
  })

  it('a client without the elicitation capability is not asked: the review is handed back', async () => {
    const { client, server, sink, ran } = await connect(undefined)
    try {
      const r = await client.callTool({ name: 'delete_file', arguments: { path: '/srv/a' } })
      expect(ran).toEqual([])
      expect(r).toMatchObject({ isError: true, _meta: { 'vetoc/decision': 'review' } })
      expect(sink.records[0]).toMatchObject({ decision: 'review' })
    } finally {
      await client.close()
      await server.close()
    }
  })
})
