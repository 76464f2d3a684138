/**
 * A number's spelling never dodges a comparison (SPEC 1.3, `Binary` in compiler/ir.ts): a value
 * compares as the number it spells (a number, or a string in JSON number grammar), or the call goes
 * to the fail mode with a reason. Every comparison operator and its `not_` form, in both dialects,
 * on an untyped tool and on context fields.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { CompiledPolicy } from '../../src/types.js'
import { compileModule } from '../support/compiled.js'

/** Values that spell 11 (or more) some other way than a JSON number: each must deny under a `> 10` cap. */
const ELEVEN_SPELLED_OTHERWISE: [string, unknown][] = [
  ['"1e309"', '1e309'], ['" 11"', ' 11'], ['"0x10"', '0x10'], ['11n', 11n], ['Infinity', Infinity], ['new Number(11)', Object(11)],
  ['"Infinity"', 'Infinity'], ['"11 "', '11 '], ['"+11"', '+11'], ['"1_1"', '1_1'], ['"11.0.0"', '11.0.0'], ['[11]', [11]], ['"\\u00a011"', '\u00a011'],
]

const OPS = ['greater_than', 'greater_than_or_equal', 'less_than', 'less_than_or_equal'] as const
const JS_OPS = { greater_than: '>', greater_than_or_equal: '>=', less_than: '<', less_than_or_equal: '<=' } as const

async function conditions(op: string, bound: number, mode: 'closed' | 'open' = 'closed'): Promise<CompiledPolicy> {
  return (await compileModule(`fail_mode: ${mode}\ntools:\n  pay: {}\nrules:\n  - id: cap\n    tool: pay\n    action: deny\n    conditions: [{ field: arguments.amount, operator: ${op}, value: ${bound} }]\n`)).module
}

async function when(expr: string): Promise<CompiledPolicy> {
  return (await compileModule(`tools:\n  pay: {}\nrules:\n  - id: cap\n    tool: pay\n    action: deny\n    when: ${JSON.stringify(expr)}\n`)).module
}

describe('numbers spelled otherwise never slip past a cap', () => {
  it('the issue\'s values against `greater_than: 10` on an untyped tool all deny', async () => {
    const m = await conditions('greater_than', 10)
    for (const [label, v] of ELEVEN_SPELLED_OTHERWISE) {
      const d = m.evaluate('pay', { amount: v })
      expect(d.decision, label).toBe('deny')
    }
    // the ones that spell a JSON number compare as it; the others go to the fail mode and say why
    expect(m.evaluate('pay', { amount: '1e309' })).toMatchObject({ decision: 'deny', rule: 'cap' })
    expect(m.evaluate('pay', { amount: Infinity })).toMatchObject({ decision: 'deny', rule: 'cap' })
    expect(m.evaluate('pay', { amount: ' 11' }).reason).toBe('evaluation error: cannot compare the string ` 11` as a number: only JSON number spellings compare as numbers')
    expect(m.evaluate('pay', { amount: 11n }).reason).toBe('evaluation error: cannot compare a value of type bigint as a number')
    expect(m.evaluate('pay', { amount: Object(11) }).reason).toBe('evaluation error: cannot compare a value of type object as a number')
    expect(m.evaluate('pay', { amount: NaN }).reason).toBe('evaluation error: cannot compare NaN')
  })

  it('a model can send "1e309" as plain JSON and it still denies', async () => {
    const m = await conditions('greater_than', 10)
    expect(m.evaluate('pay', JSON.parse('{"amount":"1e309"}'))).toMatchObject({ decision: 'deny', rule: 'cap' })
    expect(m.evaluate('pay', JSON.parse('{"amount":1e309}'))).toMatchObject({ decision: 'deny', rule: 'cap' })
  })

  it('every operator and its not_ form, in both dialects: a compare or the fail mode, never a silent miss', async () => {
    for (const op of OPS) {
      for (const negate of [false, true]) {
        const name = `${negate ? 'not_' : ''}${op}`
        const c = await conditions(name, 10)
        const w = await when(`${negate ? '!' : ''}(args.amount ${JS_OPS[op]} 10)`)
        for (const m of [c, w]) {
          for (const [label, v] of ELEVEN_SPELLED_OTHERWISE) {
            const d = m.evaluate('pay', { amount: v })
            const asNumber = typeof v === 'string' && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(v) ? Number(v) : typeof v === 'number' ? v : undefined
            if (asNumber !== undefined) {
              // compared as the number it spells
              const holds = op === 'greater_than' ? asNumber > 10 : op === 'greater_than_or_equal' ? asNumber >= 10 : op === 'less_than' ? asNumber < 10 : asNumber <= 10
              expect(d.decision, `${name} ${label}`).toBe(holds !== negate ? 'deny' : 'allow')
            } else {
              expect(d, `${name} ${label}`).toMatchObject({ decision: 'deny', reason: expect.stringMatching(/^evaluation error: cannot compare/) })
            }
          }
          // JSON-number strings compare as numbers, -0 is 0, and words are not numbers (no match, no error)
          const holdsAtTen = op.endsWith('_equal')
          expect(m.evaluate('pay', { amount: '10' }).decision, `${name} "10"`).toBe(holdsAtTen !== negate ? 'deny' : 'allow')
          expect(m.evaluate('pay', { amount: 'abc' }).reason ?? '').not.toMatch(/evaluation error/)
          expect(m.evaluate('pay', {}).reason ?? '').not.toMatch(/evaluation error/)
        }
      }
    }
  })

  it('-0 compares as 0', async () => {
    expect((await conditions('less_than', 0)).evaluate('pay', { amount: -0 }).decision).toBe('allow')
    expect((await conditions('greater_than_or_equal', 0)).evaluate('pay', { amount: '-0' }).decision).toBe('deny')
    expect((await when('args.amount >= 0')).evaluate('pay', { amount: -0 }).decision).toBe('deny')
  })

  it('under fail_mode open a spelling that cannot compare skips the rule and says so', async () => {
    const m = await conditions('greater_than', 10, 'open')
    expect(m.evaluate('pay', { amount: '0x10' })).toMatchObject({ decision: 'allow', errors: ['rule `cap` skipped: cannot compare the string `0x10` as a number: only JSON number spellings compare as numbers'] })
    expect(m.evaluate('pay', { amount: '1e309' })).toMatchObject({ decision: 'deny', rule: 'cap' })
  })

  it('the Groq seed: `context.hourly_calls >= 60` denies when hourly_calls is "75", as JavaScript does', async () => {
    const file = 'policies/groq-tools-context.policy.yaml'
    const { module } = await compileModule(readFileSync(file, 'utf8'), file)
    const tool = 'send_sms'
    const call = { to: '+15550100', body: 'hi' }
    const ctx = (n: unknown): Record<string, unknown> => ({ hourly_calls: n, recipient_hourly_count: 0, local_hour: 12 })
    expect(module.evaluate(tool, call, ctx(5)).decision).toBe('allow')
    expect(module.evaluate(tool, call, ctx('75'))).toMatchObject({ decision: 'deny', rule: 'hourly_call_cap' })
    expect(module.evaluate(tool, call, ctx(' 75')).decision).toBe('deny')
    expect(module.evaluate(tool, call, ctx(75))).toMatchObject({ decision: 'deny', rule: 'hourly_call_cap' })
    expect(module.evaluate(tool, call, ctx('5')).decision).toBe('allow')
  })

  it('two strings still compare as strings, as in JavaScript', async () => {
    const m = await when('args.version >= "2.0"')
    expect(m.evaluate('pay', { version: '10.0' }).decision).toBe('allow')
    expect(m.evaluate('pay', { version: '3.0' }).decision).toBe('deny')
  })
})
