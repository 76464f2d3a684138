/**
 * SPEC 4.4 in both dialects: quantifiers and `*` paths, `url()` and URL parts, private-address and
 * CIDR tests. Every case runs the emitted module; the diagnostics say what a policy author sees.
 */
import { describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'
import { compileModule } from '../support/compiled.js'
import { expectDiagnostic } from '../support/diagnostics.js'

const TOOLS = `tools:
  send_email:
    parameters:
      type: object
      properties:
        to: { type: array, items: { type: string } }
        cc: { type: array, items: { type: [string, "null"] } }
        groups: { type: array, items: { type: object, properties: { members: { type: array, items: { type: string } } }, required: [members] } }
        body: { type: string }
      required: [to, body]
  fetch_url:
    parameters: { type: object, properties: { url: { type: string } }, required: [url] }
`

const WHEN = `${TOOLS}rules:
  - id: recipients-on-domain
    tool: send_email
    when: "args.to.some(r => !r.endsWith('@approved.example.com'))"
    action: deny
  - id: no-private-targets
    tool: fetch_url
    when: "url(args.url) == null || isPrivateAddress(url(args.url)?.hostname)"
    action: deny
`

const CONDITIONS = `${TOOLS}rules:
  - id: recipients-on-domain
    tool: send_email
    conditions:
      - { field: arguments.to.*, operator: not_ends_with, value: "@approved.example.com" }
    action: deny
  - id: no-private-targets
    tool: fetch_url
    condition_groups:
      - [ { field: arguments.url.hostname, operator: not_exists } ]
      - [ { field: arguments.url.hostname, operator: private_address } ]
    action: deny
`

/** Spellings of loopback, link-local, private and metadata addresses that string rules miss. */
const BYPASS_URLS: string[] = [
  'http://2130706433/', 'http://0x7f.1/', 'http://[::ffff:127.0.0.1]/', 'http://169.254.169.254/',
  'http://169.254.169.254/latest/meta-data/', 'http://0251.0376.0251.0376/', 'http://0xa9fea9fe/', 'http://2852039166/',
  'http://127.1/', 'http://0177.0.0.1/', 'http://0x7f000001/', 'http://127.0.0.1./', 'http://0/', 'http://0.0.0.0:8080/',
  'http://localhost/', 'http://LOCALHOST./', 'http://app.localhost/', 'http://[::1]/', 'http://[::]/',
  'http://[0:0:0:0:0:ffff:7f00:1]/', 'http://[::ffff:a9fe:a9fe]/', 'http://[::127.0.0.1]/', 'http://[64:ff9b::a9fe:a9fe]/',
  'http://[2002:7f00:1::]/', 'http://[fe80::1]/', 'http://[fd00:ec2::254]/', 'http://10.0.0.1/', 'http://172.16.5.4/',
  'http://192.168.1.1/', 'http://100.64.0.1/', 'http://①②⑦.0.0.1/', 'http://127。0。0。1/', 'http://%31%32%37.0.0.1/',
  'http://user:pw@127.0.0.1:22/', 'http://metadata@169.254.169.254/', 'HTTP://[::FFFF:127.0.0.1]:80/x?y#z',
  'http://\t127.0.0.1/', 'not a url', '',
]

const ALLOWED_URLS = ['https://api.stripe.com/v1/charges', 'https://example.com/', 'http://8.8.8.8/', 'https://[2606:4700::1111]/', 'https://127.0.0.1.nip.io.example/']

describe.each([['when', WHEN], ['conditions', CONDITIONS]])('the %s dialect', (_name, src) => {
  it('denies every recipient list with one address off the domain, and nothing else', async () => {
    const { module, result } = await compileModule(src)
    expect(result.diagnostics.filter(d => d.severity === 'error')).toEqual([])
    const e = (to: unknown[]): string => module.evaluate('send_email', { to, body: 'hi' }).decision
    expect(e(['a@approved.example.com', 'b@approved.example.com'])).toBe('allow')
    expect(e(['a@approved.example.com', 'b@evil.example'])).toBe('deny')
    expect(e(['b@approved.example.com.evil.example'])).toBe('deny')
    expect(e([])).toBe('allow') // an empty list matches no `*` condition and no `some`
  })

  it('denies every bypass spelling of a private address and allows public hosts', async () => {
    const { module } = await compileModule(src)
    for (const url of BYPASS_URLS) expect([url, module.evaluate('fetch_url', { url }).decision]).toEqual([url, 'deny'])
    for (const url of ALLOWED_URLS) expect([url, module.evaluate('fetch_url', { url }).decision]).toEqual([url, 'allow'])
  })
})

describe('quantifiers', () => {
  it('nest, read both elements, and treat holes, non-arrays and hostile elements totally', async () => {
    const { module } = await compileModule(`${TOOLS}rules:
  - id: all-groups-internal
    tool: send_email
    when: "!(args.groups ?? []).every(g => g.members.every(m => m.endsWith('@corp.example') && args.to.includes(m)))"
    action: deny
  - id: nested-star
    tool: send_email
    conditions:
      - { field: arguments.groups.*.members.*, operator: equals, value: "root@corp.example" }
    action: review
`)
    const call = (groups: unknown, to: string[] = ['a@corp.example']): string => module.evaluate('send_email', { to, body: 'x', ...(groups === undefined ? {} : { groups }) }).decision
    expect(call(undefined)).toBe('allow')
    expect(call([{ members: ['a@corp.example'] }])).toBe('allow')
    expect(call([{ members: ['a@corp.example'] }, { members: ['b@corp.example'] }])).toBe('deny')
    expect(call([{ members: ['root@corp.example'] }], ['root@corp.example'])).toBe('review')
    expect(call([])).toBe('allow')
  })

  it('skips holes and reads own elements only, whatever the prototype holds', async () => {
    const { module } = await compileModule(`tools: { t: null }
rules:
  - { id: any-bad, tool: t, when: "args.xs.some(x => x === 'bad')", action: deny }
  - { id: all-ok, tool: t, when: "args.xs.every(x => x === 'ok')", action: review }
`)
    const sparse: unknown[] = ['ok']
    sparse[2] = 'ok'
    expect(module.evaluate('t', { xs: sparse }).decision).toBe('review')
    const proto = Object.create(['bad']) as unknown[]
    expect(module.evaluate('t', { xs: proto }).decision).toBe('allow') // not an array: both false
    expect(module.evaluate('t', { xs: 'bad' }).decision).toBe('allow')
    expect(module.evaluate('t', { xs: { 0: 'bad', length: 1 } }).decision).toBe('allow')
    const throwing = ['ok']
    Object.defineProperty(throwing, 1, { get() { throw new Error('boom') }, enumerable: true })
    expect(module.evaluate('t', { xs: throwing })).toMatchObject({ decision: 'deny', reason: expect.stringContaining('evaluation error') })
    expect(module.evaluate('t', { xs: Array.from({ length: 100_000 }, () => 'ok').concat('bad') }).decision).toBe('deny')
  })

  it('allocate no closure: the loop is a module-level function called with the array', () => {
    const out = compile(`${TOOLS}rules:\n  - { id: r, tool: send_email, when: "args.to.some(r => r.endsWith('x'))", action: deny }\n`, { filename: 'q.policy.yaml' })
    expect(out.code).toMatch(/^function q0\(xs, a, c, o\) \{ if \(!isArray\(xs\)\) return false; for \(let i = 0/m)
    expect(out.code).not.toMatch(/=>/)
  })

  it('are type-checked against the item schema', () => {
    expectDiagnostic(`${TOOLS}rules:\n  - { id: r, tool: send_email, when: "args.cc.some(c => c.endsWith('x'))", action: deny }\n`, { code: 'possibly-undefined', underline: 'c', help: /c\?\.endsWith/ })
    expectDiagnostic(`${TOOLS}rules:\n  - { id: r, tool: send_email, when: "args.body.some(c => c == 'x')", action: deny }\n`, { code: 'type-mismatch', underline: 'args.body', message: /`some` needs an array/ })
    expectDiagnostic(`${TOOLS}rules:\n  - { id: r, tool: send_email, when: "args.to.some(r => r > 2)", action: deny }\n`, { code: 'type-mismatch', message: /comparison of `r` \(string\) with a number/ })
    expectDiagnostic(`${TOOLS}rules:\n  - { id: r, tool: send_email, conditions: [ { field: arguments.groups.*.membres.*, operator: equals, value: x } ], action: deny }\n`, { code: 'unknown-field', help: /members/ })
    expectDiagnostic(`${TOOLS}rules:\n  - { id: r, tool: send_email, conditions: [ { field: arguments.body.*, operator: equals, value: x } ], action: deny }\n`, { code: 'type-mismatch', message: /`\*` in `arguments.body.\*` needs an array/ })
    // narrowing inside the body works as outside
    const ok = compile(`${TOOLS}rules:\n  - { id: r, tool: send_email, when: "args.cc?.some(c => c != null && c.endsWith('x'))", action: deny }\n`, { filename: 'q.policy.yaml' })
    expect(ok.diagnostics).toEqual([])
  })

  it('refuse parameter names that hide a root, a function or an outer parameter, and other function shapes', () => {
    const base = (when: string): string => `tools: { t: null }\nrules:\n  - id: r\n    tool: t\n    when: "${when}"\n    action: deny\n`
    expectDiagnostic(base('args.xs.some(args => args)'), { code: 'reserved-name', underline: 'args' })
    expectDiagnostic(base('args.xs.some(url => url)'), { code: 'reserved-name', underline: 'url' })
    expectDiagnostic(base('args.xs.some(x => x.ys.some(x => x))'), { code: 'shadowed-name', underline: 'x', line: 5, column: 40 })
    expectDiagnostic(base('args.xs.some((x, i) => x)'), { code: 'expression-disallowed', message: /exactly one named parameter/ })
    expectDiagnostic(base('args.xs.some(x => { return x })'), { code: 'expression-disallowed', message: /expression body/ })
    expectDiagnostic(base('args.xs.some(({ a }) => a)'), { code: 'expression-disallowed', message: /exactly one named parameter/ })
    expectDiagnostic(base('args.xs.some(isBad)'), { code: 'expression-disallowed', message: /one arrow function/ })
    expectDiagnostic(base('args.xs.some(async x => x)'), { code: 'expression-disallowed', message: /plain arrow/ })
    expectDiagnostic(base('x'), { code: 'expression-disallowed', message: /unknown name `x`/ })
    expectDiagnostic(base('args.xs.some(x => x) && x'), { code: 'expression-disallowed', message: /unknown name `x`/ })
  })
})

describe('url() and URL parts', () => {
  it('needs a null guard before a method on a part', () => {
    expectDiagnostic(`${TOOLS}rules:\n  - { id: r, tool: fetch_url, when: "url(args.url).hostname.endsWith('.example')", action: deny }\n`, { code: 'possibly-undefined', underline: 'url(args.url).hostname' })
    for (const when of ["url(args.url)?.hostname.endsWith('.example')", "url(args.url) != null && url(args.url).hostname.endsWith('.example')"]) {
      expect(compile(`${TOOLS}rules:\n  - { id: r, tool: fetch_url, when: "${when}", action: deny }\n`, { filename: 'q.policy.yaml' }).diagnostics).toEqual([])
    }
    expectDiagnostic(`${TOOLS}rules:\n  - { id: r, tool: fetch_url, when: "url(args.url)?.hostnme == 'a'", action: deny }\n`, { code: 'unknown-field', help: /hostname/ })
  })

  it('reads the WHATWG parse, in both dialects', async () => {
    const { module } = await compileModule(`${TOOLS}rules:
  - { id: plain-http, tool: fetch_url, when: "url(args.url)?.protocol === 'http:'", action: review }
  - { id: odd-port, tool: fetch_url, conditions: [ { field: arguments.url.port, operator: not_in, value: ["", "443"] } ], action: deny }
  - { id: search, tool: fetch_url, conditions: [ { field: arguments.url.search, operator: contains, value: "token=" } ], action: deny }
  - { id: path, tool: fetch_url, when: "url(args.url)?.pathname.startsWith('/admin') == true", action: deny }
  - { id: host, tool: fetch_url, when: "url(args.url)?.hostname === 'xn--bcher-kva.example'", action: deny }
`)
    const d = (url: string): string | undefined => module.evaluate('fetch_url', { url }).rule
    expect(d('http://a.example/')).toBe('plain-http')
    expect(d('https://a.example:8443/')).toBe('odd-port')
    expect(d('https://a.example:443/')).toBeUndefined() // the default port is dropped: ""
    expect(d('https://a.example/?token=1')).toBe('search')
    expect(d('https://a.example/x/../admin')).toBe('path')
    expect(d('https://BÜCHER.example/')).toBe('host')
    expect(d('nonsense')).toBe('odd-port') // no URL: the part is absent, and not_in holds for absent
  })

  it('reads one part of url(s) without building the whole object', async () => {
    const { module, result } = await compileModule(`${TOOLS}rules:\n  - { id: host, tool: fetch_url, when: "url(args.url)?.hostname === 'h.example'", action: deny }\n`)
    // the rule calls the part reader; only the helper's own definition names `urlOf`
    expect(result.code).toMatch(/= !!\(\(urlGet\(/)
    expect(result.code.split('urlOf(').length - 1).toBe(1)
    expect(module.evaluate('fetch_url', { url: 'https://H.example/x' }).rule).toBe('host')
    expect(module.evaluate('fetch_url', { url: 'https://g.example/x' }).decision).toBe('allow')
  })

  it('reads an object field of that name as a plain property', async () => {
    const { module } = await compileModule(`tools: { t: null }\nrules:\n  - { id: r, tool: t, conditions: [ { field: arguments.target.hostname, operator: equals, value: "internal" } ], action: deny }\n`)
    expect(module.evaluate('t', { target: { hostname: 'internal' } }).decision).toBe('deny')
    expect(module.evaluate('t', { target: 'http://internal/' }).decision).toBe('deny')
    expect(module.evaluate('t', { target: Object.create({ hostname: 'internal' }) }).decision).toBe('allow')
    // in `when`, `.hostname` of anything but url(...) is the plain property
    const { module: w } = await compileModule(`tools: { t: null }\nrules:\n  - { id: r, tool: t, when: "args.target?.hostname === 'internal'", action: deny }\n`)
    expect(w.evaluate('t', { target: { hostname: 'internal' } }).decision).toBe('deny')
    expect(w.evaluate('t', { target: 'http://internal/' }).decision).toBe('allow')
  })
})

describe('address tests', () => {
  it('ipInRange and in_cidr take one CIDR or a list', async () => {
    const { module } = await compileModule(`${TOOLS}rules:
  - { id: test-net, tool: fetch_url, conditions: [ { field: arguments.url.hostname, operator: in_cidr, value: ["203.0.113.0/24", "2001:db8::/32"] } ], action: deny }
  - { id: one, tool: fetch_url, when: "ipInRange(url(args.url)?.hostname, '198.51.100.0/24')", action: deny }
  - { id: outside, tool: fetch_url, conditions: [ { field: arguments.url.hostname, operator: not_in_cidr, value: 0.0.0.0/0 } ], action: review }
`)
    const r = (url: string): string | undefined => module.evaluate('fetch_url', { url }).rule
    expect(r('http://203.0.113.7/')).toBe('test-net')
    expect(r('http://[2001:db8::7]/')).toBe('test-net')
    expect(r('http://[::ffff:203.0.113.7]/')).toBe('test-net')
    expect(r('http://3405803783/')).toBe('test-net') // 203.0.113.7 as one number
    expect(r('http://198.51.100.1/')).toBe('one')
    expect(r('http://example.com/')).toBe('outside') // a name is in no range, so not_in_cidr holds
    expect(r('http://[2606:4700::1]/')).toBe('outside') // IPv6 is outside 0.0.0.0/0 (= ::ffff:0:0/96)
    expect(r('http://8.8.8.8/')).toBeUndefined()
  })

  it('a malformed CIDR is a compile error at its line', () => {
    expectDiagnostic(`${TOOLS}rules:\n  - id: r\n    tool: fetch_url\n    conditions:\n      - { field: arguments.url.hostname, operator: in_cidr, value: [10.0.0.0/8, 10.0.0.0/33] }\n    action: deny\n`, { code: 'invalid-cidr', underline: '10.0.0.0/33', line: 17, help: /0 to 32/ })
    expectDiagnostic(`${TOOLS}rules:\n  - { id: r, tool: fetch_url, when: "ipInRange(args.url, '10.0.0.256/8')", action: deny }\n`, { code: 'invalid-cidr', underline: "'10.0.0.256/8'", help: /not an IPv4 or IPv6 address/ })
    expectDiagnostic(`${TOOLS}rules:\n  - { id: r, tool: fetch_url, when: "ipInRange(args.url, ['fe80::/10', 'fe80::1%eth0/64'])", action: deny }\n`, { code: 'invalid-cidr', underline: "'fe80::1%eth0/64'" })
    expectDiagnostic(`${TOOLS}rules:\n  - { id: r, tool: fetch_url, when: "ipInRange(args.url, '10.0.0.0')", action: deny }\n`, { code: 'invalid-cidr', help: /prefix length/ })
    expectDiagnostic(`${TOOLS}rules:\n  - { id: r, tool: fetch_url, when: "ipInRange(args.url, '10.0.0.0/08')", action: deny }\n`, { code: 'invalid-cidr' })
    expectDiagnostic(`${TOOLS}rules:\n  - { id: r, tool: fetch_url, when: "ipInRange(args.url, args.range)", action: deny }\n`, { code: 'invalid-cidr', underline: 'args.range', message: /written in the policy/ })
    expectDiagnostic(`${TOOLS}rules:\n  - { id: r, tool: fetch_url, conditions: [ { field: arguments.url, operator: private_address, value: 3 } ], action: deny }\n`, { code: 'invalid-value', underline: '3' })
    expectDiagnostic(`tools:\n  t: { parameters: { type: object, properties: { port: { type: number } } } }\nrules:\n  - { id: r, tool: t, when: "isPrivateAddress(args.port)", action: deny }\n`, { code: 'type-mismatch', message: /can never hold/ })
  })

  it('are false for anything that is not a host string, and never throw', async () => {
    const { module } = await compileModule(`tools: { t: null }\nrules:\n  - { id: p, tool: t, when: "isPrivateAddress(args.h) || ipInRange(args.h, '0.0.0.0/0')", action: deny }\n`)
    for (const h of [undefined, null, 2130706433, ['127.0.0.1'], { toString: () => '127.0.0.1' }, 'x'.repeat(100_000), '127.0.0.1:80', 'a@127.0.0.1', '[::1', '::1]', '1.2.3.4.5', 'fe80::1%eth0', ' 127.0.0.1']) {
      expect([h, module.evaluate('t', { h }).decision]).toEqual([h, 'allow'])
    }
    for (const h of ['127.0.0.1', '0x7f.1', '[::1]', '::1', '::ffff:127.0.0.1', 'localhost', 'Localhost.', '10.0.0.1', 'fd12::1', '\t127.0.0.1', '127.0.0.1/..']) {
      expect([h, module.evaluate('t', { h }).decision]).toEqual([h, 'deny'])
    }
  })

  it('the emitted module still imports nothing and carries the URL helpers only when used', () => {
    const used = compile(WHEN, { filename: 'u.policy.yaml' }).code
    expect(used).toContain('const URLCtor = URL;')
    expect(used).not.toMatch(/\bimport\b|\brequire\(/)
    expect(compile(`tools: { t: null }\nrules:\n  - { id: r, tool: t, when: "args.xs.some(x => x)", action: deny }\n`, { filename: 'n.policy.yaml' }).code).not.toContain('URLCtor')
  })
})
