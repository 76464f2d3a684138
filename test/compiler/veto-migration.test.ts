/**
 * Veto's rule files compare against another field with `value: context.order_total`, which Veto reads
 * as a string and never matches. vetoc rejects the non-number; the help shows the `when` rewrite, and
 * that rewrite compiles and decides as intended.
 */
import { describe, expect, it } from 'vitest'
import { analyze } from '../../compiler/analyze.js'
import { compileModule } from '../support/compiled.js'
import { expectDiagnostic } from '../support/diagnostics.js'

const veto = (field: string, operator: string, value: string): string => `tools:
  refund:
    parameters: { type: object, properties: { amount: { type: number } }, required: [amount] }
context:
  order_total: number
rules:
  - id: refund-over-order-total
    action: block
    tools: [refund]
    conditions:
      - field: ${field}
        operator: ${operator}
        value: ${value}
`

describe('a condition value that reads like a field path', () => {
  it('greater_than against context.order_total: the help is the `when` rewrite', () => {
    expectDiagnostic(veto('arguments.amount', 'greater_than', 'context.order_total'), {
      code: 'invalid-type',
      underline: 'context.order_total',
      message: 'the value of `greater_than` must be a number',
      help: '`value` is a constant, not a field path; to compare two fields, write the rule with `when: "args.amount > context.order_total"` instead of this condition',
      line: 13,
    })
  })
  it('the rewrite is built from the actual field, operator and value', () => {
    const cases: [string, string, string, string][] = [
      ['args.amount', 'less_than_or_equal', 'arguments.limit', 'args.amount <= args.limit'],
      ['context.spent', 'greater_than_or_equal', 'params.budget', 'context.spent >= params.budget'],
      ['arguments.amount', 'not_less_than', 'context.order_total', '!(args.amount < context.order_total)'],
      ['arguments.items.count', 'less_than', 'context.stock.level', 'args.items.count < context.stock.level'],
    ]
    for (const [field, op, value, when] of cases) expectDiagnostic(veto(field, op, value), { code: 'invalid-type', underline: value, help: `\`value\` is a constant, not a field path; to compare two fields, write the rule with \`when: "${when}"\` instead of this condition` })
  })
  it('a value that is not a field path keeps the plain diagnostic (no made-up rewrite)', () => {
    for (const value of ['lots', 'order.total', 'context.__proto__', '"context.a b"', 'context.']) {
      const d = expectDiagnostic(veto('arguments.amount', 'greater_than', value), { code: 'invalid-type', message: 'the value of `greater_than` must be a number' })
      expect(d.help, value).toBeUndefined()
    }
  })
  it('the suggested rule compiles and decides as intended', async () => {
    const rewritten = veto('arguments.amount', 'greater_than', '0').replace(/ {4}conditions:[\s\S]*$/, '    when: "args.amount > context.order_total"\n')
    expect(analyze(rewritten, { filename: 'p.yaml' }).diagnostics.filter(d => d.severity === 'error')).toEqual([])
    const { module: mod } = await compileModule(rewritten)
    expect(mod.evaluate('refund', { amount: 120 }, { order_total: 100 }).decision).toBe('deny')
    expect(mod.evaluate('refund', { amount: 80 }, { order_total: 100 }).decision).toBe('allow')
  })
})
