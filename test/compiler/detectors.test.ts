/**
 * Detectors (SPEC 4.2): `containsSecret(x)` / `containsPii(x)` in `when`, `contains_secret` /
 * `contains_pii` (and `not_`) in conditions. Their patterns are judged by the compiler's regex
 * checker like any rule regex, agree with the record's redaction, and hold on hostile values.
 */
import { describe, expect, it } from 'vitest'
import { checkSync } from 'recheck'
import { checkRegex } from '../../compiler/check/regex.js'
import type { Diagnostic } from '../../compiler/diagnostic.js'
import { PII_PATTERNS, SECRET_PATTERNS } from '../../compiler/detectors.js'
import { js, text } from '../../compiler/emit/code.js'
import { detectorHelpers } from '../../compiler/emit/detectors.js'
import { HELPERS } from '../../compiler/emit/runtime.js'
import { looksSecret, redactText } from '../../src/records/redact.js'
import { compile } from '../../compiler/index.js'
import { compileModule, importCode } from '../support/compiled.js'
import { expectDiagnostic } from '../support/diagnostics.js'

const SECRETS = [
  'sk-proj-abcdefghijklmnop1234', 'sk-ant-api03-abcdefghijklmnopqrst', 'sk_live_51Habcdefghijklmnop', 'gsk_abcdefghij12345',
  'AKIAABCDEFGHIJKLMNOP', 'ghp_abcdefghijklmnopqrstuvwxyz0123', 'github_pat_11ABCDEFG0123456789_abcdefghij', 'glpat-abcdefghijklmnopqrst',
  'xoxb-1234567890-abcdef', 'AIzaSyAabcdefghijklmnopqrstuvwxyz012345', 'hf_abcdefghijklmnopqrstuvwxyz0123456', 'npm_abcdefghijklmnopqrstuvwxyz0123456789',
  'SG.abcdefghijklmnopqr.abcdefghijklmnopqrstu', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghij', 'Authorization: Bearer abcdef0123456789',
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----', 'postgres://app:hunter2@db.internal/x',
  'password=hunter2', '"api_key": "abc123"', 'token: deadbeef', 'export SECRET=xyz',
]
const NOT_SECRETS = ['basic functionality', 'skip-this-step', 'the password is required', 'token:', 'AKIA-is-a-prefix', 'ask-me-anything-please-now', 'Bearer of bad news', 'https://example.com/a:b@c']
const PII = ['write to ana.lopez+tag@example.co.uk', 'call +15550100199', 'call (555) 010-0199', 'ring 555.010.0199', '+44 20 7946 0958', 'card 4111 1111 1111 1111', '4111-1111-1111-1111', '5500005555555559', 'amex 378282246310005']
const NOT_PII = ['card 4111 1111 1111 1112', 'order 1234567890123456', 'ip 192.168.100.200', 'date 2026-11-24 12:00', 'version 1.2.3', 'a@b', 'user@localhost', 'id 12345', '2026-11-24T17:00:00Z']

const POLICY = `tools:
  t:
    parameters: { type: object, properties: { s: {}, n: { type: number } } }
rules:
  - id: secret-when
    tool: t
    when: "containsSecret(args.s)"
    action: deny
  - id: pii-conditions
    tool: t
    conditions: [ { field: args.s, operator: contains_pii } ]
    action: review
  - id: no-pii-here
    tool: t
    conditions: [ { field: args.n, operator: not_contains_pii } ]
    action: allow
`

describe('detector patterns', () => {
  it('pass the compiler regex checker: valid syntax, and `safe` from recheck with step budgets only', () => {
    for (const p of [...SECRET_PATTERNS, ...PII_PATTERNS]) {
      const out: Diagnostic[] = []
      checkRegex({ kind: 'regex', source: p.source, flags: p.flags, span: { start: 0, end: 1 } }, out, null)
      expect(out.filter(d => d.code !== 'regex-super-linear' && d.code !== 'regex-bounded' && d.code !== 'regex-unanalysed'), p.name).toEqual([])
      // recheck's fuzz checker (these lookbehinds are beyond its automaton checker) also stops on
      // wall-clock budgets, and on a loaded machine those have called a pattern here polynomial on
      // one run and safe on the next; with the time budgets off it counts steps only and is
      // deterministic (its random seed is fixed)
      expect(checkSync(p.source, p.flags, { timeout: null, incubationTimeout: null, attackTimeout: null }).status, p.name).toBe('safe')
    }
  }, 600_000)

  it('find what the record redacts, and nothing it keeps', async () => {
    const { module } = await compileModule(POLICY, 'detect.policy.yaml')
    for (const s of SECRETS) {
      expect(module.evaluate('t', { s }).rule, s).toBe('secret-when')
      expect(looksSecret(s), s).toBe(true)
    }
    for (const s of NOT_SECRETS) {
      expect(module.evaluate('t', { s }).rule, s).not.toBe('secret-when')
      expect(looksSecret(s), s).toBe(false)
    }
  })

  it('find e-mail addresses, phone numbers and Luhn-valid card numbers', async () => {
    const { module } = await compileModule(POLICY, 'detect.policy.yaml')
    for (const s of PII) expect(module.evaluate('t', { s }).rule, s).toBe('pii-conditions')
    for (const s of NOT_PII) expect(module.evaluate('t', { s }).rule, s).toBe('no-pii-here')
    // numbers are read as their decimal text; `not_contains_pii` is exactly the negation
    expect(module.evaluate('t', { n: 4111111111111111 }).decision).toBe('allow')
    expect(module.evaluate('t', { n: 4111111111111111 }).rule).toBeUndefined()
    expect(module.evaluate('t', { n: 42 }).rule).toBe('no-pii-here')
    expect(module.evaluate('t', {}).rule).toBe('no-pii-here')
  })
})

describe('detectors on hostile values', () => {
  it('search nested arrays and objects, own properties only, and stop at the first hit', async () => {
    const { module } = await compileModule(POLICY, 'detect.policy.yaml')
    expect(module.evaluate('t', { s: { a: [1, { b: 'x AKIAABCDEFGHIJKLMNOP' }] } }).rule).toBe('secret-when')
    expect(module.evaluate('t', { s: [null, true, { k: 'ana@example.com' }] }).rule).toBe('pii-conditions')
    // keys are not searched, inherited properties are not own
    // (`no-pii-here` is the allow rule that matches when nothing deny or review did)
    expect(module.evaluate('t', { s: { 'ana@example.com': 1 } }).rule).toBe('no-pii-here')
    expect(module.evaluate('t', { s: Object.create({ x: 'AKIAABCDEFGHIJKLMNOP' }) }).rule).toBe('no-pii-here')
    expect(module.evaluate('t', { s: [, 'AKIAABCDEFGHIJKLMNOP'] }).rule).toBe('secret-when') // eslint-disable-line no-sparse-arrays -- a hole must be skipped, not read
  })

  it('end in the fail mode on over-deep or cyclic values, never in an exception', async () => {
    const { module } = await compileModule(POLICY, 'detect.policy.yaml')
    let deep: unknown = 'AKIAABCDEFGHIJKLMNOP'
    for (let i = 0; i < 100; i++) deep = [deep]
    expect(module.evaluate('t', { s: deep })).toMatchObject({ decision: 'deny', reason: expect.stringMatching(/^evaluation error: a value nested deeper than 64 levels/) })
    const cyclic: Record<string, unknown> = { a: 'clean' }
    cyclic['self'] = cyclic
    expect(module.evaluate('t', { s: cyclic }).decision).toBe('deny')
    const getter = { s: Object.defineProperty({}, 'x', { enumerable: true, get() { throw new Error('boom') } }) }
    expect(module.evaluate('t', getter)).toMatchObject({ decision: 'deny', reason: 'evaluation error: boom' })
  })

  it('scan huge text in linear time (no catastrophic backtracking on near-misses)', async () => {
    const { module } = await compileModule(POLICY, 'detect.policy.yaml')
    for (const s of ['a'.repeat(1_000_000), `${'1 '.repeat(300_000)}x`, `${'a.'.repeat(300_000)}@`, `${'sk-'.repeat(200_000)}`, `password${' '.repeat(500_000)}`, `-----BEGIN PRIVATE KEY-----${'A'.repeat(500_000)}`]) {
      expect(['allow', 'review', 'deny']).toContain(module.evaluate('t', { s }).decision)
    }
    expect(module.evaluate('t', { s: `${'x'.repeat(1_000_000)} ana@example.com` }).rule).toBe('pii-conditions')
  })
})

describe('redactDetected (for result rules that redact `secrets` or `pii`)', () => {
  it('replaces what the detectors find, keeps a credential name, and copies only own data', async () => {
    const code = `${text(HELPERS)}\n${text(detectorHelpers({ secret: true, pii: true, redact: true }))}\n${text(js`export { redactDetected, DET_SECRET, DET_PII, detect };`)}\nexport const policy = {}; export function evaluate() {}\n`
    const m = (await importCode(code)) as unknown as { redactDetected: (v: unknown, l: unknown) => unknown; DET_SECRET: unknown; DET_PII: unknown }
    expect(m.redactDetected('password=hunter2 and AKIAABCDEFGHIJKLMNOP', m.DET_SECRET)).toBe('password=[REDACTED] and [REDACTED]')
    expect(m.redactDetected({ a: ['mail ana@example.com', 4], b: 'card 4111 1111 1111 1112' }, m.DET_PII)).toEqual({ a: ['mail [REDACTED]', 4], b: 'card 4111 1111 1111 1112' })
    expect(m.redactDetected('4111 1111 1111 1111', m.DET_PII)).toBe('[REDACTED]')
    for (const s of SECRETS) expect(m.redactDetected(s, m.DET_SECRET), s).not.toBe(s)
    for (const s of SECRETS) expect(redactText(s), s).not.toBe(s)
  })
})

describe('what the module carries', () => {
  it('only the pattern lists and helpers it uses, one part a line', () => {
    const secret = text(detectorHelpers({ secret: true, pii: false }))
    expect(secret.startsWith('const DET_SECRET = Object.freeze([Object.freeze([new RegExp(')).toBe(true)
    expect(secret).toContain(']);\nconst DET_MAX = ')
    expect(secret).not.toContain('DET_PII')
    // each entry is a frozen [regex with the g flag, check] pair; no check is the empty string
    expect(secret).toMatch(/^const DET_SECRET = Object\.freeze\(\[Object\.freeze\(\[new RegExp\("(?:[^"\\]|\\.)*", "gi?"\), ""\]\), /)
    expect(secret).not.toContain('redactString')
    const pii = text(detectorHelpers({ secret: false, pii: true }))
    expect(pii.startsWith('const DET_PII = Object.freeze([')).toBe(true)
    expect(pii).not.toContain('DET_SECRET')
    const none = text(detectorHelpers({ secret: false, pii: false }))
    expect(none.startsWith('const DET_MAX = ')).toBe(true)
    expect(none).not.toMatch(/DET_SECRET|DET_PII|redact/)
    const redact = text(detectorHelpers({ secret: false, pii: false, redact: true }))
    expect(redact).toContain('\n}\nfunction redactString(s, list) {')
    // a policy without detectors carries none of them
    const out = compile('tools: { t: {} }\nrules:\n  - { id: r, tool: t, action: deny, when: "args.x === 1" }\n', { filename: 'p.policy.yaml' })
    expect(out.code).not.toMatch(/DET_|luhn|redactDetected/)
  })
})

describe('diagnostics', () => {
  it('reports misuse with the place and a hint', () => {
    const rule = (when: string): string => `tools: { t: {} }\nrules:\n  - { id: r, tool: t, action: deny, when: ${JSON.stringify(when)} }\n`
    expectDiagnostic(rule('containsSecrets(args.x)'), { code: 'expression-disallowed', underline: 'containsSecrets', help: 'did you mean `containsSecret`?' })
    expectDiagnostic(rule('containsPii()'), { code: 'expression-disallowed', underline: 'containsPii()', message: /takes 1 argument, got 0/ })
    expectDiagnostic(rule('containsPii(...args.x)'), { code: 'expression-disallowed', message: /spread/ })
    expectDiagnostic(`tools: { t: {} }\nrules:\n  - id: r\n    tool: t\n    action: deny\n    conditions: [ { field: args.x, operator: contains_secret, value: abc } ]\n`, { code: 'invalid-value', underline: 'abc' })
    expectDiagnostic(`tools: { t: {} }\nrules:\n  - id: r\n    tool: t\n    action: deny\n    conditions: [ { field: args.x, operator: contains_secrets } ]\n`, { code: 'invalid-value', help: 'did you mean `contains_secret`?' })
  })
})
