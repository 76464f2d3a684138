/**
 * The parser's bounds and refusals (compiler/parse/index.ts) on small inputs: the nesting and alias
 * limits just past their bounds, core-schema tags on values and on keys, and the offsets of a
 * single-quoted or double-quoted `when`, and the text diagnostics (control characters, escapes,
 * aliases, keys, warnings). The large hostile inputs of test/compiler/yaml-bounds.test.ts are left out
 * of the mutation run; these hold the same code to the exact diagnostic in a few milliseconds.
 */
import { describe, expect, it } from 'vitest'
import { analyze } from '../../compiler/analyze.js'
import { compile } from '../../compiler/index.js'
import { MAX_ALIASES, MAX_DEPTH } from '../../compiler/parse/index.js'
import { expectDiagnostic, report } from '../support/diagnostics.js'

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

describe('what the parser says about the text itself, underlined where it is', () => {
  const ALLOWED = 'allowed keys: `extends`, `version`, `name`, `description`, `default`, `unknown_tools`, `fail_mode`, `regex_input_limit`, `tools`, `context`, `params`, `rules`, `settings`, `approval_ttl`'
  const CASES: [string, string[]][] = [
    ['name: a\u0001b\nrules: []\n', ['error control-character «\u0001» control character U+0001 in the policy | a policy is text; write the character as an escape (`"\\u0000"`) inside a double-quoted string']],
    // upper-case hex in the message
    ['name: a\u001bb\nrules: []\n', ['error control-character «\u001b» control character U+001B in the policy | a policy is text; write the character as an escape (`"\\u0000"`) inside a double-quoted string']],
    ['name: a\ufffdb\nrules: []\n', ['warning replacement-character «\ufffd» replacement character U+FFFD: the file may not be valid UTF-8 | save the policy as UTF-8; if the character is meant, write it as `"\\uFFFD"`']],
    ['name: "a\\qb"\nrules: []\n', ["error yaml-bad-escape «\\q» invalid escape `\\q` in a double-quoted string | inside double quotes YAML reads a backslash as an escape; write the value in single quotes (`'...'`), where a backslash is literal"]],
    // the yaml package's message, its first line, without "at line .., column ..", in lower case
    ['rules: []\n...\nname: x\n', ['error yaml-syntax «name: x\n» yaml syntax: source contains multiple documents; please use YAML.parseAllDocuments()']],
    ['%FOO bar\n---\nrules: []\n', ['warning yaml-warning «%FOO bar» unknown directive %FOO']],
    ['a: &x 1\nname: *y\nrules: []\n', [
      `error unknown-key «a» unknown key \`a\` in the policy | ${ALLOWED}`,
      'error yaml-syntax «*y» yaml syntax: unresolved alias `*y`',
      'error invalid-type «*y» policy name must be a string',
    ]],
    ['name: !foo a\nrules: []\n', [
      "error yaml-tag «a» the tag `!foo` is not allowed | a policy uses YAML's core schema only (strings, numbers, booleans, null, maps, sequences); remove the tag",
      'error invalid-type «a» policy name must be a string',
    ]],
    // the non-specific tag `!` and `!!str` make a string of what they tag
    ['name: ! 5\nrules: []\n', []],
    ['name: !!str 5\nrules: []\n', []],
    ['? [a]\n: 1\nrules: []\n', ['error yaml-key «[a]» a mapping key must be a plain value, not a map, a sequence or an alias | write the key as a string']],
    ['<<: {a: 1}\nrules: []\n', ['error yaml-merge-key «<<» merge keys (`<<`) are not supported | write the entries out; to use `<<` as a key, quote it']],
    ['name: x\nname: y\nrules: []\n', ['error duplicate-key «name» duplicate key in a mapping | each key may appear once; remove or merge the repeated key']],
  ]
  for (const [src, lines] of CASES) {
    it(JSON.stringify(src), () => {
      expect(report(src).filter(l => !l.includes(' no-rules '))).toEqual(lines)
    })
  }

  it('aliases that expand past the yaml package\'s own bound: its message, once, and the rest is not read', () => {
    const levels = ['a: &a [x,x,x,x,x,x,x,x,x,x]']
    for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd']]) levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`)
    const src = `${levels.join('\n')}\nf: [${Array(10).fill('*e').join(',')}]\nrules: []\n`
    expect(report(src).filter(l => !l.includes(' unknown-key '))).toEqual([
      'error yaml-alias-limit «*c» too many aliases: excessive alias count indicates a resource exhaustion attack | aliases may expand to at most 1000 copies of what they name; write the values out, or use fewer levels of aliases',
    ])
  })
})

describe('offsets inside a double-quoted or folded `when`', () => {
  // each escape is one character of the expression but several of the source: spans after it stay on their text
  // (YAML escapes: `\x41`, `\u0041` and `\U00000041` are `A` (one UTF-16 unit: the last was once
  // counted as two, and every span after it fell one character short), `\U0001F600` is two units,
  // `\t` a tab, `\\\\` the expression's own escaped backslash)
  for (const escape of ['\\x41', '\\u0041', '\\U00000041', '\\U0001F600', '\\t', '\\\\\\\\']) {
    it(`after \`${escape}\``, () => {
      const src = `${RULE}    when: "args.s == \\"${escape}\\" || args.zz == 1"\n`
      expect(report(src)).toEqual(['error unknown-field «args.zz» unknown field `zz` in the arguments of `t` | the schema has: `s`'])
    })
  }
  it('across a line break of a double-quoted scalar, and of a folded one', () => {
    const quoted = `${RULE}    when: "args.s ==\n      1 || args.zz == 1"\n`
    expect(report(quoted)).toEqual([
      'error type-mismatch «args.s ==\n      1» comparison of `args.s` (string | undefined) with a number is always false | compare values of the same type',
      'error unknown-field «args.zz» unknown field `zz` in the arguments of `t` | the schema has: `s`',
    ])
    const folded = `${RULE}    when: >\n      args.s == 1 ||\n      args.zz == 1\n`
    expect(report(folded)).toEqual([
      'error type-mismatch «args.s == 1» comparison of `args.s` (string | undefined) with a number is always false | compare values of the same type',
      'error unknown-field «args.zz» unknown field `zz` in the arguments of `t` | the schema has: `s`',
    ])
  })
})
