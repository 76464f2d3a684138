/**
 * No string in any position of a policy or of a tool schema changes the shape of the emitted code.
 *
 * Each position of one policy template (tool schema keywords, property names, enum values, `$comment`,
 * patterns, rule ids, messages, `when` literals, metadata ...) is filled, one at a time, with hostile
 * strings and with a harmless one. The emitted module, its `.d.ts` and its `.ts` twin are parsed and
 * reduced to their shape (node types, operators, names the compiler chose; every literal's value
 * dropped); a hostile string must give the same shape as the harmless one, or be refused with a
 * diagnostic. A new place where some generator writes text outside a string literal fails here.
 */
import { parse } from 'acorn'
import { transformSync } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'
import { emit } from '../../compiler/emit/index.js'
import type { Policy } from '../../compiler/ir.js'
import { importCode } from '../support/compiled.js'

const HOSTILE = [
  '*/globalThis.__pwned=1/*', '*/return true;/*', '*/ }); globalThis.__pwned = 1; (function(){ /*', '"', "'", '\\', '`', '${globalThis.__pwned=1}',
  '</script><script>globalThis.__pwned=1</script>', '<!--', '-->', '\u2028', '\u2029', '\n', '\r\n', '\u0000', '\ud800', '\u202e',
  '// x', '/* x', 'a"}); globalThis.__pwned = 1; ({"', "');globalThis.__pwned=1;('", '\\"; globalThis.__pwned=1; "', 'x\\', '#', 'é漢😀',
  '__proto__', 'constructor', 'prototype', 'then', 'length', '0', '-1', '1e3', 'true', 'null', 'x.y', 'x[0]', 'a b', '$', '%', '\t',
]
const HARMLESS = 'harmless'

/** A string as a YAML double-quoted scalar (JSON quoting, plus the escapes YAML needs and JSON leaves raw). */
function y(s: string): string {
  return JSON.stringify(s).replace(/[\u2028\u2029\u0085\ufeff]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** A string as a regex that matches exactly it (for `pattern` and `matches` positions). */
function rx(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, c => `\\${c}`).replace(/[\u0000-\u001f\u2028\u2029\ud800-\udfff]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/**
 * The policy with string `s` in position `at` and a distinct harmless string everywhere else. Every
 * string position of a tool schema and of a policy is one index here.
 */
const POSITIONS = [
  'schema property name', 'schema required entry', 'schema $comment', 'schema description', 'schema title', 'schema default',
  'schema examples', 'schema format', 'schema pattern', 'schema patternProperties key', 'schema enum value', 'schema const value',
  'schema $defs name', 'schema unknown keyword', 'schema nested property name', 'schema dependentRequired key', 'schema $id',
  'policy name', 'policy description', 'tool name', 'tool description', 'redact path', 'context field name', 'param name', 'param default',
  'rule id', 'rule description', 'rule message', 'rule tag', 'metadata key', 'metadata value', 'when string literal', 'when member key',
  'equals value', 'starts_with value', 'in list value', 'matches regex', 'limit key literal', 'second tool name', 'second rule name',
] as const
type Position = (typeof POSITIONS)[number]

export function policy(at: Position, s: string): string {
  const v = (p: Position, fallback: string): string => (p === at ? s : fallback)
  const q = (p: Position, fallback: string): string => y(v(p, fallback))
  return `name: ${q('policy name', 'shape')}
description: ${q('policy description', 'd')}
tools:
  ${q('tool name', 'send')}:
    description: ${q('tool description', 'sends')}
    redact: [${y(`${v('redact path', 'body')}`)}]
    parameters:
      type: object
      $comment: ${q('schema $comment', 'c')}
      description: ${q('schema description', 'd')}
      title: ${q('schema title', 't')}
      ${at === 'schema $id' ? `$id: ${y(s)}` : ''}
      x-vendor: ${q('schema unknown keyword', 'x')}
      properties:
        ${q('schema property name', 'to')}: { type: string, format: ${q('schema format', 'email')}, pattern: ${y(rx(v('schema pattern', 'a')))}, default: ${q('schema default', 'def')}, examples: [${q('schema examples', 'ex')}] }
        body: { type: string }
        kind: { enum: [${q('schema enum value', 'sms')}, "mms"] }
        fixed: { const: ${q('schema const value', 'k')} }
        nested: { type: object, properties: { ${q('schema nested property name', 'inner')}: { $ref: "#/$defs/d" } } }
      patternProperties:
        ${y(rx(v('schema patternProperties key', '^p_')))}: { type: number }
      $defs:
        d: { type: string }
        ${q('schema $defs name', 'unused')}: { type: number }
      dependentRequired:
        ${q('schema dependentRequired key', 'kind')}: [fixed]
      required: [${q('schema required entry', 'body')}]
  ${q('second tool name', 'fetch')}: {}
context:
  ${q('context field name', 'hour')}: number
params:
  ${q('param name', 'cap')}: { type: string, default: ${q('param default', 'p')} }
rules:
  - id: ${q('rule id', 'r1')}
    tool: ${q('tool name', 'send')}
    action: deny
    description: ${q('rule description', 'rd')}
    message: ${q('rule message', 'rm')}
    tags: [${q('rule tag', 'tag')}]
    metadata: { ${q('metadata key', 'mk')}: ${q('metadata value', 'mv')} }
    when: ${y(`args.body === ${JSON.stringify(v('when string literal', 'w'))}`)}
  - id: r4
    tool: ${q('second tool name', 'fetch')}
    action: deny
    when: ${y(`args[${JSON.stringify(v('when member key', 'm'))}] === 1`)}
  - name: ${q('second rule name', 'r2')}
    tool: ${q('second tool name', 'fetch')}
    action: review
    conditions:
      - { field: arguments.url, operator: equals, value: ${q('equals value', 'e')} }
      - { field: arguments.url, operator: not_starts_with, value: ${q('starts_with value', 's')} }
      - { field: arguments.url, operator: not_in, value: [${q('in list value', 'i')}, "j"] }
      - { field: arguments.url, operator: not_matches, value: ${y(rx(v('matches regex', 'h')))} }
  - id: r3
    tool: ${q('second tool name', 'fetch')}
    action: deny
    limit: { max: 3, per: 1m, key: ${y(`args[${JSON.stringify(v('limit key literal', 'lk'))}]`)} }
`
}

type Shape = string[]

/** Node types, operators and the names the compiler chose, in order; literal values and property spellings dropped. */
function shapeOf(code: string): Shape {
  const comments: string[] = []
  const ast = parse(code, { ecmaVersion: 'latest', sourceType: 'module', onComment: (block: boolean) => { comments.push(block ? 'Block' : 'Line') } })
  const out: Shape = []
  const walk = (n: unknown, key?: string): void => {
    if (Array.isArray(n)) return n.forEach(c => walk(c, key))
    if (n === null || typeof n !== 'object') return
    const node = n as Record<string, unknown> & { type: string }
    // `.to` and `["a b"]` are the same read; Ajv writes whichever the key allows
    if (node.type === 'MemberExpression') {
      out.push('Member', String(node['optional']))
      walk(node['object'])
      const p = node['property'] as { type: string }
      if (node['computed'] !== true || p.type === 'Literal') out.push('Literal:string')
      else walk(p)
      return
    }
    if (node.type === 'Property') {
      out.push('Property', String(node['kind']))
      const k = node['key'] as { type: string }
      if (node['computed'] !== true) out.push('Literal:string')
      else walk(k)
      walk(node['value'])
      return
    }
    if (node.type === 'Literal') {
      out.push(`Literal:${'regex' in node ? 'regex' : node['value'] === null ? 'null' : typeof node['value']}`)
      return
    }
    // esbuild reprints a string holding both quote kinds as a template without substitutions
    if (node.type === 'TemplateLiteral' && (node['expressions'] as unknown[]).length === 0) return void out.push('Literal:string')
    if (node.type === 'TemplateElement') return void out.push('TemplateElement')
    out.push(node.type)
    for (const f of ['name', 'operator', 'kind', 'prefix', 'async', 'generator', 'computed', 'shorthand', 'static', 'method']) {
      if (f in node) out.push(`${f}=${String(node[f])}`)
    }
    for (const [k, c] of Object.entries(node)) if (k !== 'type' && k !== 'start' && k !== 'end' && k !== 'loc' && k !== 'range' && typeof c === 'object') walk(c, k)
  }
  walk(ast)
  return [...out, `comments:${comments.join(',')}`]
}

function shapes(src: string): { js: Shape; dts: Shape; ts: Shape } | { errors: string[] } {
  const out = compile(src, { filename: 'shape.policy.yaml', ts: true })
  const errors = out.diagnostics.filter(d => d.severity === 'error')
  if (errors.length > 0) return { errors: errors.map(e => `${e.code}: ${e.message}`) }
  const strip = (ts: string): string => transformSync(ts, { loader: 'ts' }).code
  return { js: shapeOf(out.code), dts: shapeOf(strip(out.types)), ts: shapeOf(strip(out.ts!)) }
}

describe('the shape of the emitted code', () => {
  it('the template compiles with harmless strings everywhere', () => {
    for (const at of POSITIONS) {
      if (at === 'schema $id') continue
      expect(shapes(policy(at, HARMLESS)), at).not.toHaveProperty('errors')
    }
  })

  for (const at of POSITIONS) {
    it(`does not depend on the string in the ${at}`, async () => {
      const base = at === 'schema $id' ? null : shapes(policy(at, HARMLESS))
      let compiled = 0
      for (const s of HOSTILE) {
        // `length` is a word of the language in a read (SPEC 1.2: a string's or array's length), not a plain key
        if (s === 'length' && (at === 'when member key' || at === 'limit key literal')) continue
        const got = shapes(policy(at, s))
        if ('errors' in got) {
          // refused with a diagnostic: fine, as long as it is not what a harmless string gets
          continue
        }
        compiled++
        expect(base, `${at}: ${JSON.stringify(s)} compiled where a harmless string does not`).not.toBeNull()
        if (base === null || 'errors' in base) continue
        expect(got.js, `${at}: ${JSON.stringify(s)} changed the module`).toEqual(base.js)
        expect(got.dts, `${at}: ${JSON.stringify(s)} changed the .d.ts`).toEqual(base.dts)
        expect(got.ts, `${at}: ${JSON.stringify(s)} changed the .ts twin`).toEqual(base.ts)
      }
      // `$id` is refused whatever it says; every other position accepts most of these strings
      if (at === 'schema $id') expect(compiled).toBe(0)
      else expect(compiled).toBeGreaterThan(HOSTILE.length / 2)
    })
  }

  it('the issue\'s `$id` payloads are refused at their line and never run', async () => {
    for (const id of ['*/globalThis.__pwned=1/*', '*/return true;/*']) {
      const src = `tools:\n  t:\n    parameters:\n      $id: ${y(id)}\n      type: object\nrules: [{ id: r, tool: t, action: deny }]\n`
      const out = compile(src, { filename: 'p.policy.yaml', ts: true })
      const errors = out.diagnostics.filter(d => d.severity === 'error')
      expect(errors.map(e => [e.code, src.slice(e.span.start, e.span.end)])).toEqual([['schema-unsupported', '$id']])
      expect(out.code).toBe('')
      expect(out.ts ?? '').not.toContain('__pwned')
    }
  })

  it('a schema that reaches the emitter with an `$id` (bypassing `lower`) is refused, not emitted', async () => {
    const S = { start: 0, end: 0 }
    const p: Policy = {
      name: 'p', default: 'allow', unknownTools: 'deny', failMode: 'closed', regexInputLimit: 4096, context: [], params: [], span: S,
      tools: [{ name: 't', redact: [], span: S, schema: { $id: '*/globalThis.__pwned=1/*', type: 'object' } }],
      rules: [{ id: 'r', index: 0, action: 'deny', warn: false, tools: ['t'], condition: null, message: 'r', tags: [], metadata: {}, span: S }],
    }
    const out = emit(p, { source: '', filename: 'p.policy.yaml' })
    expect(out.diagnostics.map(d => d.code)).toEqual(['schema-unsupported'])
    expect(out.code).not.toContain('__pwned')
    const g = globalThis as { __pwned?: number }
    delete g.__pwned
    const mod = await importCode(out.code)
    expect(mod.evaluate('t', {}).decision).toBe('deny')
    expect(g.__pwned).toBeUndefined()
  })
})
