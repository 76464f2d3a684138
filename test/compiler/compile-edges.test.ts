/**
 * The small edges of the compiler that no larger suite in the mutation run decides: the code frame of
 * `formatDiagnostics` on an empty line, an empty file and a span over several lines; `compile` when
 * the emitter throws; which reads of `context` decide `visibleTools` statically when the policy
 * counts calls; and the two IR helpers whose contract reaches past what today's callers use.
 */
import { describe, expect, it } from 'vitest'
import type { Diagnostic } from '../../compiler/diagnostic.js'
import { formatDiagnostics } from '../../compiler/format.js'
import { compile } from '../../compiler/index.js'
import type { Expr } from '../../compiler/ir.js'
import { canonical } from '../../compiler/ir-util.js'
import { children } from '../../compiler/ir-walk.js'
import { compileModule } from '../support/compiled.js'

const at = (start: number, end: number, message = 'm'): Diagnostic => ({ code: 'c', severity: 'error', message, span: { start, end } })

describe('formatDiagnostics', () => {
  it('a diagnostic on an empty line still gets its frame, with one caret', () => {
    const src = 'a: 1\n\nb: 2\n'
    expect(formatDiagnostics([at(5, 5)], src, 'p.policy.yaml')).toBe('p.policy.yaml:2:1: error: m\n  |\n2 | \n  | ^')
  })

  it('an empty file has no line to show: the message and the help only', () => {
    const out = compile('', { filename: 'p.policy.yaml' })
    expect(formatDiagnostics(out.diagnostics, '', 'p.policy.yaml')).toBe('p.policy.yaml:1:1: error: the policy file is empty\n  = help: a policy needs at least `rules:`')
  })

  it('a span over several lines is underlined to the end of its first line', () => {
    // from `cdef` on line 2 into line 3
    const src = 'rules:\n  - abcdef\n    ghi\n'
    const start = src.indexOf('cdef')
    expect(formatDiagnostics([at(start, src.indexOf('hi'))], src, 'p.policy.yaml')).toBe('p.policy.yaml:2:7: error: m\n  |\n2 |   - abcdef\n  |       ^^^^')
  })
})

describe('compile when the emitter throws', () => {
  it('reports an internal error after the analysis diagnostics, and returns no module', () => {
    // A validator text from the caller's cache is trusted like node_modules (compiler/cache.ts); one
    // that is valid JavaScript but lacks the validator's export stops the emitter with a throw. The
    // property name is unique to this test, so no validator this process generated earlier (kept in
    // compiler/emit/validate.ts) stands in for the cached text.
    const src = 'tools:\n  t:\n    parameters:\n      type: object\n      properties: { compile_edges_probe: { type: object, properties: { deep: { type: string } } } }\n  u: {}\nrules:\n  - { id: r, tool: t, action: deny }\n'
    const cache = { get: (key: string): string | undefined => (key.startsWith('ajv-') ? 'const nope = 1;' : undefined), set: (): void => {} }
    const out = compile(src, { filename: 'p.policy.yaml', cache })
    expect(out.diagnostics.map(d => [d.code, d.severity, src.slice(d.span.start, d.span.end)])).toEqual([['untyped-tool', 'warning', 'u'], ['internal-error', 'error', 't']])
    expect(out.diagnostics[1]).toEqual({
      code: 'internal-error',
      severity: 'error',
      message: 'internal compiler error while emitting: internal: a generated validator does not start with its export',
      span: { start: 0, end: 1 },
      help: 'this is a bug in vetoc, not in your policy; please report it with the policy file',
    })
    expect([out.code, out.types, out.map, out.policy, out.digest, out.files]).toEqual(['', '', null, null, null, []])
  })
})

describe('visibleTools and reads of the whole `context`', () => {
  /** The tools visible under `context`, for a policy with tools `a` and `b` and, if `counted`, a call counter. */
  async function visible(counted: boolean, rule: string, context: unknown): Promise<string[]> {
    const src = `tools:\n  a: {}\n  b: {}\ncontext:\n  a: string\n${counted ? '  calls: { count: { per: 1h } }\n' : ''}rules:\n  - { id: r, tool: a, action: deny, when: ${JSON.stringify(rule)} }\n`
    const { module } = await compileModule(src, 'edges.policy.yaml')
    return module.visibleTools!(context as never)
  }

  it('`context` itself is static only when no field is a counter (the guard fills counters per call)', async () => {
    expect(await visible(false, 'context != null', { a: 'x' })).toEqual(['b'])
    expect(await visible(true, 'context != null', { a: 'x' })).toEqual(['a', 'b'])
  })

  it('a computed key of `context` is static only when no field is a counter: it may name one', async () => {
    expect(await visible(false, "context[tool] == 'yes'", { a: 'yes' })).toEqual(['b'])
    expect(await visible(false, "context[tool] == 'yes'", { a: 'no' })).toEqual(['a', 'b'])
    expect(await visible(true, "context[tool] == 'yes'", { a: 'yes' })).toEqual(['a', 'b'])
  })
})

describe('IR helpers', () => {
  const span = { start: 0, end: 0 }
  const subject: Expr = { kind: 'root', name: 'args', span }

  it('`children` of a conditions operator: its subject, then its value when it has one', () => {
    const value: Expr = { kind: 'lit', value: 1, span }
    expect(children({ kind: 'op', op: 'equals', negate: false, subject, value, span })).toEqual([subject, value])
    expect(children({ kind: 'op', op: 'exists', negate: false, subject, value: null, span })).toEqual([subject])
  })

  it('`canonical` writes what JSON.stringify writes for array elements it cannot hold', () => {
    // the digest is defined as JSON of the span-free IR: `undefined` and functions in arrays are `null`
    const odd = { b: [1, undefined, () => 0, Symbol('s')], a: { span, x: undefined, y: 2 } }
    expect(canonical(odd as never)).toBe('{"a":{"y":2},"b":[1,null,null,null]}')
  })
})
