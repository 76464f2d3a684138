/**
 * Hostile YAML: alias bombs, deep nesting, huge files, tags outside the core schema, non-scalar
 * keys, merge keys, and the encodings a file can arrive in. Each ends in a compiled policy or in a
 * diagnostic at a line, never in a hang, a crash or a silently changed value. (How long each takes
 * is measured by `bench/yaml-bounds.ts`, not asserted here.)
 */
import { describe, expect, it } from 'vitest'
import { analyze } from '../../compiler/analyze.js'
import { compile } from '../../compiler/index.js'
import { position } from '../../compiler/format.js'
import { expectDiagnostic } from '../support/diagnostics.js'
import { hostileYaml } from '../support/hostile-yaml.js'

const errorsOf = (src: string): { code: string; line: number; text: string }[] =>
  analyze(src, { filename: 'p.policy.yaml' }).diagnostics.filter(d => d.severity === 'error').map(d => ({ code: d.code, line: position(src, d.span.start).line, text: src.slice(d.span.start, d.span.end) }))

describe('alias bounds (the yaml package\'s maxAliasCount, plus a cap on expanded nodes)', () => {
  it('the 23-level doubling bomb of the issue is refused at an alias line', () => {
    const src = hostileYaml.doublingBomb(23)
    expect(src.length).toBeLessThan(1000)
    const errors = errorsOf(src)
    expect(errors.map(e => e.code)).toContain('yaml-alias-limit')
    const e = errors.find(x => x.code === 'yaml-alias-limit')!
    expect(e.text).toMatch(/^\*a\d+$/)
  })

  it('2,500 and 5,000 anchors with as many aliases compile', () => {
    for (const n of [2500, 5000]) {
      const src = hostileYaml.manyAnchors(n)
      const out = compile(src, { filename: 'p.policy.yaml' })
      expect(out.diagnostics.filter(d => d.severity === 'error'), String(n)).toEqual([])
      expect(out.policy!.rules[0]!.metadata[`r${n - 1}`]).toBe(`value ${n - 1}`)
    }
  })

  it('aliases that would expand past the node cap are refused', () => {
    // one anchor of 2,000 items named 100 times: 200,000 nodes, under maxAliasCount but over the cap
    const items = Array.from({ length: 2000 }, (_, i) => `x${i}`).join(', ')
    const src = `rules:\n  - id: r\n    tool: t\n    action: deny\n    metadata:\n      big: &big [${items}]\n${Array.from({ length: 100 }, (_, i) => `      c${i}: *big\n`).join('')}`
    expect(errorsOf(src).map(e => e.code)).toEqual(['yaml-alias-limit'])
  })

  it('an alias reads as the anchored value', () => {
    const out = compile(`tools:\n  t: {}\nrules:\n  - id: r\n    tool: t\n    action: deny\n    metadata: { a: &x [1, 2], b: *x }\n`, { filename: 'p.policy.yaml' })
    expect(out.policy!.rules[0]!.metadata).toEqual({ a: [1, 2], b: [1, 2] })
  })
})

describe('every 1 MB shape compiles or ends in a diagnostic', () => {
  for (const [name, make, expected] of hostileYaml.megabyteShapes()) {
    it(`${name}`, () => {
      const src = make()
      expect(src.length).toBeGreaterThan(900_000)
      const out = compile(src, { filename: 'p.policy.yaml' })
      const errors = out.diagnostics.filter(d => d.severity === 'error').map(d => d.code)
      if (expected === 'compiles') expect(errors).toEqual([])
      else if (expected === 'either') for (const d of out.diagnostics) expect(d.span.start).toBeLessThan(src.length)
      else expect(errors).toContain(expected)
    })
  }
})

describe('YAML beyond the core schema is an error at its line', () => {
  for (const [tag, value] of [['!!js/function', '"function () { return 1 }"'], ['!!binary', 'aGVsbG8='], ['!!set', '{ a, b }'], ['!custom', 'x'], ['!!omap', '[a: 1]'], ['!!timestamp', '2001-01-01'], ['!!python/object:os.system', '"ls"']] as const) {
    it(`\`${tag}\``, () => {
      const src = `tools:\n  t: {}\nrules:\n  - id: r\n    tool: t\n    action: deny\n    message: ${tag} ${value}\n`
      const errors = errorsOf(src)
      expect(errors.filter(e => e.code === 'yaml-tag').map(e => e.line)).toEqual([7])
    })
  }
  it('core tags are fine when the value fits them, and an error when it does not', () => {
    expect(errorsOf(`tools:\n  t: {}\nrules:\n  - id: !!str r\n    tool: t\n    action: deny\n    metadata: { n: !!int "5" }\n`)).toEqual([])
    expect(errorsOf(`tools:\n  t: {}\nrules:\n  - id: r\n    tool: t\n    action: deny\n    metadata: { n: !!int abc }\n`).map(e => [e.code, e.line])).toEqual([['yaml-tag', 7]])
  })
  it('a sequence or a map as a mapping key is an error, not a tool named `["a","b"]`', () => {
    expectDiagnostic(`tools:\n  [a, b]: {}\nrules: []\n`, { code: 'yaml-key', underline: '[a, b]', line: 2 })
    expectDiagnostic(`tools:\n  ? { a: 1 }\n  : {}\nrules: []\n`, { code: 'yaml-key', underline: '{ a: 1 }', line: 2 })
  })
  it('a merge key is an error; a quoted `<<` is a plain key', () => {
    expectDiagnostic(`base: &b { action: deny }\nrules:\n  - id: r\n    <<: *b\n`, { code: 'yaml-merge-key', underline: '<<', line: 4 })
    const out = compile(`tools:\n  t: {}\nrules:\n  - id: r\n    tool: t\n    action: deny\n    metadata: { "<<": 1 }\n`, { filename: 'p.policy.yaml' })
    expect(out.policy!.rules[0]!.metadata).toEqual({ '<<': 1 })
  })
})

describe('keys, booleans and encodings', () => {
  const base = `tools:\n  t: {}\nrules:\n  - id: r\n    tool: t\n    action: deny\n`
  it('a duplicate key is an error at the second one', () => {
    expectDiagnostic(`${base}    action: allow\n`, { code: 'duplicate-key', line: 7 })
  })
  it('YAML 1.1 booleans are strings (YAML 1.2): `enabled: yes` is an error, not true', () => {
    expectDiagnostic(`${base}    enabled: yes\n`, { code: 'invalid-type', underline: 'yes', line: 7 })
    expectDiagnostic(`${base}    enabled: off\n`, { code: 'invalid-type', underline: 'off', line: 7 })
  })
  it('a byte-order mark and CRLF line ends compile, with the same positions', () => {
    const crlf = `\ufeff${base.replace(/\n/g, '\r\n')}    when: "args.x ==="\r\n`
    const d = expectDiagnostic(crlf, { code: 'expression-syntax', line: 7 })
    expect(d.severity).toBe('error')
    expect(compile(`\ufeff${base.replace(/\n/g, '\r\n')}`, { filename: 'p.policy.yaml' }).diagnostics.filter(x => x.severity === 'error')).toEqual([])
  })
  it('a NUL character is an error at its line', () => {
    expect(errorsOf(`${base}    message: "a\u0000b"\n`).length + errorsOf(`${base}    message: a\u0000b\n`).length).toBeGreaterThan(0)
    expect(errorsOf(`${base}    message: a\u0000b\n`).map(e => e.line)).toContain(7)
  })
  it('text that was not valid UTF-8 (decoded to U+FFFD) is a warning at its line', () => {
    const src = `${base}    message: caf\ufffd\n`
    const d = analyze(src, { filename: 'p.policy.yaml' }).diagnostics.find(x => x.code === 'replacement-character')
    expect(d?.severity).toBe('warning')
    expect(position(src, d!.span.start).line).toBe(7)
  })
  it('several documents in one file are an error', () => {
    expect(errorsOf(`${base}---\n${base}`).map(e => e.code)).toContain('yaml-syntax')
  })
})
