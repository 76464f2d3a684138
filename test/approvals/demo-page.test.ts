/**
 * `npm run demo -- --approvals page`: the demo prints the approval page's sign-in URL and its reviews
 * wait until they are answered there. Runs the real demo script in a scratch folder.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { PendingApproval } from '../../src/approvals/index.js'

const ROOT = resolve(import.meta.dirname, '../..')

describe('npm run demo -- --approvals page', () => {
  it('prints the page URL; each review waits until it is answered on the page', async () => {
    // the demo reads policies/ and writes decisions.jsonl (git-ignored) in the project folder
    const cwd = ROOT
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo/run.ts', '--approvals', 'page'], { cwd })
    let out = ''
    child.stdout.on('data', c => { out += String(c) })
    child.stderr.on('data', c => { out += String(c) })
    const exited = new Promise<number | null>(r => child.on('exit', r))
    try {
      for (let i = 0; i < 3600 && !/sign in at (\S+)/.test(out); i++) await new Promise(r => setTimeout(r, 50))
      const login = /sign in at (\S+)/.exec(out)?.[1]
      expect(login, out).toBeDefined()
      const base = login!.replace(/login\?.*$/, '')
      const cookie = (await fetch(login!, { redirect: 'manual' })).headers.get('set-cookie')!.split(';')[0]!
      const csrf = /name="vetoc-csrf" content="([^"]+)"/.exec(await (await fetch(base, { headers: { cookie } })).text())![1]!
      const answered: string[] = []
      const deadline = Date.now() + 120_000
      while (answered.length < 2) {
        if (Date.now() > deadline) throw new Error(`the demo's reviews never reached the page:\n${out}`)
        const list = (await (await fetch(`${base}api/pending`, { headers: { cookie } })).json()) as PendingApproval[]
        for (const p of list) {
          const path = (p.args as { path: string }).path
          const approved = path.startsWith('/var/log/')
          const r = await fetch(`${base}api/answer`, { method: 'POST', headers: { cookie, 'x-vetoc-csrf': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ approvalId: p.approvalId, approved, argsDigest: p.binding.argsDigest }) })
          expect(r.status).toBe(200)
          answered.push(path)
        }
        // the reviews are waiting: the demo has not finished
        expect(out).not.toContain('hash chain verified')
        if (answered.length < 2) await new Promise(r => setTimeout(r, 50))
      }
      expect(await exited).toBe(0)
      expect(out).toMatch(/REVIEW delete_file .*waiting for an answer on the page/)
      expect(out).toContain('(approved by you) [require-approval-deletes]')
      expect(out).toContain('(denied by you) [require-approval-deletes]')
      const log = readFileSync(join(cwd, 'decisions.jsonl'), 'utf8').trim().split('\n').map(l => JSON.parse(l) as { resolvedBy?: string; channel?: string })
      expect(log.filter(r => r.channel === 'page').map(r => r.resolvedBy)).toEqual(['you', 'you'])
    } finally {
      child.kill()
    }
  }, 300_000)
})
