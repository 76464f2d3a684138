/**
 * `vetoc serve` as its own process over a real redis-server: a guard in this process raises a
 * review into the shared store, the served page lists it, and an answer given there lets the
 * waiting call through (any worker can answer a review another raised).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { createGuard } from '../../src/guard.js'
import { createRedisPendingStore, type PendingApproval } from '../../src/approvals/index.js'
import { compileModule } from '../support/compiled.js'
import { startRedis, type RedisProcess } from '../support/redis.js'

let redis: RedisProcess | undefined
let client: Redis | undefined
let serve: ChildProcess | undefined
beforeAll(async () => {
  try {
    redis = await startRedis()
  } catch (e) {
    if (process.env['CI'] === 'true') throw e
    console.warn(`skipping vetoc serve: ${(e as Error).message}`)
  }
})
afterAll(async () => {
  serve?.kill('SIGTERM')
  client?.disconnect()
  await redis?.stop()
})

describe('vetoc serve', () => {
  it('answers, from its own process, a review a guard elsewhere is waiting on', async (ctx) => {
    if (!redis) return ctx.skip()
    serve = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--redis', redis.url, '--prefix', 'servetest', '--reviewer', 'ana'])
    let out = ''
    serve.stdout!.on('data', c => { out += String(c) })
    serve.stderr!.on('data', c => { out += String(c) })
    for (let i = 0; i < 300 && !/sign in as ana: (\S+)/.test(out); i++) await new Promise(r => setTimeout(r, 50))
    const login = /sign in as ana: (\S+)/.exec(out)?.[1]
    expect(login, out).toBeDefined()
    const page = /vetoc approvals page: (\S+)/.exec(out)![1]!

    // patient timeouts: a loaded CI machine must not turn a slow answer into a fail-mode deny here
    client = new Redis(redis.url, { maxRetriesPerRequest: 1, commandTimeout: 5000 })
    const { module } = await compileModule('tools:\n  delete_file: { parameters: { type: object, properties: { path: { type: string } }, required: [path] } }\nrules:\n  - { id: review-deletes, tool: delete_file, action: review }\n')
    const guard = createGuard(module, { pending: createRedisPendingStore({ redis: client, prefix: 'servetest' }), waitForApproval: true, approvalPollMs: 25, approvalTimeoutMs: 20_000 })
    const call = guard('delete_file', { path: '/srv/fleet' })

    const signIn = await fetch(login!, { redirect: 'manual' })
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!
    const csrf = /name="vetoc-csrf" content="([^"]+)"/.exec(await (await fetch(page, { headers: { cookie } })).text())![1]!
    let listed: PendingApproval[] = []
    for (let i = 0; i < 200 && listed.length === 0; i++) {
      listed = (await (await fetch(`${page}api/pending`, { headers: { cookie } })).json()) as PendingApproval[]
      if (listed.length === 0) await new Promise(r => setTimeout(r, 25))
    }
    expect(listed.map(p => p.tool)).toEqual(['delete_file'])
    const r = await fetch(`${page}api/answer`, { method: 'POST', headers: { cookie, 'x-vetoc-csrf': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ approvalId: listed[0]!.approvalId, approved: true, argsDigest: listed[0]!.binding.argsDigest }) })
    expect(r.status).toBe(200)
    const d = await call
    expect(d, JSON.stringify(d)).toMatchObject({ decision: 'allow', resolvedBy: 'ana', channel: 'page', approvalId: listed[0]!.approvalId })
  }, 60_000)

  it('refuses to start without a shared store', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'])
    let err = ''
    child.stderr.on('data', c => { err += String(c) })
    const code = await new Promise(r => child.on('exit', r))
    expect(code).toBe(2)
    expect(err).toContain('serve needs --redis')
  }, 30_000)
})
