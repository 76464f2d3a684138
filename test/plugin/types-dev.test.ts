/**
 * Types reach the application (`tsc --noEmit` on fixtures that use the generated `.d.ts`), and the
 * vite dev server recompiles an edited policy without a restart.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createServer } from 'vite'
import { describe, expect, it } from 'vitest'
import vetocVite from '../../plugin/vite.js'
import { buildWith } from './bundlers.js'

const TSC = resolve('node_modules/.bin/tsc')

describe('generated types', () => {
  it('make tsc reject a wrong argument type, a missing argument and an unknown tool; the correct app passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vetoc-types-'))
    copyFileSync('policies/groq-tools.policy.yaml', join(dir, 'groq-tools.policy.yaml'))
    writeFileSync(join(dir, 'main.js'), "import * as p from './groq-tools.policy.yaml'\nconsole.log(p.policy.name)\n")
    await buildWith('esbuild', join(dir, 'main.js'), join(dir, 'dist'))
    expect(existsSync(join(dir, 'groq-tools.policy.yaml.d.ts'))).toBe(true)
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'preserve', moduleResolution: 'bundler', target: 'es2022', noEmit: true, skipLibCheck: false }, files: ['app.ts'] }))
    writeFileSync(join(dir, 'app.ts'), [
      "import { evaluate, policy, type Tools } from './groq-tools.policy.yaml'",
      "const ok = evaluate('send_sms', { to: '+1', body: 'hi' }, {}, { now: 0 })",
      "const d: 'allow' | 'review' | 'deny' = ok.decision",
      "const sms: Tools['send_sms'] = { to: 'a', body: 'b' }",
      "evaluate('fetch_external_api', { url: 'https://api.stripe.invalid/', api_key: undefined })",
      'console.log(d, sms, policy.digest)',
      '',
    ].join('\n'))
    const good = spawnSync(TSC, ['-p', dir], { encoding: 'utf8' })
    expect(good.stdout + good.stderr).toBe('')
    expect(good.status).toBe(0)
    writeFileSync(join(dir, 'app.ts'), [
      "import { evaluate } from './groq-tools.policy.yaml'",
      "evaluate('send_sms', { to: 1, body: 'hi' })",
      "evaluate('send_sms', { to: '+1' })",
      "evaluate('send_smss', { to: '+1', body: 'hi' })",
      '',
    ].join('\n'))
    const bad = spawnSync(TSC, ['-p', dir], { encoding: 'utf8' })
    expect(bad.status).not.toBe(0)
    const errors = bad.stdout.trim().split('\n').filter(l => /error TS\d+/.test(l))
    expect(errors.map(l => l.replace(/^.*app\.ts\((\d+),\d+\): error (TS\d+).*$/, '$1 $2'))).toEqual(['2 TS2322', '3 TS2741', '4 TS2345'])
  })

  it('the .d.ts is rewritten only when it changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vetoc-dts-'))
    copyFileSync('policies/gemini-safety.policy.yaml', join(dir, 'g.policy.yaml'))
    writeFileSync(join(dir, 'main.js'), "import * as p from './g.policy.yaml'\nconsole.log(p.policy.name)\n")
    await buildWith('rollup', join(dir, 'main.js'), join(dir, 'dist'))
    const first = statSync(join(dir, 'g.policy.yaml.d.ts')).mtimeMs
    await new Promise(r => setTimeout(r, 20))
    await buildWith('rollup', join(dir, 'main.js'), join(dir, 'dist'))
    expect(statSync(join(dir, 'g.policy.yaml.d.ts')).mtimeMs).toBe(first)
  })
})

describe('vite dev server', () => {
  it('serves the compiled policy and, after an edit, the new decision without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vetoc-dev-'))
    const file = join(dir, 'live.policy.yaml')
    writeFileSync(file, 'tools:\n  t: {}\nrules:\n  - id: r\n    tool: t\n    action: deny\n    when: "args.n > 10"\n')
    writeFileSync(join(dir, 'other.policy.yaml'), 'tools:\n  u: {}\nrules: []\n')
    const server = await createServer({ root: dir, configFile: false, logLevel: 'silent', plugins: [vetocVite({ dts: false })], server: { middlewareMode: true }, appType: 'custom' })
    try {
      const load = async () => (await server.ssrLoadModule('/live.policy.yaml')) as { evaluate: (t: string, a: unknown) => { decision: string } }
      expect((await load()).evaluate('t', { n: 5 }).decision).toBe('allow')
      await server.ssrLoadModule('/other.policy.yaml')
      const other = server.moduleGraph.getModuleById(join(dir, 'other.policy.yaml'))!
      const otherStamp = other.ssrTransformResult
      writeFileSync(file, readFileSync(file, 'utf8').replace('args.n > 10', 'args.n > 1'))
      let decision = 'allow'
      for (let i = 0; i < 100 && decision === 'allow'; i++) {
        await new Promise(r => setTimeout(r, 50))
        decision = (await load()).evaluate('t', { n: 5 }).decision
      }
      expect(decision).toBe('deny')
      // only the edited module was invalidated
      expect(server.moduleGraph.getModuleById(join(dir, 'other.policy.yaml'))!.ssrTransformResult).toBe(otherStamp)
      // a broken edit surfaces as an error with the YAML location, and the server keeps running.
      // Wait first: vite's chokidar drops a second `change` for the same path within 50 ms
      // (`_throttle(EV_CHANGE, path, 50)`, no trailing event), so a quick second write would be lost
      await new Promise(r => setTimeout(r, 150))
      writeFileSync(file, 'tools:\n  t: {}\nrules:\n  - id: r\n    tool: t\n    actoin: deny\n')
      let error: Error | undefined
      for (let i = 0; i < 100 && !error; i++) {
        await new Promise(r => setTimeout(r, 50))
        error = await load().then(() => undefined, (e: Error) => e)
      }
      expect(error?.message).toContain('live.policy.yaml:6:5: error: unknown key `actoin` in rule `r`')
      expect(error?.message).toContain('live.policy.yaml:4:9: error: rule `r` has no `action`')
      expect((error as { loc?: { line: number } }).loc?.line).toBe(4)
    } finally {
      await server.close()
    }
  })
})

