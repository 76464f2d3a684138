/**
 * The vite dev loop through a real, listening dev server (HTTP on an ephemeral port, HMR on the
 * same server): what the error overlay receives for a broken policy, and what an edit sends to the
 * browser. The payloads are read where vite hands them to the client channel
 * (`server.environments.client.hot.send`), so they are exactly what the overlay and the HMR client
 * get.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createServer, type HotPayload, type ViteDevServer } from 'vite'
import { afterEach, describe, expect, it } from 'vitest'
import vetocVite from '../../plugin/vite.js'

const LIVE = 'tools:\n  t:\n    parameters: { type: object, properties: { n: { type: number } } }\nrules:\n  - id: r\n    tool: t\n    action: deny\n    when: "args.n > 10"\n'
const OTHER = 'tools:\n  u:\n    parameters: { type: object }\nrules: []\n'
// two errors: `r` has no `action` (line 4), and the misspelled key (line 6)
const BROKEN = 'tools:\n  t:\n    parameters: { type: object }\nrules:\n  - id: r\n    tool: t\n    actoin: deny\n'

/** vite's overlay shows `err.frame` only if it matches this (packages/vite/src/client/overlay.ts `codeframeRE`) */
const codeframeRE = /^(?:>?\s*\d+\s+\|.*|\s+\|\s*\^.*)\r?\n/gm

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A temp app and a dev server listening on it; `sent` collects every payload for the browser. */
async function serve(files: Record<string, string>): Promise<{ dir: string; server: ViteDevServer; base: string; sent: HotPayload[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'vetoc-vite-dev-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  const server = await createServer({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    plugins: [vetocVite()],
    server: { host: '127.0.0.1', port: 0 },
    optimizeDeps: { noDiscovery: true, include: [] },
  })
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => server.close())
  await server.listen()
  const base = server.resolvedUrls!.local[0]!
  const sent: HotPayload[] = []
  const hot = server.environments.client.hot
  const send = hot.send.bind(hot) as (payload: HotPayload) => void
  hot.send = ((payload: HotPayload) => {
    sent.push(payload)
    send(payload)
  }) as typeof hot.send
  return { dir, server, base, sent }
}

/** What the browser fetches for `import … from './x.policy.yaml'` (vite adds `?import` to non-JS imports). */
async function get(base: string, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(new URL(path, base))
  return { status: res.status, text: await res.text() }
}

/** Runs served policy code in Node: it imports nothing, so it runs from any file. */
async function importServed(dir: string, code: string): Promise<{ evaluate: (tool: string, args: unknown) => { decision: string } }> {
  const file = join(dir, `served-${Math.random().toString(36).slice(2)}.mjs`)
  writeFileSync(file, code)
  return (await import(pathToFileURL(file).href)) as never
}

async function waitFor<T>(what: string, get: () => T | undefined, ms = 5000): Promise<T> {
  for (const start = Date.now(); Date.now() - start < ms;) {
    const v = get()
    if (v !== undefined) return v
    await new Promise(r => setTimeout(r, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe('vite dev server: error overlay', () => {
  it('a broken policy reaches the overlay with the YAML file, line, column and a code frame', async () => {
    const { dir, base, sent } = await serve({ 'bad.policy.yaml': BROKEN })
    const file = join(dir, 'bad.policy.yaml')
    const res = await get(base, '/bad.policy.yaml?import')
    expect(res.status).toBe(500)
    const payload = await waitFor('the error payload', () => sent.find(p => p.type === 'error'))
    const err = (payload as Extract<HotPayload, { type: 'error' }>).err as { message: string; frame: string; plugin: string; id: string; loc: { file: string; line: number; column: number } }
    expect(err.plugin).toBe('vetoc')
    // the message lists every error, each with its position (column 1-based) and code frame
    expect(err.message).toContain(`${file}:5:9: error: rule \`r\` has no \`action\``)
    expect(err.message).toContain(`${file}:7:5: error: unknown key \`actoin\` in rule \`r\``)
    expect(err.message).toContain('7 |     actoin: deny\n  |     ^^^^^^\n  = help: did you mean `action`?')
    // loc is the first error, in the host's convention (line 1-based, column 0-based); the overlay
    // prints `${loc.file}:${loc.line}:${loc.column}` as a link that opens the editor there
    expect(err.loc).toEqual({ file, line: 5, column: 8 })
    expect(err.id).toBe(file)
    // vite builds the frame from `loc` and the YAML text (the plugin need not), and the overlay
    // shows it because it looks like a code frame
    codeframeRE.lastIndex = 0
    expect(codeframeRE.test(err.frame)).toBe(true)
    const frame = err.frame.split('\n')
    const at = frame.findIndex(l => /^5\s+\|/.test(l))
    expect(frame[at]).toMatch(/^5\s+\|\s+- id: r$/)
    // the caret sits under column 8 of line 5 (`r`)
    expect(frame[at + 1]!.indexOf('^') - frame[at]!.indexOf('- id: r')).toBe(6)
  })
})

describe('vite dev server: HMR', () => {
  const MAIN_ACCEPTS = [
    "import { evaluate } from './live.policy.yaml'",
    "import * as other from './other.policy.yaml'",
    "console.log(evaluate('t', { n: 5 }).decision, other.policy.name)",
    "if (import.meta.hot) import.meta.hot.accept('./live.policy.yaml', mod => console.log(mod.evaluate('t', { n: 5 }).decision))",
    '',
  ].join('\n')

  it('an edit hot-updates the importer that accepts the policy: no full reload, only that policy recompiles', async () => {
    const { dir, server, base, sent } = await serve({ 'live.policy.yaml': LIVE, 'other.policy.yaml': OTHER, 'main.js': MAIN_ACCEPTS })
    const graph = server.environments.client.moduleGraph
    // what the browser does on load: the entry, then its imports
    const main = await get(base, '/main.js')
    expect(main.status).toBe(200)
    expect(main.text).toContain('/live.policy.yaml?import')
    const before = await get(base, '/live.policy.yaml?import')
    expect(before.status).toBe(200)
    expect(before.text).not.toContain('import.meta.hot') // the policy module stays self-contained
    expect((await importServed(dir, before.text)).evaluate('t', { n: 5 }).decision).toBe('allow')
    expect((await get(base, '/other.policy.yaml?import')).status).toBe(200)
    const live = graph.getModuleById(join(dir, 'live.policy.yaml'))!
    const other = graph.getModuleById(join(dir, 'other.policy.yaml'))!
    const mainModule = graph.getModuleById(join(dir, 'main.js'))!
    const otherResult = other.transformResult
    const mainResult = mainModule.transformResult
    expect(otherResult).not.toBeNull()
    expect(live.transformResult).not.toBeNull()
    sent.length = 0

    // a new decision and a new argument (so the .d.ts changes too)
    writeFileSync(join(dir, 'live.policy.yaml'), LIVE.replace('args.n > 10', 'args.n > 1').replace('n: { type: number }', 'n: { type: number }, note: { type: string }'))
    const update = await waitFor('the hot update', () => sent.find(p => p.type === 'update' || p.type === 'full-reload'))
    expect(update).toMatchObject({ type: 'update', updates: [{ type: 'js-update', path: '/main.js', acceptedPath: '/live.policy.yaml' }] })
    // the edited policy is invalidated; its sibling and the accepting importer keep their results
    expect(live.transformResult).toBeNull()
    expect(other.transformResult).toBe(otherResult)
    expect(mainModule.transformResult).toBe(mainResult)

    // the client re-imports the policy with a timestamp and gets the new decision
    const after = await get(base, `/live.policy.yaml?import&t=${(update as { updates: { timestamp: number }[] }).updates[0]!.timestamp}`)
    expect(after.status).toBe(200)
    expect((await importServed(dir, after.text)).evaluate('t', { n: 5 }).decision).toBe('deny')
    expect(other.transformResult).toBe(otherResult)
    // re-compiling rewrote the .d.ts next to the policy; the watcher sees it, and no reload follows
    expect(readFileSync(join(dir, 'live.policy.yaml.d.ts'), 'utf8')).toContain('note')
    await new Promise(r => setTimeout(r, 300))
    expect(sent.filter(p => p.type === 'full-reload')).toEqual([])
    expect(sent).toHaveLength(1)
  })

  it('with no importer accepting the policy, vite falls back to a full reload (its normal behaviour)', async () => {
    const { dir, base, sent } = await serve({ 'live.policy.yaml': LIVE, 'main.js': "import { evaluate } from './live.policy.yaml'\nconsole.log(evaluate('t', { n: 5 }).decision)\n" })
    expect((await get(base, '/main.js')).status).toBe(200)
    expect((await get(base, '/live.policy.yaml?import')).status).toBe(200)
    sent.length = 0
    writeFileSync(join(dir, 'live.policy.yaml'), readFileSync(join(dir, 'live.policy.yaml'), 'utf8').replace('args.n > 10', 'args.n > 1'))
    const payload = await waitFor('the reload', () => sent.find(p => p.type === 'update' || p.type === 'full-reload'))
    expect(payload.type).toBe('full-reload')
  })
})

describe('vite dev server: policy packs', () => {
  it('a policy extending the shipped SSRF pack denies the metadata address, and an edit to the pack hot-updates the policy', async () => {
    const pack = readFileSync('policies/packs/ssrf.policy.yaml', 'utf8')
    const app = 'extends: [./ssrf.policy.yaml]\ntools:\n  fetch_url:\n    parameters: { type: object, properties: { url: { type: string } }, required: [url] }\n'
    const main = [
      "import { evaluate } from './app.policy.yaml'",
      "console.log(evaluate('fetch_url', { url: 'http://169.254.169.254/' }).decision)",
      "if (import.meta.hot) import.meta.hot.accept('./app.policy.yaml', mod => console.log(mod.evaluate('fetch_url', { url: 'https://example.com/' }).decision))",
      '',
    ].join('\n')
    const { dir, server, base, sent } = await serve({ 'ssrf.policy.yaml': pack, 'app.policy.yaml': app, 'main.js': main })
    expect((await get(base, '/main.js')).status).toBe(200)
    const before = await get(base, '/app.policy.yaml?import')
    expect(before.status).toBe(200)
    const first = await importServed(dir, before.text)
    expect(first.evaluate('fetch_url', { url: 'http://169.254.169.254/latest/meta-data/' })).toMatchObject({ decision: 'deny', rule: 'ssrf-private-address' })
    expect(first.evaluate('fetch_url', { url: 'http://0x7f.1/' }).decision).toBe('deny')
    expect(first.evaluate('fetch_url', { url: 'https://api.stripe.com/v1/charges' }).decision).toBe('allow')
    expect(first.evaluate('fetch_url', { url: 'https://example.com/' }).decision).toBe('allow')
    // the pack is a dependency of the policy module in vite's graph
    const policyModule = server.environments.client.moduleGraph.getModuleById(join(dir, 'app.policy.yaml'))!
    expect(policyModule.transformResult).not.toBeNull()
    sent.length = 0

    // edit only the pack: a new rule
    writeFileSync(join(dir, 'ssrf.policy.yaml'), `${pack}  - id: no-example\n    tool: fetch_url\n    when: "url(args.url)?.hostname === 'example.com'"\n    action: deny\n`)
    const update = await waitFor('the hot update', () => sent.find(p => p.type === 'update' || p.type === 'full-reload'))
    expect(update).toMatchObject({ type: 'update', updates: [{ type: 'js-update', path: '/main.js', acceptedPath: '/app.policy.yaml' }] })
    expect(policyModule.transformResult).toBeNull()
    const after = await get(base, `/app.policy.yaml?import&t=${(update as { updates: { timestamp: number }[] }).updates[0]!.timestamp}`)
    expect(after.status).toBe(200)
    expect((await importServed(dir, after.text)).evaluate('fetch_url', { url: 'https://example.com/' })).toMatchObject({ decision: 'deny', rule: 'no-example' })

    // a broken pack reaches the overlay with the pack's own file and line
    sent.length = 0
    // vite's watcher (chokidar) drops a second change of one path within 50 ms of the last; the steps
    // above can finish inside that window, where no person saves twice
    await new Promise(r => setTimeout(r, 200))
    writeFileSync(join(dir, 'ssrf.policy.yaml'), pack.replace('  - id: ssrf-scheme', '  - id: ssrf-scheme\n    actoin: deny'))
    const again = await waitFor('the update after breaking the pack', () => sent.find(p => p.type === 'update' || p.type === 'full-reload'))
    const broken = await get(base, `/app.policy.yaml?import&t=${(again as { updates: { timestamp: number }[] }).updates[0]!.timestamp}`)
    expect(broken.status).toBe(500)
    const payload = await waitFor('the error payload', () => sent.find(p => p.type === 'error'))
    const err = (payload as Extract<HotPayload, { type: 'error' }>).err as { message: string; loc: { file: string; line: number } }
    expect(err.message).toContain(`${join(dir, 'ssrf.policy.yaml')}:`)
    expect(err.message).toContain('unknown key `actoin`')
    expect(err.loc.file).toBe(join(dir, 'ssrf.policy.yaml'))
  })

  it('a pack that does not exist yet is watched: creating it fixes the policy without a restart', async () => {
    const app = 'extends: [./later.policy.yaml]\ntools:\n  fetch_url:\n    parameters: { type: object, properties: { url: { type: string } }, required: [url] }\n'
    const main = "import { evaluate } from './app.policy.yaml'\nconsole.log(evaluate('fetch_url', { url: 'x' }).decision)\n"
    const { dir, base, sent } = await serve({ 'app.policy.yaml': app, 'main.js': main })
    expect((await get(base, '/main.js')).status).toBe(200)
    const missing = await get(base, '/app.policy.yaml?import')
    expect(missing.status).toBe(500)
    expect(missing.text).toContain('no policy file `./later.policy.yaml`')
    sent.length = 0
    writeFileSync(join(dir, 'later.policy.yaml'), 'rules:\n  - { id: no-fetch, tool: fetch_url, action: deny }\n')
    const update = await waitFor('the update after creating the pack', () => sent.find(p => p.type === 'update' || p.type === 'full-reload'))
    // the browser never loaded the failed policy, so vite itself would send nothing: the page reloads
    expect(update.type).toBe('full-reload')
    const fixed = await get(base, '/app.policy.yaml?import')
    expect(fixed.status).toBe(200)
    expect((await importServed(dir, fixed.text)).evaluate('fetch_url', { url: 'https://example.com/' })).toMatchObject({ decision: 'deny', rule: 'no-fetch' })
  })
})
