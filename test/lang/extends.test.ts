/**
 * Policy packs (`extends:`): merge order, duplicates reported in both files, diagnostics in the file
 * where the problem is, cycles and missing files, the digest and the source map over every file,
 * the exact text of each diagnostic, and a tool a pack only names taking a later declaration.
 * `compile` reads nothing itself: these tests hand it an in-memory resolver, as a caller would.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compile, formatDiagnostics } from '../../compiler/index.js'
import { position } from '../../compiler/format.js'
import { importCode } from '../support/compiled.js'

function files(map: Record<string, string>): (path: string) => string | null {
  return path => map[path] ?? null
}

const PACK = `name: base
tools:
  fetch_url:
    parameters: { type: object, properties: { url: { type: string } }, required: [url] }
params:
  max_size: { type: number, default: 10 }
rules:
  - id: no-private
    tool: fetch_url
    when: "isPrivateAddress(url(args.url)?.hostname)"
    action: deny
`

const MAIN = `extends: ./packs/base.policy.yaml
default: review
rules:
  - id: stripe-ok
    tool: fetch_url
    when: "url(args.url)?.hostname === 'api.stripe.com'"
    action: allow
`

describe('extends', () => {
  it('puts the extended rules, tools and params first, and the extending file keeps its settings', async () => {
    const out = compile(MAIN, { filename: '/app/main.policy.yaml', resolve: files({ '/app/packs/base.policy.yaml': PACK }) })
    expect(out.diagnostics).toEqual([])
    expect(out.policy!.rules.map(r => [r.id, r.index])).toEqual([['no-private', 0], ['stripe-ok', 1]])
    expect(out.policy!.params.map(p => p.name)).toEqual(['max_size'])
    expect(out.policy!.default).toBe('review')
    expect(out.files.map(f => f.filename)).toEqual(['/app/packs/base.policy.yaml'])
    const mod = await importCode(out.code)
    expect(mod.evaluate('fetch_url', { url: 'http://169.254.169.254/' })).toMatchObject({ decision: 'deny', rule: 'no-private' })
    expect(mod.evaluate('fetch_url', { url: 'https://api.stripe.com/v1/charges' })).toMatchObject({ decision: 'allow', rule: 'stripe-ok' })
    expect(mod.evaluate('fetch_url', { url: 'https://example.com/' }).decision).toBe('review')
    // the source map names both files and carries their text
    expect(out.map!.sources).toEqual(['/app/main.policy.yaml', '/app/packs/base.policy.yaml'])
    expect(out.map!.sourcesContent[1]).toBe(PACK)
  })

  it('the digest covers every file: a change to the pack alone changes it', () => {
    const a = compile(MAIN, { filename: '/app/main.policy.yaml', resolve: files({ '/app/packs/base.policy.yaml': PACK }) })
    const b = compile(MAIN, { filename: '/app/main.policy.yaml', resolve: files({ '/app/packs/base.policy.yaml': PACK.replace('default: 10', 'default: 11') }) })
    const again = compile(MAIN, { filename: '/app/main.policy.yaml', resolve: files({ '/app/packs/base.policy.yaml': PACK }) })
    expect(a.digest).not.toBe(b.digest)
    expect(again.digest).toBe(a.digest)
    expect(again.code).toBe(a.code)
  })

  it('a duplicate rule id, tool, param or context field is an error in both files', () => {
    const main = `extends: [./packs/base.policy.yaml]
tools:
  fetch_url:
    parameters: { type: object }
params:
  max_size: { type: number, default: 3 }
rules:
  - id: no-private
    tool: fetch_url
    action: deny
`
    const out = compile(main, { filename: '/app/main.policy.yaml', resolve: files({ '/app/packs/base.policy.yaml': PACK }) })
    const shown = out.diagnostics.map(d => [d.code, d.file ?? 'main', (d.file ? PACK : main).slice(d.span.start, d.span.end)])
    expect(shown).toEqual(expect.arrayContaining([
      ['duplicate-id', 'main', 'no-private'], ['duplicate-id', '/app/packs/base.policy.yaml', 'no-private'],
      ['duplicate-tool', 'main', 'fetch_url'], ['duplicate-tool', '/app/packs/base.policy.yaml', 'fetch_url'],
      ['duplicate-param', 'main', 'max_size'], ['duplicate-param', '/app/packs/base.policy.yaml', 'max_size'],
    ]))
    const mainDup = out.diagnostics.find(d => d.code === 'duplicate-id' && d.file === undefined)!
    expect(mainDup.message).toBe('rule id `no-private` is already defined in `/app/packs/base.policy.yaml`')
    expect(out.code).toBe('')
  })

  it('diagnostics point into the extended file, and the CLI formats them there', () => {
    const broken = PACK.replace('    action: deny', '    actoin: deny').replace('args.url', 'args.uri')
    const out = compile(MAIN, { filename: '/app/main.policy.yaml', resolve: files({ '/app/packs/base.policy.yaml': broken }) })
    const unknown = out.diagnostics.find(d => d.code === 'unknown-key')!
    expect(unknown.file).toBe('/app/packs/base.policy.yaml')
    expect(broken.slice(unknown.span.start, unknown.span.end)).toBe('actoin')
    const text = formatDiagnostics(out.diagnostics, MAIN, '/app/main.policy.yaml', out.files)
    expect(text).toContain(`/app/packs/base.policy.yaml:${position(broken, unknown.span.start).line}:5: error: unknown key \`actoin\``)
    expect(text).toContain('    actoin: deny')
    // a type error in a pack's rule, checked against the merged tools, is in the pack
    const typed = compile(MAIN, { filename: '/app/main.policy.yaml', resolve: files({ '/app/packs/base.policy.yaml': PACK.replace('args.url', 'args.uri') }) })
    const field = typed.diagnostics.find(d => d.code === 'unknown-field')!
    expect([field.file, PACK.replace('args.url', 'args.uri').slice(field.span.start, field.span.end)]).toEqual(['/app/packs/base.policy.yaml', 'args.uri'])
  })

  it('cycles, missing files, absolute paths and a missing resolver are diagnostics at the entry', () => {
    const a = 'extends: [./b.policy.yaml]\nrules: []\n'
    const b = 'extends: [./a.policy.yaml]\nrules: []\n'
    const cyc = compile(a, { filename: '/p/a.policy.yaml', resolve: files({ '/p/b.policy.yaml': b, '/p/a.policy.yaml': a }) })
    const d = cyc.diagnostics.find(x => x.code === 'extends-cycle')!
    expect(d.file).toBe('/p/b.policy.yaml')
    expect(b.slice(d.span.start, d.span.end)).toBe('./a.policy.yaml')
    expect(d.message).toContain('`/p/a.policy.yaml` → `/p/b.policy.yaml` → `/p/a.policy.yaml`')
    const self = compile('extends: ./a.policy.yaml\nrules: []\n', { filename: '/p/a.policy.yaml', resolve: files({}) })
    expect(self.diagnostics.map(x => x.code)).toEqual(['extends-cycle'])
    const missing = compile('extends: [./nope.policy.yaml]\nrules: []\n', { filename: '/p/a.policy.yaml', resolve: files({}) })
    expect(missing.diagnostics).toMatchObject([{ code: 'extends-not-found', help: 'looked for `/p/nope.policy.yaml`' }])
    const abs = compile('extends: [/etc/x.yaml, "https://x.invalid/p.yaml"]\nrules: []\n', { filename: '/p/a.policy.yaml', resolve: files({}) })
    expect(abs.diagnostics.map(x => x.code)).toEqual(['invalid-extends', 'invalid-extends'])
    expect(compile(MAIN, { filename: 'm.policy.yaml' }).diagnostics.map(x => x.code)).toContain('extends-unavailable')
    const thrown = compile(MAIN, { filename: '/app/main.policy.yaml', resolve: () => { throw new Error('EACCES') } })
    expect(thrown.diagnostics.find(x => x.severity === 'error')).toMatchObject({ code: 'extends-unreadable', message: 'cannot read `./packs/base.policy.yaml`: EACCES' })
  })

  it('a file reached twice (a diamond) is merged once, before the files that extend it', () => {
    const fs = files({
      '/p/b.policy.yaml': 'extends: ./d.policy.yaml\nrules: [ { id: b, tool: t, action: allow } ]\n',
      '/p/c.policy.yaml': 'extends: ./d.policy.yaml\nrules: [ { id: c, tool: t, action: allow } ]\n',
      '/p/d.policy.yaml': 'tools: { t: { parameters: { type: object } } }\nrules: [ { id: d, tool: t, action: deny, when: "args.x == 1" } ]\n',
    })
    const out = compile('extends: [./b.policy.yaml, ./c.policy.yaml]\nrules: [ { id: main, tool: t, action: review } ]\n', { filename: '/p/a.policy.yaml', resolve: fs })
    expect(out.diagnostics).toEqual([])
    expect(out.policy!.rules.map(r => r.id)).toEqual(['d', 'b', 'c', 'main'])
  })

  it('a pack\'s own default, unknown_tools and fail_mode are ignored, with a warning in the pack', () => {
    const out = compile(MAIN, { filename: '/app/main.policy.yaml', resolve: files({ '/app/packs/base.policy.yaml': `default: deny\nfail_mode: open\n${PACK}` }) })
    expect(out.diagnostics.map(d => [d.code, d.file])).toEqual([['extends-ignored', '/app/packs/base.policy.yaml'], ['extends-ignored', '/app/packs/base.policy.yaml']])
    expect(out.policy!.default).toBe('review')
    expect(out.policy!.failMode).toBe('closed')
  })

  it('vetoc check and compile read the extended files and report errors in them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vetoc-extends-'))
    writeFileSync(join(dir, 'main.policy.yaml'), 'extends: [./pack.policy.yaml]\ntools:\n  fetch_url:\n    parameters: { type: object, properties: { url: { type: string } }, required: [url] }\n')
    writeFileSync(join(dir, 'pack.policy.yaml'), 'rules:\n  - id: r\n    tool: fetch_url\n    when: "ipInRange(args.url, \'10.0.0.0/33\')"\n    action: deny\n')
    const vetoc = (...args: string[]): { status: number; stdout: string; stderr: string } => {
      try {
        return { status: 0, stdout: execFileSync('node', ['dist/src/cli.js', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), stderr: '' }
      } catch (e) {
        const err = e as { status: number; stdout: string; stderr: string }
        return { status: err.status, stdout: err.stdout, stderr: err.stderr }
      }
    }
    const bad = vetoc('check', join(dir, 'main.policy.yaml'))
    expect(bad.status).toBe(1)
    expect(bad.stderr).not.toContain('no `rules`')
    expect(bad.stderr).toContain(`${join(dir, 'pack.policy.yaml')}:4:32: error: invalid CIDR \`10.0.0.0/33\``)
    writeFileSync(join(dir, 'pack.policy.yaml'), 'rules:\n  - id: r\n    tool: fetch_url\n    when: "ipInRange(url(args.url)?.hostname, \'10.0.0.0/8\')"\n    action: deny\n')
    expect(vetoc('check', join(dir, 'main.policy.yaml')).status).toBe(0)
    const r = vetoc('eval', join(dir, 'main.policy.yaml'), '--tool', 'fetch_url', '--args', '{"url":"http://10.1.2.3/"}')
    expect(JSON.parse(r.stdout)).toMatchObject({ decision: 'deny', rule: 'r' })
  })
})

describe('extends: what each diagnostic says, and where', () => {
  /** `[code, file, underlined text, message, help]` per diagnostic of `/p/a.policy.yaml` (`main`) and the files it reads. */
  const shown = (src: string, fs?: Record<string, string>): unknown[][] => {
    const out = compile(src, { filename: '/p/a.policy.yaml', ...(fs ? { resolve: files(fs) } : {}) })
    return out.diagnostics.map(d => [d.code, d.file ?? 'main', (d.file ? fs![d.file]! : src).slice(d.span.start, d.span.end), d.message, d.help ?? null])
  }
  const RELATIVE = 'write the path from this file, e.g. `./packs/ssrf.policy.yaml`'
  const IGNORED = 'the policy that extends this file decides its own `default`, `unknown_tools`, `fail_mode` and `approval_ttl`'

  it('an entry that is not a path, and paths that are not relative', () => {
    expect(shown('extends: [5, "", ./x.policy.yaml]\nrules: []\n', { '/p/x.policy.yaml': 'rules: []\n' })).toEqual([
      ['invalid-type', 'main', '5', '`extends` takes a relative path or a list of them', null],
      ['invalid-type', 'main', '""', '`extends` takes a relative path or a list of them', null],
    ])
    expect(shown('extends: [/etc/x.yaml, "https://x.invalid/p.yaml", "C:/x.yaml"]\nrules: []\n', {})).toEqual([
      ['invalid-extends', 'main', '/etc/x.yaml', '`extends` paths are relative to the policy file, got `/etc/x.yaml`', RELATIVE],
      ['invalid-extends', 'main', '"https://x.invalid/p.yaml"', '`extends` paths are relative to the policy file, got `https://x.invalid/p.yaml`', RELATIVE],
      ['invalid-extends', 'main', '"C:/x.yaml"', '`extends` paths are relative to the policy file, got `C:/x.yaml`', RELATIVE],
    ])
  })

  it('no resolver, a cycle, a missing file', () => {
    expect(shown('extends: ./b.policy.yaml\nrules: []\n')).toEqual([
      ['extends-unavailable', 'main', './b.policy.yaml', 'cannot read `./b.policy.yaml`: this compile was given no way to read other files', 'pass `resolve` to `compile()` (the plugin and the CLI do)'],
    ])
    expect(shown('extends: ./b.policy.yaml\nrules: []\n', { '/p/b.policy.yaml': 'extends: ./a.policy.yaml\nrules: []\n' })).toEqual([
      ['extends-cycle', '/p/b.policy.yaml', './a.policy.yaml', '`./a.policy.yaml` extends this file again: `/p/a.policy.yaml` → `/p/b.policy.yaml` → `/p/a.policy.yaml`', 'a pack may not extend, directly or not, a file that extends it'],
    ])
    expect(shown('extends: ./nope.policy.yaml\nrules: []\n', {})).toEqual([
      ['extends-not-found', 'main', './nope.policy.yaml', 'no policy file `./nope.policy.yaml`', 'looked for `/p/nope.policy.yaml`'],
    ])
  })

  it('settings a pack cannot make, a context field defined twice, and an error on a later line of a pack', () => {
    expect(shown('extends: ./b.policy.yaml\nrules: []\n', { '/p/b.policy.yaml': 'default: deny\nunknown_tools: allow\nsettings: { fail_mode: open }\nrules: []\n' })).toEqual([
      ['extends-ignored', '/p/b.policy.yaml', 'default', '`default` in an extended file has no effect', IGNORED],
      ['extends-ignored', '/p/b.policy.yaml', 'unknown_tools', '`unknown_tools` in an extended file has no effect', IGNORED],
      ['extends-ignored', '/p/b.policy.yaml', 'fail_mode', '`settings.fail_mode` in an extended file has no effect', 'the policy that extends this file decides its own default action and fail mode'],
    ])
    const again = 'each context field is defined once across a policy and the files it extends; rename or remove one'
    expect(shown('extends: ./b.policy.yaml\ncontext: { u: string }\nrules: []\n', { '/p/b.policy.yaml': 'context: { u: number }\nrules: []\n' })).toEqual([
      ['duplicate-context-field', 'main', 'u', 'context field `u` is already defined in `/p/b.policy.yaml`', again],
      ['duplicate-context-field', '/p/b.policy.yaml', 'u', 'context field `u` is defined again in `/p/a.policy.yaml`', again],
    ])
    expect(shown('extends: ./b.policy.yaml\nrules: []\n', { '/p/b.policy.yaml': '\n\nrules:\n  - { id: x, tool: t, action: deny, when: "args.(" }\n' })).toEqual([
      ['expression-syntax', '/p/b.policy.yaml', '(', 'expression syntax: unexpected token', null],
    ])
  })

  it('an error at the very start of the second of two packs is in that pack', () => {
    const fs = { '/p/b.policy.yaml': 'rules: []\n', '/p/c.policy.yaml': 'bogus: 1\nrules: []\n' }
    expect(shown('extends: [./b.policy.yaml, ./c.policy.yaml]\nrules: []\n', fs).map(d => d.slice(0, 3))).toEqual([['unknown-key', '/p/c.policy.yaml', 'bogus']])
  })

  it('a tool a pack only names in a rule takes the declaration of the file that declares it', async () => {
    const pack = 'rules:\n  - { id: p, tool: t, action: deny, when: "args.s == \'x\'" }\n'
    const main = 'extends: ./pack.policy.yaml\ntools:\n  t:\n    parameters: { type: object, properties: { s: { type: string } }, required: [s] }\nrules: []\n'
    const out = compile(main, { filename: '/p/a.policy.yaml', resolve: files({ '/p/pack.policy.yaml': pack }) })
    expect(out.diagnostics).toEqual([])
    const mod = await importCode(out.code)
    expect(mod.policy.tools).toEqual(['t'])
    // the schema applies: arguments are validated, and the pack's rule reads them
    expect(mod.evaluate('t', { s: 5 })).toMatchObject({ decision: 'deny', reason: expect.stringContaining('invalid arguments') })
    expect(mod.evaluate('t', { s: 'x' })).toMatchObject({ decision: 'deny', rule: 'p' })
    expect(mod.evaluate('t', { s: 'y' }).decision).toBe('allow')
    // and the pack's rule is type-checked against it, in the pack
    const typo = shown(main, { '/p/pack.policy.yaml': pack.replace('args.s', 'args.zz') })
    expect(typo).toEqual([['unknown-field', '/p/pack.policy.yaml', 'args.zz', 'unknown field `zz` in the arguments of `t`', 'the schema has: `s`']])
  })
})
