/**
 * The package as a user gets it. A clean copy of the sources is packed with `npm pack` (so `prepack`
 * builds dist/ from nothing), the tarball is checked (no `prepare`, maps that carry their sources,
 * LICENSE, links that resolve inside it), and installed with npm into two fresh apps: one next to the
 * current major of every supported SDK, one next to the previous majors. Each app then imports vetoc,
 * compiles a policy and guards a call; the first also follows the no-bundler TypeScript steps of
 * docs/cli.md as written (`vetoc compile --out src/generated`, `tsc` with nodenext and outDir,
 * `node dist/main.js`).
 *
 * npm resolves from the local cache first (`--prefer-offline`) and asks the registry only for what the
 * cache lacks.
 */
import { execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, normalize, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc')
const semver = createRequire(import.meta.url)('semver') as { satisfies(v: string, range: string): boolean; major(v: string): number }
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string>; scripts: Record<string, string>; files: string[] }

/** The SDK majors the peer ranges claim, by name, current first; each is installed into an app below. */
const MAJORS: Record<string, [current: string, previous: string]> = {
  openai: ['7', '6'],
  ai: ['7', '6'],
  '@google/genai': ['3', '2'],
  '@anthropic-ai/sdk': ['1', '1'],
  'groq-sdk': ['1', '1'],
  '@modelcontextprotocol/sdk': ['1', '1'],
  '@openai/agents': ['0', '0'],
  langchain: ['1', '1'],
  '@langchain/langgraph': ['1', '1'],
  '@mastra/core': ['1', '1'],
  '@anthropic-ai/claude-agent-sdk': ['0', '0'],
}

function run(cmd: string, args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    child.on('close', status => resolve({ status, stdout, stderr }))
  })
}

/**
 * npm's warnings, minus two kinds about other packages: EBADENGINE for a package (never vetoc) whose
 * own `engines` asks for a newer Node than this one, which is what the current openai, ai and
 * @google/genai majors do on Node 20, and npm's notice of dependencies with install scripts.
 */
function unexpectedWarnings(stderr: string): string[] {
  const blocks = stderr.replace(/npm warn EBADENGINE Unsupported engine \{[\s\S]*?npm warn EBADENGINE \}\n?/g, b => {
    const name = /package: '([^']+)@/.exec(b)?.[1]
    const required = /node: '([^']+)'/.exec(b)?.[1]
    const excused = name !== undefined && name !== 'vetoc' && required !== undefined && !semver.satisfies(process.versions.node, required)
    return excused ? '' : b
  })
  // npm 11 lists dependencies with install scripts (protobufjs under @google/genai, genai 2 itself);
  // vetoc has none, so it must never be in that list
  return blocks.split('\n').filter(l => /^npm (warn|error|WARN|ERR)/.test(l) && !(l.startsWith('npm warn install-scripts') && !/\bvetoc\b/.test(l)))
}

const APP_POLICY = `name: app
tools:
  send_sms:
    parameters:
      type: object
      properties: { to: { type: string }, body: { type: string } }
      required: [to, body]
rules:
  - id: no_links
    tool: send_sms
    when: 'args.body.match(/https?:\\/\\//i)'
    action: deny
    message: no links in SMS
`

const APP_MAIN = `import { createGuard, createMemorySink } from 'vetoc'
import { compile } from 'vetoc/compiler'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const out = compile(${JSON.stringify(APP_POLICY)}, { filename: 'app.policy.yaml' })
const file = join(mkdtempSync(join(tmpdir(), 'app-')), 'app.policy.mjs')
writeFileSync(file, out.code)
const policy = await import(pathToFileURL(file).href)
const sink = createMemorySink()
const guard = createGuard(policy, { sink })
const a = await guard('send_sms', { to: '+1', body: 'hello' })
const b = await guard('send_sms', { to: '+1', body: 'see https://x.invalid' })
console.log(JSON.stringify({ errors: out.diagnostics.length, decisions: [a.decision, b.decision, b.rule], records: sink.records.length }))
`

let tarball: string
let packedFiles: string[]
let work: string

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vetoc-pack-'))
  // a clean copy: no dist/, so the tarball's dist/ is what prepack builds
  const src = join(work, 'src-copy')
  mkdirSync(src)
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'compiler', 'plugin', 'src', ...pkg.files.filter(f => f !== 'dist').map(f => f.replace(/\/\*.*$/, ''))]) cpSync(join(ROOT, f), join(src, f), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'), 'dir')
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], src)
  expect(packed.status, packed.stderr).toBe(0)
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[]
  tarball = join(work, info[0]!.filename)
  packedFiles = info[0]!.files.map(f => f.path).sort()
  execFileSync('tar', ['xzf', tarball, '-C', work])
}, 300_000)

describe('the packed tarball', () => {
  it('has LICENSE, docs and the built entry points, and no sources, tests or build config', () => {
    for (const f of ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'docs/language.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli.js', 'dist/compiler/index.js', 'dist/plugin/vite.js']) expect(packedFiles).toContain(f)
    expect(packedFiles.filter(f => !/^(dist|docs|schemas)\//.test(f) && !['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json'].includes(f))).toEqual([])
    expect(packedFiles.filter(f => /^dist\/(test|bench|examples)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([])
    expect(readFileSync(join(work, 'package', 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} vetoc contributors\n/)
  })
  it('package.json: no prepare script (it could not run from the tarball), a build in prepack, an exports target for every entry', () => {
    const shipped = JSON.parse(readFileSync(join(work, 'package', 'package.json'), 'utf8')) as { scripts: Record<string, string>; exports: Record<string, string | Record<string, string>>; bin: Record<string, string>; license: string }
    expect(shipped.scripts['prepare']).toBeUndefined()
    expect(shipped.scripts['prepack']).toBe('npm run build')
    expect(shipped.license).toBe('MIT')
    for (const target of [...Object.values(shipped.exports).flatMap(e => (typeof e === 'string' ? [e] : Object.values(e))), ...Object.values(shipped.bin)]) expect(packedFiles, target).toContain(normalize(target))
    expect(readFileSync(join(work, 'package', shipped.bin['vetoc']!), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/)
  })
  it('every source map carries the text of its sources (the .ts files are not shipped)', () => {
    const maps = packedFiles.filter(f => f.endsWith('.js.map'))
    expect(maps.length).toBeGreaterThan(20)
    for (const m of maps) {
      const map = JSON.parse(readFileSync(join(work, 'package', m), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] }
      expect(map.sourcesContent?.length, m).toBe(map.sources.length)
      expect(map.sourcesContent!.every(c => typeof c === 'string' && c.length > 0), m).toBe(true)
    }
  })
  it('every relative link in the shipped README and docs resolves to a shipped file', () => {
    const broken: string[] = []
    for (const page of packedFiles.filter(f => f.endsWith('.md'))) {
      const md = readFileSync(join(work, 'package', page), 'utf8').replace(/^```[\s\S]*?^```$/gm, '')
      for (const [, href] of md.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(href!) || href!.startsWith('#')) continue
        const target = normalize(join(dirname(page), href!.split('#')[0]!))
        if (!packedFiles.includes(target)) broken.push(`${page}: ${href}`)
      }
    }
    expect(broken).toEqual([])
  })
})

describe('the peer ranges', () => {
  it('accept exactly the SDK majors the adapter tests run against', () => {
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual(Object.keys(MAJORS).sort())
    for (const [name, [current, previous]] of Object.entries(MAJORS)) {
      for (const major of new Set([current, previous])) expect(semver.satisfies(`${major}.999.0`, pkg.peerDependencies[name]!), `${name}@${major}`).toBe(true)
      expect(semver.satisfies(`${Number(current) + 1}.0.0`, pkg.peerDependencies[name]!), `${name}@${Number(current) + 1}`).toBe(false)
    }
    // the dev dependencies the adapter tests import are those majors
    const installed = (n: string): number => semver.major((JSON.parse(readFileSync(join(ROOT, 'node_modules', n, 'package.json'), 'utf8')) as { version: string }).version)
    expect([installed('openai'), installed('openai-v6'), installed('ai'), installed('ai-v6'), installed('@google/genai'), installed('genai-v2')]).toEqual([7, 6, 7, 6, 3, 2])
  })
})

for (const which of ['current', 'previous'] as const) {
  describe(`installed into a fresh app next to the ${which} SDK majors`, () => {
    let app: string
    let install: { status: number | null; stdout: string; stderr: string }
    beforeAll(async () => {
      app = join(work, `app-${which}`)
      mkdirSync(app)
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `app-${which}`, version: '1.0.0', private: true, type: 'module' }))
      const sdks = Object.entries(MAJORS).map(([name, majors]) => `${name}@${majors[which === 'current' ? 0 : 1]}`)
      install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...sdks], app)
    }, 600_000)

    it('installs with no errors and no peer or other warnings about vetoc (the SDKs\' own engine and install-script notices aside)', () => {
      expect(install.status, install.stderr).toBe(0)
      expect(unexpectedWarnings(install.stderr)).toEqual([])
      expect(install.stderr).not.toMatch(/ERESOLVE|peer dep|prepare/i)
      expect(install.stderr).not.toMatch(/\bvetoc\b/)
    })

    it('imports vetoc, compiles a policy and guards a call', async () => {
      writeFileSync(join(app, 'main.mjs'), APP_MAIN)
      const r = await run(process.execPath, ['main.mjs'], app)
      expect(r.stderr).toBe('')
      expect(JSON.parse(r.stdout)).toEqual({ errors: 0, decisions: ['allow', 'deny', 'no_links'], records: 2 })
      const version = await run(join(app, 'node_modules', '.bin', 'vetoc'), ['--version'], app)
      expect(version).toMatchObject({ status: 0, stdout: `${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n` })
    })

    if (which === 'current') {
      it('TypeScript without a bundler, as docs/cli.md says: vetoc compile --out src/generated, tsc (nodenext, outDir), node dist/main.js', async () => {
        mkdirSync(join(app, 'policies'))
        mkdirSync(join(app, 'src'))
        writeFileSync(join(app, 'policies', 'sms.policy.yaml'), APP_POLICY.replace('name: app', 'name: sms'))
        // a strict nodenext project; @types/node from this repository, so the app installs nothing else
        writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
          compilerOptions: {
            module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, outDir: 'dist', rootDir: 'src',
            noUnusedLocals: true, noUnusedParameters: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true,
            verbatimModuleSyntax: true, skipLibCheck: true, typeRoots: [join(ROOT, 'node_modules', '@types')], types: ['node'],
          },
          include: ['src'],
        }))
        writeFileSync(join(app, 'src', 'main.ts'), `import * as sms from './generated/sms.policy.js'
import { evaluate, policy } from './generated/sms.policy.js'
import { createGuard, type GuardDecision } from 'vetoc'

const guard = createGuard(sms)
const d: GuardDecision = await guard('send_sms', { to: '+1', body: 'see https://x.invalid' })
// @ts-expect-error: body is missing, and the generated types say so
evaluate('send_sms', { to: '+1' })
console.log(JSON.stringify([policy.name, evaluate('send_sms', { to: '+1', body: 'hi' }).decision, d.decision, d.rule]))
`)
        const compiled = await run(join(app, 'node_modules', '.bin', 'vetoc'), ['compile', 'policies/sms.policy.yaml', '--out', 'src/generated'], app)
        expect(compiled.stderr).toBe('')
        expect(compiled.status).toBe(0)
        expect(readdirSync(join(app, 'src', 'generated'))).toEqual(['sms.policy.ts'])
        const tsc = await run(TSC, ['-p', 'tsconfig.json'], app)
        expect(tsc.stdout + tsc.stderr).toBe('')
        expect(tsc.status).toBe(0)
        expect(existsSync(join(app, 'dist', 'generated', 'sms.policy.js'))).toBe(true)
        const ran = await run(process.execPath, ['dist/main.js'], app)
        expect(ran.stderr).toBe('')
        expect(JSON.parse(ran.stdout)).toEqual(['sms', 'allow', 'deny', 'no_links'])
      })
    }
  })
}
