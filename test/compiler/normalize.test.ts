/**
 * `normalize:` (SPEC 4.2): rules and validation read the canonical value. One test per bypass a kind
 * prevents, each shown against the same rule without `normalize:` (which the bypass gets through),
 * plus the hostile inputs the normalisers must survive and the diagnostics for mistakes.
 */
import { posix } from 'node:path'
import { domainToASCII } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { expectDiagnostic } from '../support/diagnostics.js'
import { compileModule } from '../support/compiled.js'

/** The same policy twice: with the given `normalize:` and without it. */
async function pair(tool: string, arg: string, kinds: string, when: string): Promise<{ on: (a: unknown) => string; off: (a: unknown) => string; canonical: (a: unknown) => unknown; reason: (a: unknown) => string | undefined }> {
  const policy = (n: string): string => `tools:
  ${tool}:
    parameters: { type: object, properties: { ${arg}: { type: string } }, required: [${arg}] }
${n}rules:
  - id: guarded
    tool: ${tool}
    when: ${JSON.stringify(when)}
    action: deny
`
  const on = (await compileModule(policy(`    normalize: { ${arg}: ${kinds} }\n`), `${tool}-on.policy.yaml`)).module
  const off = (await compileModule(policy(''), `${tool}-off.policy.yaml`)).module
  return {
    on: a => on.evaluate(tool, { [arg]: a }).decision,
    off: a => off.evaluate(tool, { [arg]: a }).decision,
    canonical: a => (on.canonicalArgs!(tool, { [arg]: a }) as Record<string, unknown>)[arg],
    reason: a => on.evaluate(tool, { [arg]: a }).reason,
  }
}

describe('path', () => {
  it('resolves `..` so `/tmp/../etc/passwd` is seen as `/etc/passwd`', async () => {
    const p = await pair('delete_file', 'path', 'path', "args.path.startsWith('/etc/')")
    expect(p.off('/tmp/../etc/passwd')).toBe('allow') // the bypass, without normalize
    expect(p.on('/tmp/../etc/passwd')).toBe('deny')
    for (const bypass of ['//etc/passwd', '/./etc/passwd', '/tmp/./../etc//passwd', '/etc/./passwd']) expect(p.on(bypass), bypass).toBe('deny')
    expect(p.canonical('/tmp/../etc/passwd')).toBe('/etc/passwd')
  })

  it('reads `....//` as the name `....`, which POSIX does not climb', async () => {
    const p = await pair('read_file', 'path', 'path', "!args.path.startsWith('/srv/data/')")
    // a sanitiser that strips `../` once turns `....//` into `../`; the canonical path shows what the
    // file system opens, and a relative path never passes a rule that wants an absolute root
    expect(p.canonical('/srv/data/....//etc/hosts')).toBe('/srv/data/..../etc/hosts')
    expect(p.on('/srv/data/....//etc/hosts')).toBe('allow')
    expect(p.canonical('....//....//etc/hosts')).toBe('..../..../etc/hosts')
    expect(p.on('....//....//etc/hosts')).toBe('deny')
    expect(p.off('/srv/data/../../etc/hosts')).toBe('allow') // the bypass, without normalize
    expect(p.on('/srv/data/../../etc/hosts')).toBe('deny')
  })

  it('denies a path that climbs above `/` or holds NUL, whatever the fail mode', async () => {
    const p = await pair('delete_file', 'path', 'path', 'false')
    expect(p.on('/../etc/passwd')).toBe('deny')
    expect(p.reason('/../etc/passwd')).toBe('invalid arguments for `delete_file`: `path` climbs above `/`')
    expect(p.reason('/tmp/x\u0000.txt')).toBe('invalid arguments for `delete_file`: `path` holds a NUL character')
    const open = (await compileModule(`fail_mode: open
tools:
  delete_file: { normalize: { path: path } }
rules: []
`, 'open-path.policy.yaml')).module
    expect(open.evaluate('delete_file', { path: '/a/../../b' }).decision).toBe('deny')
  })

  it('matches node:path for every path that does not climb, and is idempotent', async () => {
    const p = await pair('t', 'path', 'path', 'false')
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', '.', '..', '', '....', 'é'), { maxLength: 8 }), fc.boolean(), (segs, abs) => {
        const input = (abs ? '/' : '') + segs.join('/')
        const c = p.canonical(input)
        if (p.reason(input)?.includes('climbs above')) {
          expect(input.startsWith('/')).toBe(true)
          return
        }
        let want = posix.normalize(input)
        if (want.length > 1 && want.endsWith('/')) want = want.slice(0, -1)
        if (want.startsWith('/..')) return // node clamps at the root; vetoc refuses (tested above)
        expect(c).toBe(want)
        expect(p.canonical(c)).toBe(c)
      }),
      { seed: 7, numRuns: 500 },
    )
  })
})

describe('url', () => {
  it('decodes percent-encoded dots in hosts: `http://evil%2ecom` is `http://evil.com/`', async () => {
    const p = await pair('fetch_url', 'url', 'url', "args.url.startsWith('http://evil.com/')")
    expect(p.off('http://evil%2ecom/x')).toBe('allow') // the bypass, without normalize
    expect(p.on('http://evil%2ecom/x')).toBe('deny')
    for (const bypass of ['HTTP://EVIL.COM/x', 'http://evil.com:80/x', 'http://evil.com/a/../x', 'http://ｅｖｉｌ．ｃｏｍ/x', 'http://evil。com/x', ' http://evil.com/x', 'http://e\tvil.com/x']) expect(p.on(bypass), bypass).toBe('deny')
  })

  it('turns IDN hosts into ASCII, as node:url domainToASCII does', async () => {
    const p = await pair('fetch_url', 'url', 'url', "!args.url.startsWith('https://example.com/')")
    for (const host of ['еxample.com', 'exämple.com', 'EXAMPLE.com', 'ｅxample.com', 'xn--xample-2of.com']) {
      expect(p.canonical(`https://${host}/a`)).toBe(`https://${domainToASCII(host)}/a`)
    }
    // a Cyrillic look-alike never reads as the allowlisted host
    expect(p.on('https://еxample.com/a')).toBe('deny')
    expect(p.on('https://EXAMPLE.com:443/a/./b')).toBe('allow')
    expect(p.canonical('https://EXAMPLE.com:443/a/./b')).toBe('https://example.com/a/b')
  })

  it('denies what does not parse, and keeps credentials visible to rules', async () => {
    const p = await pair('fetch_url', 'url', 'url', 'false')
    expect(p.reason('not a url')).toBe('invalid arguments for `fetch_url`: `url` is not a valid URL')
    expect(p.reason('http://[::1')).toBe('invalid arguments for `fetch_url`: `url` is not a valid URL')
    expect(p.canonical('https://example.com@evil.com/')).toBe('https://example.com@evil.com/')
  })
})

describe('text', () => {
  it('removes zero-width characters and BOM: `adm\\uFEFFin` is `admin`', async () => {
    const p = await pair('login', 'user', 'text', "args.user === 'admin'")
    for (const bypass of ['adm\uFEFFin', 'ad\u200Bmin', 'a\u200Ddmin', 'adm\u00ADin', 'ａｄｍｉｎ', 'adm\u2060in']) {
      expect(p.off(bypass), bypass).toBe('allow')
      expect(p.on(bypass), bypass).toBe('deny')
    }
  })

  it('removes bidirectional controls: `\\u202E` cannot reverse what a rule reads', async () => {
    const p = await pair('send', 'body', 'text', "args.body.includes('wire money')")
    expect(p.off('wire\u202E money')).toBe('allow')
    expect(p.on('wire\u202E money')).toBe('deny')
    expect(p.canonical('\u2066wire\u2069 \u200Emoney\u061C')).toBe('wire money')
  })

  it('turns every Unicode space into an ASCII space: a no-break space inside `sudo rm`', async () => {
    const p = await pair('run', 'cmd', 'text', "args.cmd.includes('sudo rm')")
    for (const space of ['\u00A0', '\u2002', '\u2009', '\u202F', '\u3000', '\u205F', '\u1680', '\u2028']) {
      expect(p.off(`sudo${space}rm -rf /`), JSON.stringify(space)).toBe('allow')
      expect(p.on(`sudo${space}rm -rf /`), JSON.stringify(space)).toBe('deny')
    }
    expect(p.canonical('a\tb\nc')).toBe('a\tb\nc')
  })

  it('is idempotent and total on arbitrary Unicode', async () => {
    const p = await pair('t', 's', 'text', 'false')
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('\uFFA0', '\u3164', 'e', '\u0301', '\u200B', '\uFEFF', '\u202E', '\u00A0', 'ﬁ', '①', 'Å', '\uD800'), fc.constantFrom('a', ' ')), maxLength: 12 }), s => {
        const c = p.canonical(s) as string
        expect(p.canonical(c)).toBe(c)
        expect(c).not.toMatch(/[\u200B\uFEFF\u202E\u00A0\u3164]/)
      }),
      { seed: 11, numRuns: 1000 },
    )
  })
})

describe('shell', () => {
  it('gives rules the words, so reordered flags and wrappers are caught', async () => {
    const p = await pair('run', 'cmd', '[text, shell]', "args.cmd.includes('rm') && args.cmd.includes('-r') && args.cmd.includes('-f')")
    const raw = await pair('run2', 'cmd', 'text', "args.cmd.includes('rm -rf')")
    for (const cmd of ['rm -rf /', 'rm -fr /', 'rm -r -f /', 'rm -f -r /', "bash -c 'rm -fr /'", `sh -c "sudo rm -r -f /"`, "eval 'rm -r -f /'", 'sudo\u00A0rm -fr /', "r''m -fr /", 'ls; rm -rf /']) {
      expect(p.on(cmd), cmd).toBe('deny')
    }
    // the raw-string rule catches only the spelling it names
    expect(raw.on('rm -rf /')).toBe('deny')
    expect(raw.on('rm -fr /')).toBe('allow')
    expect(raw.on("bash -c 'rm -r -f /'")).toBe('allow')
    expect(p.canonical('rm -fr /')).toEqual(['rm', '-fr', '-f', '-r', '/'])
  })

  it('validates the string the model sent, and types rules against the words', async () => {
    const { module } = await compileModule(`tools:
  run:
    parameters: { type: object, properties: { cmd: { type: string, maxLength: 20 } }, required: [cmd] }
    normalize: { cmd: shell }
rules:
  - id: first-word
    tool: run
    when: "args.cmd[0] == 'shutdown'"
    action: deny
`)
    expect(module.evaluate('run', { cmd: 'shutdown -h now' }).decision).toBe('deny')
    expect(module.evaluate('run', { cmd: 'ls' }).decision).toBe('allow')
    // an array from the model is not a command line: the schema rejects it before anything is split
    expect(module.evaluate('run', { cmd: ['shutdown'] }).reason).toMatch(/`cmd` must be string/)
    expect(module.evaluate('run', { cmd: 'x'.repeat(21) }).reason).toMatch(/`cmd` must NOT have more than 20 characters/)
    // the record keeps the text form (`words: false`), which evaluates to the same words again
    expect(module.canonicalArgs!('run', { cmd: 'ls  -la' }, { words: false })).toEqual({ cmd: 'ls  -la' })
    expectDiagnostic(`tools:
  run:
    parameters: { type: object, properties: { cmd: { type: string } }, required: [cmd] }
    normalize: { cmd: shell }
rules:
  - id: r
    tool: run
    when: "args.cmd.startsWith('rm')"
    action: deny
`, { code: 'type-mismatch', underline: 'args.cmd' })
  })
})

describe('lower and trim, and what every kind does with hostile values', () => {
  it('applies kinds in order', async () => {
    const p = await pair('t', 's', '[text, trim, lower]', "args.s === 'admin'")
    expect(p.on('  ＡＤＭＩＮ\u200B ')).toBe('deny')
    expect(p.off('  ADMIN ')).toBe('allow')
  })

  it('leaves values that are not strings to the schema, and survives objects that fight back', async () => {
    const { module } = await compileModule(`tools:
  t:
    normalize: { p: path, u: url, s: [text, shell] }
rules:
  - { id: r, tool: t, when: "args.p === '/etc'", action: deny }
`)
    for (const v of [null, 5, true, ['a'], { a: 1 }, undefined]) {
      expect(module.evaluate('t', { p: v, u: v, s: v }).decision).toBe('allow')
      expect(module.canonicalArgs!('t', { p: v })).toEqual({ p: v })
    }
    const getter = Object.defineProperty({}, 'p', { enumerable: true, get() { throw new Error('boom') } })
    expect(module.evaluate('t', getter)).toMatchObject({ decision: 'deny', reason: 'evaluation error: boom' })
    expect(module.canonicalArgs!('t', getter)).toBe(getter)
    const proto = JSON.parse('{"__proto__": {"p": "/etc"}, "p": "/x/../etc"}') as object
    expect(module.evaluate('t', proto).decision).toBe('deny')
    expect(Object.getPrototypeOf(module.canonicalArgs!('t', proto))).toBe(Object.prototype)
    const huge = `/${'a/'.repeat(300_000)}${'../'.repeat(300_000)}etc`
    expect(module.evaluate('t', { p: huge }).decision).toBe('deny')
    expect(module.evaluate('t', { u: `http://x/${'%2e%2e/'.repeat(100_000)}` }).decision).toBe('allow')
    expect(module.evaluate('t', { s: '\uD800 \uDFFF' }).decision).toBe('allow')
    expect(module.evaluate('unknown', { p: '/../x' }).decision).toBe('deny') // unknown tool, not normalised
    expect(module.canonicalArgs!('unknown', { p: '/a/..' })).toEqual({ p: '/a/..' })
    expect(module.canonicalArgs!('t', 'not an object')).toBe('not an object')
  })
})

describe('diagnostics', () => {
  it('reports unknown kinds, unknown arguments and kinds that can never run', () => {
    const tools = (n: string): string => `tools:
  t:
    parameters: { type: object, properties: { path: { type: string }, n: { type: number } } }
    normalize: ${n}
rules: []
`
    expectDiagnostic(tools('{ path: pathh }'), { code: 'invalid-value', underline: 'pathh', help: 'did you mean `path`?' })
    expectDiagnostic(tools('{ pth: path }'), { code: 'unknown-field', underline: 'pth', help: 'did you mean `path`?' })
    expectDiagnostic(tools('{ n: trim }'), { code: 'type-mismatch', underline: 'n' })
    expectDiagnostic(tools('{ path: [shell, text] }'), { code: 'invalid-value', underline: 'shell', help: /`\[text, shell\]`/ })
    expectDiagnostic(tools('{ path: [text, text] }'), { code: 'invalid-value', message: /listed twice/ })
    expectDiagnostic(tools('[path]'), { code: 'invalid-type', underline: '[path]' })
    expectDiagnostic(tools('{ __proto__: path }'), { code: 'invalid-field', underline: '__proto__' })
    expectDiagnostic(tools('{ path: [] }'), { code: 'invalid-value', underline: '[]' })
  })
})
