/**
 * The in-memory limit store: a sliding-window log per (policy, rule, key). A call is allowed only if
 * fewer than `max` calls were allowed in the window `(now - per, now]`, so no window of length `per`
 * ever holds more than `max` allowed calls — exact, with no boundary burst. `hit` runs in one
 * JavaScript turn, so concurrent guards in one process cannot interleave inside it.
 *
 * Keys are chosen by the model (`key: args.to`), so the store keeps a 128-bit digest of each key, not
 * the key; keeps each rule's keys in an expiry-ordered heap, so every call frees a few expired keys
 * and none walks the whole map; and holds at most `maxKeysPerRule` live keys per rule: a call that
 * would add one more throws `LimitKeysFullError`, which the guard decides by the fail mode.
 */
import type { LimitStore, PendingLimit } from '../types.js'
import { blocking } from './apply.js'
import { ExpiryHeap } from './expiry-heap.js'
import { checkMaxKeys, keyDigest, LimitKeysFullError } from './keys.js'

export interface MemoryStoreOptions {
  /**
   * Live keys kept per rule (and per keyed context counter). A call whose limit would need one more
   * key is decided by the policy's fail mode, with a reason naming the rule; keys already counted
   * keep working, and room comes back as keys expire (one window after their last allowed call).
   * @default 100000
   */
  maxKeysPerRule?: number
}

/** Expired keys each call frees in each rule it touches: more than a call can add, so expired keys never pile up. */
const SWEEP_STEP = 8

/** One rule's keys: allowed-call times per key digest (sorted), and the digests ordered by expiry. */
interface RuleKeys {
  perMs: number
  logs: Map<string, number[]>
  /** one entry per key in `logs`; an entry's expiry is never later than its key's */
  expiry: ExpiryHeap
}

/** Rules apart by policy, rule id, and limit vs context counter (a counter may share a rule's name). */
function ruleId(policy: string, l: PendingLimit): string {
  return JSON.stringify(l.counter ? [policy, l.rule, 'count'] : [policy, l.rule])
}

const expiryOf = (times: readonly number[], perMs: number): number => (times.length === 0 ? -Infinity : times[times.length - 1]! + perMs)

/**
 * Frees keys whose last allowed call left the window: at most `budget` of them, or, with `untilFree`,
 * until one is freed. A key touched since its heap entry was made goes back in with its new expiry.
 */
function sweep(rule: RuleKeys, now: number, budget: number, untilFree = false): void {
  const before = rule.logs.size
  for (let n = 0; rule.expiry.peek() <= now && (untilFree ? rule.logs.size === before : n < budget); n++) {
    const id = rule.expiry.pop()
    const times = rule.logs.get(id)
    if (times === undefined) continue
    const expires = expiryOf(times, rule.perMs)
    if (expires <= now) rule.logs.delete(id)
    else rule.expiry.push(expires, id)
  }
}

export function createMemoryStore(options: MemoryStoreOptions = {}): LimitStore & { size(): number } {
  const maxKeys = checkMaxKeys(options.maxKeysPerRule)
  // one entry per rule of the policies guarded: bounded by the policies, not by the model
  const rules = new Map<string, RuleKeys>()
  const ruleOf = (policy: string, l: PendingLimit): RuleKeys => {
    const id = ruleId(policy, l)
    let rule = rules.get(id)
    if (!rule) {
      rule = { perMs: l.perMs, logs: new Map(), expiry: new ExpiryHeap() }
      rules.set(id, rule)
    }
    return rule
  }
  return {
    hit(policy, limits, now, consume) {
      const owners = limits.map(l => ruleOf(policy, l))
      const ids = limits.map(l => keyDigest(l.key))
      const logs = limits.map((l, i) => {
        const rule = owners[i]!
        sweep(rule, now, SWEEP_STEP)
        const times = rule.logs.get(ids[i]!)
        if (times !== undefined) {
          let drop = 0
          while (drop < times.length && times[drop]! <= now - l.perMs) drop++
          if (drop > 0) times.splice(0, drop)
        }
        return times
      })
      const exceeded = limits.map((l, i) => (logs[i]?.length ?? 0) + 1 > l.max)
      if (!consume || limits.some((l, i) => exceeded[i] && blocking(l))) return exceeded
      // room for every new key first, so a refused call counts nowhere
      limits.forEach((l, i) => {
        const rule = owners[i]!
        if (logs[i] !== undefined || rule.logs.size < maxKeys) return
        sweep(rule, now, 0, true)
        if (rule.logs.size >= maxKeys) throw new LimitKeysFullError(l.rule, maxKeys)
      })
      limits.forEach((l, i) => {
        const rule = owners[i]!
        const times = logs[i]
        if (times === undefined) {
          rule.logs.set(ids[i]!, [now])
          rule.expiry.push(now + l.perMs, ids[i]!)
          return
        }
        // keep the log sorted even if the caller's clock steps back
        let at = times.length
        while (at > 0 && times[at - 1]! > now) at--
        times.splice(at, 0, now)
      })
      return exceeded
    },
    count(policy, counters, now) {
      return counters.map(l => {
        const times = rules.get(ruleId(policy, l))?.logs.get(keyDigest(l.key))
        if (!times) return 0
        let n = 0
        for (let i = times.length - 1; i >= 0 && times[i]! > now - l.perMs; i--) n++
        return n
      })
    },
    /** Keys held, live or expired but not yet freed, over every rule. */
    size: () => {
      let n = 0
      for (const rule of rules.values()) n += rule.logs.size
      return n
    },
  }
}
