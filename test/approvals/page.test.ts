/**
 * The approval page and webhook endpoint over real HTTP on loopback: sign-in, CSRF, Host, body
 * bounds, signed webhook answers (forged, stale, replayed), and a review waiting until it is
 * answered there.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGuard } from '../../src/guard.js'
import { createMemoryPendingStore, createWebhookChannel, signBody, startApprovalServer, type ApprovalServer, type PendingApproval } from '../../src/approvals/index.js'
import { createMemorySink } from '../../src/records/index.js'
import { compileModule } from '../support/compiled.js'

const POLICY = `
tools:
  delete_file:
    parameters: { type: object, properties: { path: { type: string } }, required: [path] }
rules:
  - { id: review-deletes, tool: delete_file, action: review, message: deleting needs approval }
`
const SECRET = 's'.repeat(40)
const open: ApprovalServer[] = []
afterEach(async () => {
  for (const s of open.splice(0)) await s.close()
})

async function setup(extra: Record<string, unknown> = {}) {
  const pending = createMemoryPendingStore()
  const server = await startApprovalServer({ pending, reviewers: { ana: 'ana-token-0123456789' }, webhookSecret: SECRET, ...extra })
  open.push(server)
  const { module } = await compileModule(POLICY)
  const sink = createMemorySink()
  const guard = createGuard(module, { pending, sink, approvalChannels: [server.page.channel], approvalTimeoutMs: 10_000 })
  return { pending, server, guard, sink }
}

async function signIn(server: ApprovalServer): Promise<{ cookie: string; csrf: string }> {
  const login = await fetch(server.loginUrls['ana']!, { redirect: 'manual' })
  expect(login.status).toBe(303)
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!
  expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/)
  const page = await (await fetch(server.url, { headers: { cookie } })).text()
  const csrf = /name="vetoc-csrf" content="([^"]+)"/.exec(page)![1]!
  return { cookie, csrf }
}

async function waitFor<T>(f: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await f()
    if (v !== undefined) return v
    await new Promise(r => setTimeout(r, 10))
  }
  throw new Error('timed out')
}

describe('approval page', () => {
  it('a review waits until a signed-in reviewer answers it; the record names the reviewer and the page', async () => {
    const { pending, server, guard, sink } = await setup()
    const call = guard('delete_file', { path: '/srv/a' })
    const p = await waitFor(async () => (await pending.list(Date.now()))[0])
    const { cookie, csrf } = await signIn(server)
    const listed = (await (await fetch(`${server.url}api/pending`, { headers: { cookie } })).json()) as PendingApproval[]
    expect(listed.map(l => l.approvalId)).toEqual([p.approvalId])
    const r = await fetch(`${server.url}api/answer`, { method: 'POST', headers: { cookie, 'x-vetoc-csrf': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ approvalId: p.approvalId, approved: true, argsDigest: p.binding.argsDigest }) })
    expect(r.status).toBe(200)
    expect(await call).toMatchObject({ decision: 'allow', resolvedBy: 'ana', channel: 'page' })
    expect(sink.records[0]).toMatchObject({ decision: 'allow', resolvedBy: 'ana', channel: 'page', approvalId: p.approvalId })
    // a second answer is refused
    const again = await fetch(`${server.url}api/answer`, { method: 'POST', headers: { cookie, 'x-vetoc-csrf': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ approvalId: p.approvalId, approved: false }) })
    expect(again.status).toBe(409)
  })

  it('refuses: no sign-in, a wrong token, a missing or wrong CSRF token, a form post, another Host, an oversized body', async () => {
    const { pending, server, guard } = await setup()
    void guard('delete_file', { path: '/srv/a' })
    const p = await waitFor(async () => (await pending.list(Date.now()))[0])
    const body = JSON.stringify({ approvalId: p.approvalId, approved: true })
    expect((await fetch(`${server.url}api/pending`)).status).toBe(401)
    expect((await fetch(server.url)).status).toBe(401)
    expect((await fetch(`${server.url}login?token=wrong-token-0123456789`, { redirect: 'manual' })).status).toBe(401)
    const { cookie, csrf } = await signIn(server)
    expect((await fetch(`${server.url}api/answer`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body })).status).toBe(403)
    expect((await fetch(`${server.url}api/answer`, { method: 'POST', headers: { cookie, 'x-vetoc-csrf': `${csrf}x`, 'content-type': 'application/json' }, body })).status).toBe(403)
    expect((await fetch(`${server.url}api/answer`, { method: 'POST', headers: { cookie, 'x-vetoc-csrf': csrf, 'content-type': 'application/x-www-form-urlencoded' }, body: 'approvalId=x' })).status).toBe(415)
    const rebound = await rawRequest(server, { path: '/vetoc/api/pending', headers: { host: 'evil.example:80', cookie } })
    expect(rebound.status).toBe(421)
    const big = await fetch(`${server.url}api/answer`, { method: 'POST', headers: { cookie, 'x-vetoc-csrf': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(100_000) }) })
    expect(big.status).toBe(413)
    // still waiting: none of the refused requests answered it
    expect((await pending.list(Date.now())).map(x => x.approvalId)).toEqual([p.approvalId])
    expect(server.server.address()).toMatchObject({ address: '127.0.0.1' })
  })

  it('an edit that still holds a redacted value is refused; an edit the policy accepts runs with the edited arguments', async () => {
    const { pending, server, guard } = await setup()
    const call = guard('delete_file', { path: '/srv/a' })
    const p = await waitFor(async () => (await pending.list(Date.now()))[0])
    const { cookie, csrf } = await signIn(server)
    const post = (b: unknown) => fetch(`${server.url}api/answer`, { method: 'POST', headers: { cookie, 'x-vetoc-csrf': csrf, 'content-type': 'application/json' }, body: JSON.stringify(b) })
    expect((await post({ approvalId: p.approvalId, approved: true, args: { path: '[REDACTED]' } })).status).toBe(400)
    expect((await post({ approvalId: p.approvalId, approved: true, args: { path: '/srv/a.old' } })).status).toBe(200)
    expect(await call).toMatchObject({ decision: 'allow', editedArgs: { path: '/srv/a.old' }, resolvedBy: 'ana' })
  })
})

describe('signed webhook channel', () => {
  it('POSTs each pending review signed; a signed answer resolves it; forged, stale and replayed answers are refused', async () => {
    const received: { body: string; sig: string }[] = []
    const hook = createServer((req: IncomingMessage, res) => {
      let body = ''
      req.on('data', c => { body += c })
      req.on('end', () => {
        received.push({ body, sig: String(req.headers['x-vetoc-signature']) })
        res.end('ok')
      })
    })
    await new Promise<void>(r => hook.listen(0, '127.0.0.1', () => r()))
    try {
      const pending = createMemoryPendingStore()
      const server = await startApprovalServer({ pending, webhookSecret: SECRET })
      open.push(server)
      const { module } = await compileModule(POLICY)
      const channel = createWebhookChannel({ url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`, secret: SECRET, answerUrl: `${server.url}webhook` })
      const guard = createGuard(module, { pending, approvalChannels: [channel], approvalTimeoutMs: 10_000 })
      const call = guard('delete_file', { path: '/srv/w' })
      const msg = await waitFor(() => received[0])
      // the message is signed over its exact body
      const sent = JSON.parse(msg.body) as { pending: PendingApproval; answerUrl: string }
      const at = Number(/^t=(\d+),/.exec(msg.sig)![1])
      expect(signBody(SECRET, msg.body, at)).toBe(msg.sig)
      const answer = JSON.stringify({ approvalId: sent.pending.approvalId, approved: true, by: 'slack:ana', argsDigest: sent.pending.binding.argsDigest })
      const postAnswer = (body: string, sig: string | undefined) => fetch(sent.answerUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(sig ? { 'x-vetoc-signature': sig } : {}) }, body })
      expect((await postAnswer(answer, undefined)).status).toBe(401)
      expect((await postAnswer(answer, signBody('x'.repeat(40), answer, Date.now()))).status).toBe(401)
      expect((await postAnswer(answer, signBody(SECRET, answer.replace('slack:ana', 'slack:eve'), Date.now()))).status).toBe(401)
      expect((await postAnswer(answer, signBody(SECRET, answer, Date.now() - 3_600_000))).status).toBe(401)
      const good = signBody(SECRET, answer, Date.now())
      expect((await postAnswer(answer, good)).status).toBe(200)
      expect(await call).toMatchObject({ decision: 'allow', resolvedBy: 'slack:ana', channel: 'webhook' })
      expect((await postAnswer(answer, good)).status).toBe(409)
    } finally {
      hook.close()
    }
  })
})

function rawRequest(server: ApprovalServer, o: { path: string; headers: Record<string, string> }): Promise<{ status: number }> {
  const { port } = server.server.address() as AddressInfo
  return new Promise((resolve, reject) => {
    import('node:http').then(http => {
      const req = http.request({ host: '127.0.0.1', port, path: o.path, headers: o.headers }, res => {
        res.resume()
        resolve({ status: res.statusCode ?? 0 })
      })
      req.on('error', reject)
      req.end()
    }, reject)
  })
}
