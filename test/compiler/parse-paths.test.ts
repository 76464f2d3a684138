/**
 * The parser's bounds and refusals (compiler/parse/index.ts) on small inputs: the nesting and alias
 * limits just past their bounds, core-schema tags on values and on keys, and the offsets of a
 * single-quoted `when`. The large hostile inputs of test/compiler/yaml-bounds.test.ts are left out
 * of the mutation run; these hold the same code to the exact diagnostic in a few milliseconds.
 */
import { describe, expect, it } from 'vitest'
import { analyze } from '../../compiler/analyze.js'
import { compile } from '../../compiler/index.js'
import { MAX_ALIASES, MAX_DEPTH } from '../../compiler/parse/index.js'
import { expectDiagnostic } from '../support/diagnostics.js'

/** One line per diagnostic: `severity code «underlined» message | help`. */
function report(src: string): string[] {
  return analyze(src, { filename: 'p.policy.yaml' }).diagnostics.map(d => `${d.severity} ${d.code} «${src.slice(d.span.start, d.span.end)}» ${d.message}${d.help !== undefined ? ` | ${d.help}` : ''}`)
}

/** A typed tool (so no `untyped-tool` warning) and one rule, followed by `tail` (rule keys, indented by four). */
const RULE = 'tools:\n  t:\n    parameters: { type: object, properties: { s: { type: string } } }\nrules:\n  - id: r\n    tool: t\n    action: deny\n'
const withMetadata = (yaml: string): string => `${RULE}    metadata:\n${yaml}`
const metadataOf = (src: string): unknown => {
  const out = compile(src, { filename: 'p.policy.yaml' })
  expect(out.diagnostics).toEqual([])
  return out.policy!.rules[0]!.metadata
}

describe('core-schema tags on values', () => {
  it('`!!float`, `!!bool` and `!!null` keep a value that fits them', () => {
    expect(metadataOf(withMetadata('      f: !!float 1.5\n      e: !!float 1e3\n      b: !!bool true\n      n: !!null ~\n'))).toEqual({ f: 1.5, e: 1000, b: true, n: null })
  })

  it('and refuse one that does not, underlining it', () => {
    const src = withMetadata('      f: !!float abc\n      b: !!bool yes\n      n: !!null x\n')
    expect(report(src)).toEqual([
      'error yaml-tag «abc» `abc` is not a valid `!!float`',
      'error yaml-tag «yes» `yes` is not a valid `!!bool`',
      'error yaml-tag «x» `x` is not a valid `!!null`',
    ])
  })
})

describe('a tag that names the other kind of node', () => {
  // the yaml package only warns and keeps the node as written: `!!map abc` used to compile as "abc"
  it('a scalar tagged `!!map` or `!!seq` is refused, underlining it', () => {
    expect(report(withMetadata('      m: !!map abc\n      s: !!seq abc\n'))).toEqual([
      'error yaml-tag «abc» `abc` is not a valid `!!map`',
      'error yaml-tag «abc» `abc` is not a valid `!!seq`',
    ])
  })

  it('a map or a sequence tagged as anything but itself is refused; its own tag and `!` are kept', () => {
    expect(report(withMetadata('      a: !!seq { x: 1 }\n      b: !!map [1]\n      c: !!str [1]\n      d: !!int { x: 1 }\n'))).toEqual([
      'error yaml-tag «{ x: 1 }» a map cannot be tagged `!!seq` | remove the tag',
      'error yaml-tag «[1]» a sequence cannot be tagged `!!map` | remove the tag',
      'error yaml-tag «[1]» a sequence cannot be tagged `!!str` | remove the tag',
      'error yaml-tag «{ x: 1 }» a map cannot be tagged `!!int` | remove the tag',
    ])
    expect(metadataOf(withMetadata('      a: !!map { x: 1 }\n      b: !!seq [1]\n      c: ! [2]\n      d: ! { y: 3 }\n'))).toEqual({ a: { x: 1 }, b: [1], c: [2], d: { y: 3 } })
  })

  it('a key is held to its tag as a value is: `!!int x` and `!!map k` are refused, `!!int 5` is the key "5"', () => {
    expect(report(withMetadata('      !!int x: 1\n      !!map k: 2\n'))).toEqual([
      'error yaml-tag «x» `x` is not a valid `!!int`',
      'error yaml-tag «k» `k` is not a valid `!!map`',
    ])
    expect(metadataOf(withMetadata('      !!int 5: 1\n      !!bool true: 2\n'))).toEqual({ 5: 1, true: 2 })
  })
})

describe('tags on mapping keys', () => {
  it('a key with a tag outside the core schema is refused; a `!!str` key is a key', () => {
    const src = withMetadata('      !foo a: 1\n      !!str b: 2\n      !!binary c: 3\n')
    expectDiagnostic(src, { code: 'yaml-tag', underline: 'a', message: 'the tag `!foo` is not allowed', help: /^a policy uses YAML's core schema only; remove the tag$/, line: 9 })
    expectDiagnostic(src, { code: 'yaml-tag', underline: 'c', message: 'the tag `!!binary` is not allowed', line: 11 })
    expect(report(src)).toHaveLength(2)
    expect(metadataOf(withMetadata('      !!str b: 2\n'))).toEqual({ b: 2 })
  })

  it('a verbatim tag is shown as written: only a leading `tag:yaml.org,2002:` becomes `!!`', () => {
    const src = withMetadata('      !<tag:example.com,2000:tag:yaml.org,2002:x> c: 3\n')
    expect(report(src)).toEqual(['error yaml-tag «c» the tag `tag:example.com,2000:tag:yaml.org,2002:x` is not allowed | a policy uses YAML\'s core schema only; remove the tag'])
  })

  it('the value of a refused key is not read, and the entries around it are', () => {
    const out = analyze(withMetadata('      before: 1\n      !foo a: 1\n      after: 2\n'), { filename: 'p.policy.yaml' })
    expect(out.policy).toBeNull()
    expect(out.diagnostics.map(d => d.code)).toEqual(['yaml-tag'])
  })
})

describe('nesting bounds', () => {
  it(`flow brackets deeper than ${MAX_DEPTH} are refused before the YAML parser sees them, at the first bracket too many`, () => {
    const src = `rules: []\nx: ${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}\n`
    const out = compile(src, { filename: 'p.policy.yaml' })
    expect(out.diagnostics).toEqual([{
      code: 'yaml-too-deep',
      severity: 'error',
      message: 'the policy nests brackets more than 64 levels deep',
      // the 65th `[`: `rules: []\nx: ` is 13 characters, and the `[]` of `rules` closes itself
      span: { start: 13 + MAX_DEPTH, end: 14 + MAX_DEPTH },
      help: 'a policy needs only a few levels; flatten the structure',
    }])
    expect(out.policy).toBeNull()
  })

  it(`${MAX_DEPTH} flow brackets are read as YAML`, () => {
    // what reports `x` is the lowering, which only runs once the text parsed
    const src = `rules: []\nx: ${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}\n`
    expect(analyze(src, { filename: 'p.policy.yaml' }).diagnostics.map(d => d.code)).toEqual(['unknown-key'])
  })

  it(`block nesting deeper than ${MAX_DEPTH} is refused once, and the rest of the tree is not read`, () => {
    // the metadata map is at depth 3 and its value at 4, so 61 nested sequences put `x` at 65;
    // the second chain, just as deep, is not reported again
    const chain = (leaf: string): string => `${'- '.repeat(61)}${leaf}`
    const src = withMetadata(`      a:\n        ${chain('x')}\n      b:\n        ${chain('y')}\n`)
    expect(report(src)).toEqual(['error yaml-too-deep «x» the policy nests more than 64 levels deep | a policy needs only a few levels; flatten the structure'])
  })

  it(`${MAX_DEPTH} levels of block nesting are read`, () => {
    const value = metadataOf(withMetadata(`      a:\n        ${'- '.repeat(60)}x\n`)) as { a: unknown }
    let depth = 0
    let v: unknown = value.a
    while (Array.isArray(v)) {
      depth++
      v = v[0]
    }
    expect([depth, v]).toEqual([60, 'x'])
  })
})

describe('the number of aliases', () => {
  // six anchors, each named at most 1,000 times: under the yaml package's own bound per anchor
  // (`maxAliasCount`), so only the count of all aliases decides. (Each alias is looked up among all
  // before it, so this one test takes a few hundred milliseconds; that many aliases are read without
  // error in yaml-bounds.test.ts.)
  const names = 'abcdef'
  const policyWith = (aliases: number): { src: string; offsets: number[] } => {
    const head = withMetadata(`      k: [${[...names].map(c => `&${c} ${c}`).join(', ')}]\n      v: [`)
    const offsets: number[] = []
    let list = ''
    for (let i = 0; i < aliases; i++) {
      if (i > 0) list += ','
      offsets.push(head.length + list.length)
      list += `*${names[i % names.length]}`
    }
    return { src: `${head}${list}]\n`, offsets }
  }

  it('the first alias past the bound is refused, once, and the aliases after it are not read', () => {
    const { src, offsets } = policyWith(MAX_ALIASES + 3)
    const { diagnostics } = analyze(src, { filename: 'p.policy.yaml' })
    expect(diagnostics).toEqual([{
      code: 'yaml-alias-limit',
      severity: 'error',
      message: 'more than 5000 aliases',
      span: { start: offsets[MAX_ALIASES]!, end: offsets[MAX_ALIASES]! + 2 },
      help: 'write the values out, or use fewer aliases',
    }])
  })
})

describe('offsets inside a single-quoted `when`', () => {
  it('a doubled quote is one character of the expression: later spans stay on their text', () => {
    // `''` in the source is `'` in the expression; a span past it must not drift
    const src = `${RULE}    when: 'args.s == ''a'' || args.zz == 1'\n`
    expectDiagnostic(src, { code: 'unknown-field', underline: 'args.zz', message: 'unknown field `zz` in the arguments of `t`', help: 'the schema has: `s`' })
    // two pairs in a row: `"a''b"` in the expression
    const twice = `${RULE}    when: 'args.s == "a''''b" || args.zz == 1'\n`
    expectDiagnostic(twice, { code: 'unknown-field', underline: 'args.zz' })
    // a span that ends just past a doubled quote ends past both of its characters
    const ending = `${RULE}    when: 'args.s.length == ''a'''\n`
    expectDiagnostic(ending, { code: 'type-mismatch', underline: "args.s.length == ''a''" })
  })
})
