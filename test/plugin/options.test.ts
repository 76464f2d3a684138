/**
 * The plugin's options through real bundlers: `strict` (warnings fail the build), `env` (build-time
 * constants change the decision between two builds), `include` and `exclude` (which files the plugin
 * takes, with the filter both given to the host and re-checked in the handler). Each build's output
 * is run with Node.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as esbuild from 'esbuild'
import { rollup, type RollupLog } from 'rollup'
import webpack from 'webpack'
import { afterAll, describe, expect, it } from 'vitest'
import vetocEsbuild from '../../plugin/esbuild.js'
import vetocRollup from '../../plugin/rollup.js'
import vetocWebpack from '../../plugin/webpack.js'
import type { Options } from '../../plugin/index.js'
import { BUNDLERS, buildWith, type Bundler } from './bundlers.js'

const work = mkdtempSync(join(tmpdir(), 'vetoc-options-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** A temp app: `files` plus `main.js`, which prints `print` as JSON. */
function app(name: string, files: Record<string, string>, imports: string, print: string): string {
  const dir = join(work, name)
  mkdirSync(dir, { recursive: true })
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true })
    writeFileSync(join(dir, f), text)
  }
  writeFileSync(join(dir, 'main.js'), `${imports}\nconsole.log(JSON.stringify(${print}))\n`)
  return join(dir, 'main.js')
}

const run = (file: string): unknown => JSON.parse(execFileSync(process.execPath, [file], { encoding: 'utf8' }))
const failure = (p: Promise<unknown>): Promise<string> => p.then(
  () => { throw new Error('the build should fail') },
  (e: Error & { errors?: unknown }) => `${e.message}\n${JSON.stringify(e.errors ?? '')}`,
)

// `t` has no parameter schema: legal, but a warning (untyped-tool)
const UNTYPED = 'tools:\n  t: {}\nrules:\n  - id: big\n    tool: t\n    action: deny\n    when: "args.n > 10"\n'
const TYPED = 'tools:\n  t:\n    parameters: { type: object, properties: { n: { type: number } } }\n'
const PROD_ONLY = `${TYPED}rules:\n  - id: prod-only\n    tool: t\n    action: deny\n    when: "env.production && args.n > 10"\n`

describe('strict', () => {
  const entry = app('strict', { 'p.policy.yaml': UNTYPED }, "import { evaluate } from './p.policy.yaml'", "evaluate('t', { n: 50 }).decision")
  for (const bundler of BUNDLERS) {
    it(`${bundler}: a warning passes by default and fails the build under strict, labelled an error`, async () => {
      expect(run(await buildWith(bundler, entry, join(work, `strict-${bundler}-loose`), { dts: false }))).toBe('deny')
      const text = await failure(buildWith(bundler, entry, join(work, `strict-${bundler}`), { dts: false, strict: true }))
      expect(text).toContain('p.policy.yaml:2:3: error: tool `t` has no parameter schema: its arguments are neither type-checked nor validated (a warning, an error under `strict`)')
      expect(text).not.toContain('p.policy.yaml:2:3: warning:')
    })
  }

  it('without strict, the warning reaches the host with its location (rollup onwarn, esbuild warnings)', async () => {
    const logs: RollupLog[] = []
    const bundle = await rollup({ input: entry, plugins: [vetocRollup({ dts: false })], onwarn: w => { logs.push(w) } })
    await bundle.close()
    const w = logs.find(l => l.plugin === 'vetoc')!
    expect(w.message).toContain('p.policy.yaml:2:3: warning: tool `t` has no parameter schema')
    expect(w.loc).toMatchObject({ file: join(work, 'strict/p.policy.yaml'), line: 2, column: 2 })
    const result = await esbuild.build({ entryPoints: [entry], bundle: true, write: false, platform: 'node', format: 'esm', logLevel: 'silent', plugins: [vetocEsbuild({ dts: false })] })
    expect(result.warnings.map(m => [m.pluginName, m.location?.line, m.location?.column])).toEqual([['vetoc', 2, 2]])
    expect(result.warnings[0]!.text).toContain('warning: tool `t` has no parameter schema')
  })
})

describe('env', () => {
  const entry = app('env', { 'p.policy.yaml': PROD_ONLY }, "import { evaluate } from './p.policy.yaml'", "evaluate('t', { n: 50 }).decision")
  for (const bundler of ['vite', 'esbuild', 'rollup', 'webpack'] as Bundler[]) {
    it(`${bundler}: env.production is folded at build time: two builds, two decisions; no env, a located error`, async () => {
      expect(run(await buildWith(bundler, entry, join(work, `env-${bundler}-prod`), { dts: false, env: { production: true } }))).toBe('deny')
      expect(run(await buildWith(bundler, entry, join(work, `env-${bundler}-dev`), { dts: false, env: { production: false } }))).toBe('allow')
      const text = await failure(buildWith(bundler, entry, join(work, `env-${bundler}-none`), { dts: false }))
      expect(text).toContain('p.policy.yaml:8:16: error: unknown build-time constant `env.production`')
    })
  }
})

describe('include and exclude', () => {
  const GUARD = `${TYPED}rules:\n  - id: big\n    tool: t\n    action: deny\n    when: "args.n > 10"\n`
  const entry = app('include', { 'tools.guard.yml': GUARD }, "import { evaluate } from './tools.guard.yml'", "evaluate('t', { n: 50 }).decision")
  for (const bundler of ['vite', 'esbuild', 'rollup', 'rspack'] as Bundler[]) {
    it(`${bundler}: include picks files the default pattern does not`, async () => {
      const options: Options = { dts: false, include: /\.guard\.yml$/ }
      expect(run(await buildWith(bundler, entry, join(work, `include-${bundler}`), options))).toBe('deny')
      // by default `tools.guard.yml` is not a policy: the plugin leaves it and the host cannot load it
      const text = await failure(buildWith(bundler, entry, join(work, `include-${bundler}-default`), { dts: false }))
      expect(text).not.toMatch(/tools\.guard\.yml:\d+:\d+: (error|warning):/)
    })
  }

  // vendor/x.policy.yaml is excluded and must reach the next handler as YAML text
  const mixed = app('exclude', { 'own.policy.yaml': GUARD, 'vendor/x.policy.yaml': UNTYPED },
    "import { evaluate } from './own.policy.yaml'\nimport raw from './vendor/x.policy.yaml'",
    "[evaluate('t', { n: 50 }).decision, raw]")
  const options: Options = { dts: false, exclude: /[\\/]vendor[\\/]/ }

  it('rollup: an excluded file is left alone for the next plugin; the others are compiled', async () => {
    const rawText = { name: 'raw-text', transform: (code: string, id: string) => (id.includes('/vendor/') ? `export default ${JSON.stringify(code)}` : null) }
    const bundle = await rollup({ input: mixed, plugins: [vetocRollup(options), rawText], onwarn: () => {} })
    await bundle.write({ file: join(work, 'exclude-rollup/main.mjs'), format: 'es' })
    await bundle.close()
    expect(run(join(work, 'exclude-rollup/main.mjs'))).toEqual(['deny', UNTYPED])
  })

  it('webpack: an excluded file is left alone for an asset/source rule; the others are compiled', async () => {
    const path = join(work, 'exclude-webpack')
    await new Promise<void>((resolve, reject) => webpack({
      mode: 'production', target: 'node', entry: mixed, output: { path, filename: 'main.cjs' }, optimization: { minimize: false },
      module: { rules: [{ test: /[\\/]vendor[\\/].*\.yaml$/, type: 'asset/source' }] },
      plugins: [vetocWebpack(options)],
    }, (err, stats) => (err ? reject(err) : stats?.hasErrors() ? reject(new Error(stats.toString('errors-only'))) : resolve())))
    expect(run(join(path, 'main.cjs'))).toEqual(['deny', UNTYPED])
  })
})
