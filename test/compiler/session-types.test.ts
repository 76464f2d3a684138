/** The emitted `.d.ts` types `evaluateResult`, the `session` option and `policy.adds` for the application's own code. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'

const TSC = resolve('node_modules/.bin/tsc')

describe('types of sessions and results', () => {
  it('tsc accepts the documented calls and rejects wrong sessions, tools and fields', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vetoc-session-types-'))
    const out = compile(readFileSync('policies/agent-session.policy.yaml', 'utf8'), { filename: 'agent-session.policy.yaml' })
    writeFileSync(join(dir, 'agent.js'), out.code)
    writeFileSync(join(dir, 'agent.d.ts'), out.types)
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: false }, files: ['app.ts'] }))
    const check = (lines: string[]): { status: number | null; errors: string[] } => {
      writeFileSync(join(dir, 'app.ts'), ["import { evaluate, evaluateResult, policy } from './agent.js'", ...lines, ''].join('\n'))
      const r = spawnSync(TSC, ['-p', dir], { encoding: 'utf8' })
      return { status: r.status, errors: r.stdout.trim().split('\n').filter(l => /error TS\d+/.test(l)).map(l => l.replace(/^.*app\.ts\((\d+),\d+\): error (TS\d+).*$/, '$1 $2')) }
    }
    const good = check([
      "const d = evaluate('send_email', { to: 'a', body: 'b' }, {}, { session: { id: 'c1', labels: ['secret'] } })",
      "const r = evaluateResult('read_vault', { key: 'k' }, { key: 'k', value: 'v' }, {}, { session: { labels: [] } })",
      "const a: 'pass' | 'redact' | 'deny' = r.action",
      'const labels: readonly string[] = policy.adds.read_vault ?? []',
      'console.log(d.decision, a, r.adds, r.redactWith, labels)',
    ])
    expect(good).toEqual({ status: 0, errors: [] })
    const bad = check([
      "evaluate('send_email', { to: 'a', body: 'b' }, {}, { session: { labels: [1] } })",
      "evaluateResult('read_vaullt', { key: 'k' }, 'v')",
      "evaluateResult('read_vault', { key: 'k' }, 'v').action === 'allow'",
    ])
    expect(bad.status).not.toBe(0)
    expect(bad.errors.map(e => e.split(' ')[0])).toEqual(['2', '3', '4'])
  }, 120_000)
})
