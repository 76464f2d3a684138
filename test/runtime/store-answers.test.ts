/**
 * A limit store is the application's code (a custom store, a Redis wrapper): its answer is checked
 * before the guard believes it. An answer that is not one boolean verdict per limit (or one count per
 * counter) is decided like a store that is down, by the fail mode, saying why; before this check,
 * `[]`, a number or `1` read as "no limit exceeded" and the call went through. Each case runs with
 * the answer given at once and as a promise, since the guard takes the two on different paths.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { createGuard } from '../../src/guard.js'
import { checkedCounts, checkedVerdicts } from '../../src/limits/apply.js'
import { createMemoryStore } from '../../src/limits/memory.js'
import type { CompiledPolicy, LimitStore } from '../../src/types.js'
import { compileModule } from '../support/compiled.js'

const CAPPED = `name: capped
tools:
  send: {}
  erase: {}
rules:
  - id: send-cap
    tool: send
    action: deny
    limit: { max: 5, per: 1h }
    message: five sends an hour
  - id: erase-review
    tool: erase
    action: review
  - id: erase-cap
    tool: erase
    action: deny
    limit: { max: 5, per: 1h }
`
const COUNTED = `name: counted
tools:
  send: {}
context:
  sent: { count: { per: 1h } }
rules:
  - id: hourly
    when: "context.sent >= 3"
    action: deny
`

let capped: CompiledPolicy
let counted: CompiledPolicy
beforeAll(async () => {
  capped = (await compileModule(CAPPED, 'capped.policy.yaml')).module
  counted = (await compileModule(COUNTED, 'counted.policy.yaml')).module
})

const WRONG_VERDICTS: [string, unknown, string][] = [
  ['no verdicts', [], 'it answered 0 verdicts for 1 limits'],
  ['a number', 5, 'it answered number for 1 limits'],
  ['null', null, 'it answered object for 1 limits'],
  ['1 for true', [1], "it answered number for a limit's verdict, not a boolean"],
  ["'true'", ['true'], "it answered string for a limit's verdict, not a boolean"],
  ['one verdict too many', [false, false], 'it answered 2 verdicts for 1 limits'],
]

const storeAnswering = (answer: unknown, later: boolean): LimitStore => ({
  hit: () => (later ? Promise.resolve(answer) : answer) as boolean[],
})

describe('a limit store that answers `hit` wrongly', () => {
  for (const later of [false, true]) {
    for (const [what, answer, why] of WRONG_VERDICTS) {
      it(`${what} (${later ? 'as a promise' : 'at once'}): the fail mode, saying why`, async () => {
        const guard = createGuard(capped, { store: storeAnswering(answer, later) })
        expect(await guard('send', {})).toEqual({ decision: 'deny', reason: `limit store unavailable (fail mode closed): ${why}` })
      })
    }
    it(`right answers (${later ? 'as a promise' : 'at once'}) are believed: [true] denies by the rule, [false] allows`, async () => {
      expect(await createGuard(capped, { store: storeAnswering([true], later) })('send', {})).toMatchObject({ decision: 'deny', rule: 'send-cap', reason: 'five sends an hour' })
      expect(await createGuard(capped, { store: storeAnswering([false], later) })('send', {})).toMatchObject({ decision: 'allow', reason: expect.stringContaining('no rule matched') })
    })
  }

  it('a thenable that is not a Promise (another promise library) is awaited like one', async () => {
    const thenable = (answer: unknown) => ({ then: (ok: (v: unknown) => void) => ok(answer) })
    expect(await createGuard(capped, { store: { hit: () => thenable([true]) as never } })('send', {})).toMatchObject({ decision: 'deny', rule: 'send-cap' })
    expect(await createGuard(capped, { store: { hit: () => thenable([false]) as never } })('send', {})).toMatchObject({ decision: 'allow' })
    expect(await createGuard(capped, { store: { hit: () => thenable([]) as never } })('send', {})).toEqual({ decision: 'deny', reason: 'limit store unavailable (fail mode closed): it answered 0 verdicts for 1 limits' })
  })

  it('a thenable that never calls back times out like a promise that never settles', async () => {
    const silent = { then: () => undefined }
    const guard = createGuard(capped, { store: { hit: () => silent as never }, storeTimeoutMs: 20 })
    expect(await guard('send', {})).toEqual({ decision: 'deny', reason: 'limit store unavailable (fail mode closed): the limit store did not answer within 20 ms' })
    // and one whose `then` is a getter that throws is a store that failed
    const hostile = Object.defineProperty({}, 'then', { get: () => { throw new Error('then exploded') } })
    expect(await createGuard(capped, { store: { hit: () => hostile as never } })('send', {})).toEqual({ decision: 'deny', reason: 'limit store unavailable (fail mode closed): then exploded' })
  })

  it('when an approved review is counted again, a wrong answer denies it by the fail mode', async () => {
    // right at decision time, wrong when the approval is counted
    const store: LimitStore = { hit: (_p, limits, _now, consume) => (consume ? ([] as boolean[]) : limits.map(() => false)) }
    const guard = createGuard(capped, { store, approvals: () => ({ approved: true, by: 'ana' }) })
    expect(await guard('erase', {})).toMatchObject({ decision: 'deny', resolvedBy: 'ana', reason: 'limit store unavailable (fail mode closed): it answered 0 verdicts for 1 limits' })
  })
})

describe('a limit store that answers `count` wrongly', () => {
  const WRONG_COUNTS: [string, unknown, string][] = [
    ['no counts', [], 'it answered 0 counts for 1 counters'],
    ['a string count', ['3'], 'it answered string for a counter, not a count'],
    ['a negative count', [-1], 'it answered -1 for a counter, not a count'],
    ['a fraction', [0.5], 'it answered 0.5 for a counter, not a count'],
    ['NaN', [Number.NaN], 'it answered NaN for a counter, not a count'],
  ]
  for (const [what, answer, why] of WRONG_COUNTS) {
    it(`${what}: the fail mode, saying why`, async () => {
      const memory = createMemoryStore()
      const store: LimitStore = { hit: memory.hit, count: () => Promise.resolve(answer as number[]) }
      expect(await createGuard(counted, { store })('send', {})).toEqual({ decision: 'deny', reason: `limit store unavailable (fail mode closed): ${why}` })
    })
  }
  it('a right count is believed', async () => {
    const memory = createMemoryStore()
    expect(await createGuard(counted, { store: { hit: memory.hit, count: () => [3] } })('send', {})).toMatchObject({ decision: 'deny', rule: 'hourly' })
    expect(await createGuard(counted, { store: { hit: memory.hit, count: () => [2] } })('send', {})).toMatchObject({ decision: 'allow', reason: expect.stringContaining('no rule matched') })
  })
})

describe('checkedVerdicts and checkedCounts', () => {
  it('hand back the answer itself when it is right', () => {
    const verdicts = [true, false]
    expect(checkedVerdicts(verdicts, 2)).toBe(verdicts)
    const counts = [0, 7]
    expect(checkedCounts(counts, 2)).toBe(counts)
    expect(checkedVerdicts([], 0)).toEqual([])
  })
})
