/**
 * Watch mode in real bundlers: esbuild (`context().watch()`), rollup (`watch`), webpack and rspack
 * (`compiler.watch`). Each watches a temp app built on a copy of groq-tools; editing the policy must
 * rebuild with the new decision, a broken edit must report the YAML location, and fixing it must
 * rebuild again (the watcher keeps the policy file after a failed build). The plugin adds no watch
 * files of its own: the module is the real YAML file (no virtual id), so each bundler watches it as
 * it watches any module. For esbuild that means a `file`-namespace path whose contents a plugin
 * returned; esbuild watches it although unplugin passes an empty `watchFiles`, which this proves.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { rspack } from '@rspack/core'
import * as esbuild from 'esbuild'
import { watch as rollupWatch } from 'rollup'
import webpack from 'webpack'
import { afterEach, describe, expect, it } from 'vitest'
import vetocEsbuild from '../../plugin/esbuild.js'
import vetocRollup from '../../plugin/rollup.js'
import vetocRspack from '../../plugin/rspack.js'
import vetocWebpack from '../../plugin/webpack.js'

const STRIPE = 'https://api.stripe.invalid/v1/charges'

/** A temp app: a copy of groq-tools and an entry that prints the decision for one Stripe call. */
function makeApp(): { dir: string; entry: string; policy: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vetoc-watch-'))
  const policy = join(dir, 'tools.policy.yaml')
  copyFileSync('policies/groq-tools.policy.yaml', policy)
  const entry = join(dir, 'main.js')
  writeFileSync(entry, `import { evaluate } from './tools.policy.yaml'\nconst d = evaluate('fetch_external_api', { url: ${JSON.stringify(STRIPE)} })\nconsole.log(JSON.stringify({ decision: d.decision, rule: d.rule ?? null }))\n`)
  return { dir, entry, policy }
}

const edit = (file: string, from: string, to: string): void => {
  const text = readFileSync(file, 'utf8')
  if (!text.includes(from)) throw new Error(`fixture drift: ${from} not in ${file}`)
  writeFileSync(file, text.replace(from, to))
}
/** Drops Stripe from the allowlist: the Stripe call becomes a deny from `api_domain_allowlist`. */
const dropStripe = (policy: string): void => edit(policy, '(stripe|twilio|', '(twilio|')
/** Adds a misspelled key under rule `api_domain_allowlist`; returns its 1-based line. */
function breakPolicy(policy: string): number {
  const lines = readFileSync(policy, 'utf8').split('\n')
  const at = lines.findIndex(l => l.includes('- id: api_domain_allowlist')) + 1
  lines.splice(at, 0, '    actoin: deny')
  writeFileSync(policy, lines.join('\n'))
  return at + 1
}

const run = (file: string): { decision: string; rule: string | null } => JSON.parse(execFileSync(process.execPath, [file], { encoding: 'utf8' })) as { decision: string; rule: string | null }

/**
 * Events from a watcher, awaited one at a time. `next` fails after `ms` so a watcher that never
 * notices an edit fails the test instead of hanging it.
 */
function queue<T>(): { push(v: T): void; next(ms?: number): Promise<T> } {
  const items: T[] = []
  const waiting: ((v: T) => void)[] = []
  return {
    push(v) {
      const w = waiting.shift()
      if (w) w(v)
      else items.push(v)
    },
    next(ms = 8000) {
      if (items.length > 0) return Promise.resolve(items.shift()!)
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no rebuild within ${ms} ms`)), ms)
        waiting.push(v => {
          clearTimeout(timer)
          resolve(v)
        })
      })
    },
  }
}

/** Lets the watcher settle after a build before the next edit (fs event and mtime granularity). */
const settle = (): Promise<void> => new Promise(r => setTimeout(r, 150))

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

type Outcome = { ok: true } | { ok: false; text: string }

/** A rollup watcher on `entry` (removed with `dir` after the test); each build's outcome, awaited in turn. */
function rollupBuilds(dir: string, entry: string, file: string): () => Promise<Outcome> {
  const builds = queue<Outcome>()
  const watcher = rollupWatch({ input: entry, plugins: [vetocRollup()], output: { file, format: 'es' }, onwarn: () => {}, watch: { buildDelay: 20 } })
  cleanups.push(() => watcher.close(), () => rmSync(dir, { recursive: true, force: true }))
  watcher.on('event', event => {
    if (event.code === 'BUNDLE_END') {
      void event.result.close()
      builds.push({ ok: true })
    }
    if (event.code === 'ERROR') {
      void event.result?.close()
      builds.push({ ok: false, text: event.error.message })
    }
  })
  return () => builds.next()
}

/**
 * One watch session: an edit gives the new decision; a broken edit gives the located error; the fix
 * builds again. A watcher may rebuild more than once for one edit (webpack and rspack sometimes do,
 * when the generated `.d.ts` appears next to the policy during the first build), so each step takes
 * builds until the expected one arrives; a watcher that misses the edit still times out.
 */
async function session(next: () => Promise<Outcome>, out: string, policy: string): Promise<void> {
  const until = async (want: 'built' | 'failed', check: (o: Outcome) => boolean): Promise<Outcome> => {
    for (;;) {
      const o = await next()
      if ((o.ok ? 'built' : 'failed') === want && check(o)) return o
    }
  }
  const decides = (decision: string) => () => run(out).decision === decision
  await until('built', decides('allow'))
  await settle()
  dropStripe(policy)
  await until('built', decides('deny'))
  expect(run(out)).toEqual({ decision: 'deny', rule: 'api_domain_allowlist' })
  await settle()
  const line = breakPolicy(policy)
  const broken = await until('failed', () => true)
  expect((broken as { text: string }).text).toContain(`tools.policy.yaml:${line}:5: error: unknown key \`actoin\` in rule \`api_domain_allowlist\``)
  await settle()
  // one write: drop the bad key and put Stripe back, so the fixed build must show a new decision
  writeFileSync(policy, readFileSync(policy, 'utf8').replace('    actoin: deny\n', '').replace('(twilio|', '(stripe|twilio|'))
  await until('built', decides('allow'))
}

describe('watch mode picks up policy edits', () => {
  it('esbuild: context().watch() rebuilds on a YAML edit, also after a failed build', async () => {
    const { dir, entry, policy } = makeApp()
    const outfile = join(dir, 'dist/main.mjs')
    const builds = queue<Outcome>()
    const ctx = await esbuild.context({
      entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'silent', metafile: true,
      plugins: [vetocEsbuild(), {
        name: 'report',
        setup(build) {
          build.onEnd(result => {
            if (result.errors.length === 0) return builds.push({ ok: true })
            // esbuild's own location, as its CLI would print it
            const e = result.errors[0]!
            builds.push({ ok: false, text: `${e.text}\n${e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}` : ''}` })
          })
        },
      }],
    })
    cleanups.push(() => ctx.dispose(), () => rmSync(dir, { recursive: true, force: true }))
    await ctx.watch()
    await session(() => builds.next(), outfile, policy)
  })

  it('esbuild: a broken policy reports the YAML position in `location` (what esbuild and editors print)', async () => {
    const { dir, entry, policy } = makeApp()
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const line = breakPolicy(policy)
    const withPlugin = await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'silent', plugins: [vetocEsbuild()] }).then(() => undefined, (e: esbuild.BuildFailure) => e)
    const error = withPlugin!.errors[0]!
    // esbuild prints the file relative to the working directory; line 1-based, column 0-based
    expect(resolve(error.location!.file)).toBe(policy)
    expect(error.location).toMatchObject({ line, column: 4 })
    // esbuild gets no lineText from unplugin; the code frame travels in the text
    expect(error.text).toContain(`${line} |     actoin: deny`)
    expect(error.pluginName).toBe('vetoc')
  })

  it('rollup: watch() rebuilds on a YAML edit, also after a failed build', async () => {
    const { dir, entry, policy } = makeApp()
    const file = join(dir, 'dist/main.mjs')
    await session(rollupBuilds(dir, entry, file), file, policy)
  })

  for (const name of ['webpack', 'rspack'] as const) {
    it(`${name}: compiler.watch() rebuilds on a YAML edit, also after a failed build`, async () => {
      const { dir, entry, policy } = makeApp()
      const path = join(dir, 'dist')
      const config = { mode: 'development' as const, devtool: false as const, target: 'node' as const, entry, output: { path, filename: 'main.cjs' }, externalsPresets: { node: true } }
      const builds = queue<Outcome>()
      type Stats = { hasErrors(): boolean; toJson(o: object): { errors?: { message: string }[] } }
      const callback = (err: Error | null | undefined, stats: Stats | undefined): void => {
        if (err) return builds.push({ ok: false, text: err.message })
        if (stats?.hasErrors()) return builds.push({ ok: false, text: stats.toJson({ all: false, errors: true }).errors!.map(e => e.message).join('\n') })
        builds.push({ ok: true })
      }
      const watching = name === 'webpack'
        ? webpack({ ...config, plugins: [vetocWebpack()] }).watch({ aggregateTimeout: 20 }, callback as never)
        : rspack({ ...config, plugins: [vetocRspack()] }).watch({ aggregateTimeout: 20 }, callback as never)
      expect(watching).toBeDefined()
      cleanups.push(() => new Promise<void>(r => watching!.close(() => r())), () => rmSync(dir, { recursive: true, force: true }))
      await session(() => builds.next(), join(path, 'main.cjs'), policy)
    })
  }
})

/**
 * A temp app whose policy extends a pack (`extends: [./pack.policy.yaml]`): the plugin hands the pack
 * to the bundler with `addWatchFile`, so an edit to the pack alone rebuilds the policy that extends it.
 */
function makePackApp(): { dir: string; entry: string; pack: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vetoc-watch-pack-'))
  writeFileSync(join(dir, 'app.policy.yaml'), 'extends: [./pack.policy.yaml]\ntools:\n  fetch_url:\n    parameters: { type: object, properties: { url: { type: string } }, required: [url] }\n')
  const pack = join(dir, 'pack.policy.yaml')
  writeFileSync(pack, 'rules:\n  - { id: no-evil, tool: fetch_url, when: "args.url == \'evil\'", action: deny }\n')
  const entry = join(dir, 'main.js')
  writeFileSync(entry, `import { evaluate } from './app.policy.yaml'\nconst d = evaluate('fetch_url', { url: ${JSON.stringify(STRIPE)} })\nconsole.log(JSON.stringify({ decision: d.decision, rule: d.rule ?? null }))\n`)
  return { dir, entry, pack }
}

async function packSession(next: () => Promise<Outcome>, out: string, pack: string): Promise<void> {
  const until = async (check: () => boolean): Promise<void> => {
    for (;;) if ((await next()).ok && check()) return
  }
  await until(() => run(out).decision === 'allow')
  await settle()
  writeFileSync(pack, 'rules:\n  - { id: no-fetch, tool: fetch_url, action: deny }\n')
  await until(() => run(out).decision === 'deny')
  expect(run(out)).toEqual({ decision: 'deny', rule: 'no-fetch' })
}

describe('watch mode picks up edits to an extended pack', () => {
  it('esbuild', async () => {
    const { dir, entry, pack } = makePackApp()
    const outfile = join(dir, 'dist/main.mjs')
    const builds = queue<Outcome>()
    const ctx = await esbuild.context({
      entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'silent',
      plugins: [vetocEsbuild(), { name: 'report', setup: build => build.onEnd(r => builds.push(r.errors.length === 0 ? { ok: true } : { ok: false, text: r.errors[0]!.text })) }],
    })
    cleanups.push(() => ctx.dispose(), () => rmSync(dir, { recursive: true, force: true }))
    await ctx.watch()
    await packSession(() => builds.next(), outfile, pack)
  })

  it('rollup', async () => {
    const { dir, entry, pack } = makePackApp()
    const file = join(dir, 'dist/main.mjs')
    await packSession(rollupBuilds(dir, entry, file), file, pack)
  })

  for (const name of ['webpack', 'rspack'] as const) {
    it(name, async () => {
      const { dir, entry, pack } = makePackApp()
      const path = join(dir, 'dist')
      const config = { mode: 'development' as const, devtool: false as const, target: 'node' as const, entry, output: { path, filename: 'main.cjs' }, externalsPresets: { node: true } }
      const builds = queue<Outcome>()
      const callback = (err: Error | null | undefined, stats: { hasErrors(): boolean } | undefined): void => builds.push(err || stats?.hasErrors() ? { ok: false, text: String(err) } : { ok: true })
      const watching = name === 'webpack'
        ? webpack({ ...config, plugins: [vetocWebpack()] }).watch({ aggregateTimeout: 20 }, callback as never)
        : rspack({ ...config, plugins: [vetocRspack()] }).watch({ aggregateTimeout: 20 }, callback as never)
      cleanups.push(() => new Promise<void>(r => watching!.close(() => r())), () => rmSync(dir, { recursive: true, force: true }))
      await packSession(() => builds.next(), join(path, 'main.cjs'), pack)
    })
  }
})
