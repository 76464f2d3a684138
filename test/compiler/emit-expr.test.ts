/**
 * The emitter's choice of code for each `when` expression form (compiler/emit/index.ts `expr`), each
 * tested by a call whose decision a wrong choice would change. Found by `npm run mutate`: these are
 * forms the differential generator does not draw.
 */
import { describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'
import { importCode } from '../support/compiled.js'

type Module = { evaluate: (tool: string, args: unknown, context?: unknown) => { decision: string; rule?: string; reason?: string } }

async function load(rules: string, tools = 'tools: { t: {} }\n'): Promise<Module> {
  const out = compile(`${tools}rules:\n${rules}`, { filename: 'expr.policy.yaml' })
  expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
  return importCode(out.code) as never
}

const rule = (id: string, when: string, action = 'deny'): string => `  - { id: ${id}, tool: t, action: ${action}, when: ${JSON.stringify(when)} }\n`

describe('unary operators', () => {
  it('`-x` negates and `+x` keeps a number; both refuse anything else', async () => {
    const m = await load(rule('neg', '-args.n > 3') + rule('pos', '+args.m > 3', 'review'))
    expect(m.evaluate('t', { n: -5, m: 0 }).rule).toBe('neg')
    expect(m.evaluate('t', { n: 5, m: 0 }).decision).toBe('allow')
    expect(m.evaluate('t', { n: 0, m: 5 }).rule).toBe('pos')
    expect(m.evaluate('t', { n: 0, m: -5 }).decision).toBe('allow')
    // an evaluation error decides by the fail mode (closed: deny), with the helper's reason
    expect(m.evaluate('t', { n: '-5', m: 0 }).reason).toBe('evaluation error: unary `-` needs a number')
    expect(m.evaluate('t', { n: 0, m: '5' }).reason).toBe('evaluation error: unary `+` needs a number')
  })
})

describe('loose equality', () => {
  it('a literal on the left compares with the right side, null on either side tests for null or undefined', async () => {
    const m = await load(rule('lit-left', "'a' == args.s") + rule('null-left', 'null == args.z') + rule('null-left-not', 'null != args.w', 'review'))
    expect(m.evaluate('t', { s: 'a', w: null }).rule).toBe('lit-left')
    expect(m.evaluate('t', { s: 'b', w: null }).decision).toBe('deny')
    expect(m.evaluate('t', { s: 'b', w: null }).rule).toBe('null-left')
    expect(m.evaluate('t', { s: 'b', z: 0, w: null }).decision).toBe('allow')
    expect(m.evaluate('t', { s: 'b', z: 0, w: 0 }).rule).toBe('null-left-not')
    expect(m.evaluate('t', { s: 'b', z: 0 }).decision).toBe('allow')
  })
})
