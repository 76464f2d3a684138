/**
 * `npm run demo` as a user sees it: all three decisions appear, and each review is shown when it is
 * asked for (REVIEW with its approval id), then who answered, then the call's final decision under
 * the same id.
 */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

describe('npm run demo', () => {
  it('prints ALLOW, DENY and REVIEW lines; each review is followed by its answer and its outcome', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/demo/run.ts'], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const lines = r.stdout.split('\n')
    for (const d of ['ALLOW ', 'DENY  ', 'REVIEW']) expect(lines.some(l => l.includes(`] ${d} `)), d).toBe(true)
    const reviews = lines.flatMap((l, i) => {
      const m = /^\[gemini-safety\] REVIEW delete_file (\{.*?\}) .*\(approval ([0-9a-f-]{36})\)$/.exec(l)
      return m ? [{ i, args: m[1]!, id: m[2]! }] : []
    })
    expect(reviews.map(r => JSON.parse(r.args).path)).toEqual(['/var/log/app/old.log', '/home/ana/thesis.tex'])
    for (const [k, how] of [[0, 'approve'], [1, 'denie']] as const) {
      const { i, id, args } = reviews[k]!
      expect(lines[i + 1]).toMatch(new RegExp(`↳ approval ${id}: ops@approved\\.example\\.com ${how}s$`))
      const outcome = lines.findIndex(l => l.includes(`(approval ${id})`) && !l.includes('REVIEW'))
      expect(outcome).toBeGreaterThan(i + 1)
      expect(lines[outcome]).toContain(`${how === 'approve' ? 'ALLOW ' : 'DENY  '} delete_file ${args}`)
      expect(lines[outcome]).toContain(`(${how === 'approve' ? 'approved' : 'denied'} by ops@approved.example.com)`)
    }
    expect(r.stdout).toMatch(/decisions\.jsonl: \d+ records, hash chain verified/)
  })
})
