/**
 * Exact behaviour of the limit merge (applyLimits), the counter shape (counterLimit), which exceeded
 * limits stop a call from being counted (blocking, seen through the memory store), the store's error
 * name, and the memory store's freeing of a one-call key: the cases the mutation run found untested.
 * Decisions are compared with toStrictEqual, so a member set to `undefined` counts as a difference.
 */
import { describe, expect, it } from 'vitest'
import { applyLimits, counterLimit } from '../../src/limits/apply.js'
import { LimitKeysFullError } from '../../src/limits/keys.js'
import { createMemoryStore } from '../../src/limits/memory.js'
import type { Evaluation, PendingLimit } from '../../src/types.js'

const T = 1_000_000
const ev = (over: Partial<Evaluation>): Evaluation => ({ decision: 'allow', ruleIndex: -1, ...over })
const lim = (over: Partial<PendingLimit>): PendingLimit => ({ rule: 'l', index: 5, action: 'deny', warn: false, max: 1, perMs: 1000, key: '', message: 'm', ...over })

describe('applyLimits: the decision without an exceeded limit', () => {
  it('carries only the members the evaluation has', () => {
    // no limits at all, even if the store reported something
    expect(applyLimits(ev({}), [true])).toStrictEqual({ decision: 'allow' })
    expect(applyLimits(ev({ decision: 'review', rule: 'r', reason: 'why', severity: 'high', ruleIndex: 1, limits: [lim({})] }), [false])).toStrictEqual({
      decision: 'review',
      rule: 'r',
      reason: 'why',
      severity: 'high',
    })
    expect(applyLimits(ev({ limits: [lim({})] }), [false])).toStrictEqual({ decision: 'allow' })
  })
})

describe('applyLimits: which exceeded limit decides', () => {
  it('under the default decision (no deciding rule), an exceeded limit of the same action decides', () => {
    expect(applyLimits(ev({ limits: [lim({ action: 'allow', index: 1, rule: 'x', message: 'mx' })] }), [true])).toStrictEqual({ decision: 'allow', rule: 'x', reason: 'mx' })
    expect(applyLimits(ev({ decision: 'review', limits: [lim({ action: 'review', index: 3, rule: 'x' })] }), [true])).toStrictEqual({ decision: 'review', rule: 'x', reason: 'm' })
  })

  it('a deciding rule earlier in the file keeps a decision of the same action, with no warnings member', () => {
    const decided = { decision: 'review', rule: 'r', reason: 'why' } as const
    expect(applyLimits(ev({ ...decided, ruleIndex: 2, limits: [lim({ action: 'review', index: 5 })] }), [true])).toStrictEqual(decided)
    // the rule at index 0 counts as a deciding rule too
    expect(applyLimits(ev({ ...decided, ruleIndex: 0, limits: [lim({ action: 'review', index: 3 })] }), [true])).toStrictEqual(decided)
    // a later limit rule of the same action does not displace it either
    expect(applyLimits(ev({ ...decided, ruleIndex: 2, limits: [lim({ action: 'review', index: 5 }), lim({ action: 'review', index: 9, rule: 'l2' })] }), [true, true])).toStrictEqual(decided)
  })

  it('a deciding rule later in the file loses to an exceeded limit of the same action', () => {
    expect(applyLimits(ev({ decision: 'review', rule: 'r', reason: 'why', ruleIndex: 8, limits: [lim({ action: 'review', index: 5 })] }), [true])).toStrictEqual({ decision: 'review', rule: 'l', reason: 'm' })
  })

  it('a lower action never wins, even from an earlier rule', () => {
    // an exceeded non-warn allow limit at index 1 against a review rule at index 5
    expect(applyLimits(ev({ decision: 'review', rule: 'r', reason: 'why', ruleIndex: 5, limits: [lim({ action: 'allow', index: 1, rule: 'a' })] }), [true])).toStrictEqual({ decision: 'review', rule: 'r', reason: 'why' })
    // between two limits: review at 4 beats allow at 1, whichever comes first in the list
    const review = lim({ action: 'review', index: 4, rule: 'rv', message: 'slow down' })
    const allow = lim({ action: 'allow', index: 1, rule: 'al' })
    expect(applyLimits(ev({ limits: [review, allow] }), [true, true])).toStrictEqual({ decision: 'review', rule: 'rv', reason: 'slow down' })
    expect(applyLimits(ev({ limits: [allow, review] }), [true, true])).toStrictEqual({ decision: 'review', rule: 'rv', reason: 'slow down' })
    // deny beats review
    expect(applyLimits(ev({ limits: [review, lim({ index: 9, rule: 'dn' })] }), [true, true])).toStrictEqual({ decision: 'deny', rule: 'dn', reason: 'm' })
  })

  it('among limits of one action, the first in file order decides, not the last listed', () => {
    const a = lim({ rule: 'a', index: 7, message: 'ma' })
    const b = lim({ rule: 'b', index: 9, message: 'mb' })
    expect(applyLimits(ev({ limits: [a, b] }), [true, true])).toStrictEqual({ decision: 'deny', rule: 'a', reason: 'ma' })
    expect(applyLimits(ev({ limits: [b, a] }), [true, true])).toStrictEqual({ decision: 'deny', rule: 'a', reason: 'ma' })
    // only exceeded limits compete
    expect(applyLimits(ev({ limits: [a, b] }), [false, true])).toStrictEqual({ decision: 'deny', rule: 'b', reason: 'mb' })
    // a tie in position (only a hand-built evaluation has one) keeps the first listed
    expect(applyLimits(ev({ limits: [lim({ rule: 'c', index: 7 }), lim({ rule: 'd', index: 7 })] }), [true, true])).toStrictEqual({ decision: 'deny', rule: 'c', reason: 'm' })
  })
})

describe('applyLimits: what the deciding limit carries', () => {
  it('the skipped rules of fail_mode open, only when there are some', () => {
    expect(applyLimits(ev({ errors: [], limits: [lim({})] }), [true])).toStrictEqual({ decision: 'deny', rule: 'l', reason: 'm' })
    expect(applyLimits(ev({ errors: ['rule `x` skipped: e', 'rule `y` skipped: f'], limits: [lim({})] }), [true])).toStrictEqual({
      decision: 'deny',
      rule: 'l',
      reason: 'm (fail_mode open: rule `x` skipped: e; rule `y` skipped: f)',
    })
  })

  it("the limit's own severity, never the evaluation's", () => {
    expect(applyLimits(ev({ limits: [lim({ severity: 'critical' })] }), [true])).toStrictEqual({ decision: 'deny', rule: 'l', reason: 'm', severity: 'critical' })
    expect(applyLimits(ev({ decision: 'review', rule: 'r', severity: 'low', ruleIndex: 8, limits: [lim({})] }), [true])).toStrictEqual({ decision: 'deny', rule: 'l', reason: 'm' })
  })

  it("the evaluation's warnings, then the exceeded warn limits'", () => {
    const limits = [lim({ rule: 'w', warn: true, action: 'allow', index: 1 }), lim({ rule: 'd', index: 2 })]
    expect(applyLimits(ev({ warnings: ['w0'], limits }), [true, true])).toStrictEqual({ decision: 'deny', rule: 'd', reason: 'm', warnings: ['w0', 'w'] })
    expect(applyLimits(ev({ limits }), [true, true])).toStrictEqual({ decision: 'deny', rule: 'd', reason: 'm', warnings: ['w'] })
    expect(applyLimits(ev({ warnings: ['w0'], limits }), [false, true])).toStrictEqual({ decision: 'deny', rule: 'd', reason: 'm', warnings: ['w0'] })
    // a warn limit alone keeps the decision and adds its warning
    expect(applyLimits(ev({ rule: 'ok', ruleIndex: 0, limits }), [true, false])).toStrictEqual({ decision: 'allow', rule: 'ok', warnings: ['w'] })
  })
})

describe('counterLimit', () => {
  it('is a warn-only allow limit that no count reaches, with no message', () => {
    expect(counterLimit({ name: 'calls', perMs: 60_000, key: 'k' })).toStrictEqual({
      rule: 'calls',
      index: -1,
      action: 'allow',
      warn: true,
      max: Number.MAX_SAFE_INTEGER,
      perMs: 60_000,
      key: 'k',
      message: '',
      counter: true,
    })
  })
})

describe('memory store: which exceeded limits stop a call from being counted', () => {
  /** Fills `l` (max 1), then makes a call over it with a fresh `probe` limit: was the call counted? */
  const counted = (l: PendingLimit): boolean => {
    const store = createMemoryStore()
    const full = { ...l, max: 1, key: 'full' }
    const probe = lim({ rule: 'probe', index: 0, key: 'probe' })
    expect(store.hit('p', [full], T, true)).toEqual([false])
    expect(store.hit('p', [full, probe], T + 1, true)).toEqual([true, false])
    // the probe limit (max 1) is full now only if that call was counted
    return (store.hit('p', [probe], T + 2, false) as boolean[])[0]!
  }
  it('a warn limit or an allow limit does not; a deny or review limit does', () => {
    expect(counted(lim({ warn: true, action: 'allow' }))).toBe(true)
    expect(counted(lim({ warn: false, action: 'allow' }))).toBe(true)
    expect(counted(lim({ warn: true, action: 'deny' }))).toBe(true)
    expect(counted(lim({ warn: false, action: 'deny' }))).toBe(false)
    expect(counted(lim({ warn: false, action: 'review' }))).toBe(false)
  })
})

describe('memory store: keys', () => {
  it('a rule full of keys throws a LimitKeysFullError by that name', () => {
    const store = createMemoryStore({ maxKeysPerRule: 1 })
    store.hit('p', [lim({ rule: 'cap', key: 'a' })], T, true)
    let thrown: unknown
    try {
      store.hit('p', [lim({ rule: 'cap', key: 'b' })], T + 1, true)
    } catch (e) {
      thrown = e
    }
    expect(thrown).toBeInstanceOf(LimitKeysFullError)
    const e = thrown as LimitKeysFullError
    expect([e.name, e.rule, e.max]).toEqual(['LimitKeysFullError', 'cap', 1])
    expect(String(e)).toBe('LimitKeysFullError: rule `cap` already counts 1 live keys (the store\'s maxKeysPerRule), so a call with a new key cannot be counted until some expire')
  })

  it('a stale expiry entry of a one-call key does not free the key while its latest call is in the window', () => {
    const store = createMemoryStore()
    const cap = (key: string, max: number) => lim({ rule: 'cap', key, max, perMs: 1000 })
    // eight calls of `early` queue eight expiry entries ahead of `a`'s, so the sweep of the call at
    // T + 1020 (eight entries) stops before `a`'s first entry (T + 1010)
    for (let i = 0; i < 8; i++) store.hit('p', [cap('early', 100)], T + i, true)
    expect(store.hit('p', [cap('a', 1)], T + 10, true)).toEqual([false])
    // one window later `a` is allowed again: it now holds the one time T + 1020 (expiry T + 2020)
    expect(store.hit('p', [cap('a', 1)], T + 1020, true)).toEqual([false])
    // this call's sweep reaches `a`'s stale entry (T + 1010): `a` stays
    expect(store.hit('p', [cap('z', 1)], T + 1030, false)).toEqual([false])
    expect(store.size()).toBe(1)
    expect(store.hit('p', [cap('a', 1)], T + 1040, false)).toEqual([true])
  })
})
