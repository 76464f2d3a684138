/**
 * What the module builder (compiler/emit/builder.ts) makes once per module: one constant per regex
 * and per time zone, whoever uses it, and the detector helpers only when the policy calls them.
 * Each case decides a call a wrong constant would decide otherwise, or counts what the module
 * carries. Found by `npm run mutate`; the policies compile inside `it` so the run sees the builder.
 */
import { describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'
import { compileModule, importCode } from '../support/compiled.js'

type Module = { evaluate: (tool: string, args: unknown, context?: unknown, options?: { now: number }) => { decision: string; rule?: string } }

function build(src: string): string {
  const out = compile(src, { filename: 'module.policy.yaml' })
  expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
  return out.code
}

const count = (code: string, word: string): number => code.split(word).length - 1

describe('regex constants', () => {
  const SRC = `tools: { t: {}, u: {} }
rules:
  - { id: plain, tool: t, action: deny, when: "/^ab$/.test(args.s)" }
  - { id: folded, tool: t, action: review, when: "/^ab$/i.test(args.s)" }
  - { id: other, tool: t, action: review, when: "/^cd$/.test(args.s)" }
  - { id: again, tool: u, action: deny, when: "/^ab$/.test(args.s)" }
`
  it('one per source and flags: the same regex in two tools is one constant, another flag or source another', async () => {
    const code = build(SRC)
    expect(count(code, 'new RegExp(')).toBe(3)
    const m = (await importCode(code)) as unknown as Module
    expect(m.evaluate('t', { s: 'ab' }).rule).toBe('plain')
    expect(m.evaluate('t', { s: 'AB' }).rule).toBe('folded')
    expect(m.evaluate('t', { s: 'cd' }).rule).toBe('other')
    expect(m.evaluate('t', { s: 'CD' }).decision).toBe('allow')
    expect(m.evaluate('u', { s: 'ab' }).rule).toBe('again')
    expect(m.evaluate('u', { s: 'AB' }).decision).toBe('allow')
  })
})

describe('time-zone formatters', () => {
  it('one per zone: two windows in one zone share it, a window in another zone has its own', async () => {
    const code = build(`tools: { t: {} }
rules:
  - { id: utc-a, tool: t, action: deny, when: "args.k === 'a'", outside_hours: { from: "09:00", to: "17:00", tz: UTC } }
  - { id: utc-b, tool: t, action: deny, when: "args.k === 'b'", outside_hours: { from: "10:00", to: "11:00", tz: UTC } }
  - { id: tokyo, tool: t, action: deny, when: "args.k === 'c'", outside_hours: { from: "09:00", to: "17:00", tz: Asia/Tokyo } }
`)
    expect(count(code, 'new Intl.DateTimeFormat(')).toBe(2)
    const m = (await importCode(code)) as unknown as Module
    // 03:00 UTC is 12:00 in Tokyo: outside both UTC windows, inside Tokyo's
    const at = { now: Date.parse('2026-01-05T03:00:00Z') }
    expect(m.evaluate('t', { k: 'a' }, {}, at).rule).toBe('utc-a')
    expect(m.evaluate('t', { k: 'b' }, {}, at).rule).toBe('utc-b')
    expect(m.evaluate('t', { k: 'c' }, {}, at).decision).toBe('allow')
    // 10:30 UTC is 19:30 in Tokyo
    const later = { now: Date.parse('2026-01-05T10:30:00Z') }
    expect(m.evaluate('t', { k: 'a' }, {}, later).decision).toBe('allow')
    expect(m.evaluate('t', { k: 'b' }, {}, later).decision).toBe('allow')
    expect(m.evaluate('t', { k: 'c' }, {}, later).rule).toBe('tokyo')
  })
})

describe('detector helpers', () => {
  it('only what the policy calls: none without detectors, the secret patterns without redaction for `containsSecret`', () => {
    const none = build('tools: { t: {} }\nrules:\n  - { id: r, tool: t, action: deny, when: "args.s === \'x\'" }\n')
    for (const word of ['DET_SECRET', 'DET_PII', 'redactDetected', 'function detect(']) expect(none).not.toContain(word)
    const secret = build('tools: { t: {} }\nrules:\n  - { id: r, tool: t, action: deny, when: "containsSecret(args.s)" }\n')
    expect(secret).toContain('DET_SECRET')
    expect(secret).not.toContain('DET_PII')
    expect(secret).not.toContain('redactDetected')
  })
})

describe('counters()', () => {
  type Counters = { counters: (tool: string, args: unknown, context?: unknown) => { name: string; perMs: number; key: string }[] | null }
  it('each tool gets the counted context fields that name it (or all tools), with their window and key; others get null', async () => {
    const m = (await compileModule(`tools: { a: {}, b: {}, c: {} }
context:
  calls: { count: { per: 1h } }
  by_user: { count: { per: 10m, tools: [a, b], key: "args.user" } }
  by_team: { count: { per: 1d, tools: [b], key: "args.team" } }
rules: []
`, 'module.policy.yaml')).module as unknown as Counters
    const a1 = m.counters('a', { user: 'u1' })!
    expect(a1.map(x => [x.name, x.perMs])).toEqual([['calls', 3_600_000], ['by_user', 600_000]])
    expect(a1[0]!.key).toBe('')
    expect(a1[1]!.key).not.toBe('')
    expect(m.counters('a', { user: 'u1' })![1]!.key).toBe(a1[1]!.key)
    expect(m.counters('a', { user: 'u2' })![1]!.key).not.toBe(a1[1]!.key)
    expect(m.counters('b', { user: 'u1', team: 't' })!.map(x => x.name)).toEqual(['calls', 'by_user', 'by_team'])
    expect(m.counters('c', {})!.map(x => x.name)).toEqual(['calls'])
    expect(m.counters('zzz', {})).toBeNull()
    const none = (await compileModule('tools: { a: {} }\nrules: []\n', 'module.policy.yaml')).module as unknown as Counters
    expect(none.counters('a', {})).toBeNull()
  })
})

describe('pending limits', () => {
  type Limits = { evaluate: (tool: string, args: unknown) => { decision: string; reason?: string; limits?: Record<string, unknown>[]; errors?: string[] } }
  const rules = `rules:
  - { id: plain, tool: t, action: deny, limit: { max: 2, per: 1m } }
  - { id: keyed, tool: t, action: review, limit: { max: 5, per: 1h, key: "args.k.toUpperCase()" }, severity: high, message: too many }
`
  it('each limit rule that holds is handed to the guard with exactly its fields (a severity only when it has one)', async () => {
    const m = (await compileModule(`tools: { t: {} }\n${rules}`, 'module.policy.yaml')).module as unknown as Limits
    expect(m.evaluate('t', { k: 'ab' }).limits).toStrictEqual([
      { rule: 'plain', index: 0, action: 'deny', warn: false, max: 2, perMs: 60_000, key: '', message: 'plain' },
      { rule: 'keyed', index: 1, action: 'review', warn: false, max: 5, perMs: 3_600_000, key: 'AB', message: 'too many', severity: 'high' },
    ])
  })
  it('a key that throws decides by the fail mode: closed denies the call, open skips that rule and says why', async () => {
    const closed = (await compileModule(`tools: { t: {} }\n${rules}`, 'module.policy.yaml')).module as unknown as Limits
    expect(closed.evaluate('t', { k: 5 })).toMatchObject({ decision: 'deny', reason: expect.stringMatching(/^evaluation error: `toUpperCase` needs a string/) })
    const open = (await compileModule(`fail_mode: open\ntools: { t: {} }\n${rules}`, 'module.policy.yaml')).module as unknown as Limits
    const d = open.evaluate('t', { k: 5 })
    expect(d.limits!.map(l => l['rule'])).toEqual(['plain'])
    expect(d.errors).toEqual(["rule `keyed` skipped: `toUpperCase` needs a string, got number"])
  })
})
