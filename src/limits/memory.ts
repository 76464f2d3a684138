/**
 * The in-memory limit store: a sliding-window log per (policy, rule, key). A call is allowed only if
 * fewer than `max` calls were allowed in the window `(now - per, now]`, so no window of length `per`
 * ever holds more than `max` allowed calls — exact, with no boundary burst. `hit` runs in one
 * JavaScript turn, so concurrent guards in one process cannot interleave inside it.
 *
 * Keys are chosen by the model (`key: args.to`), so the store keeps a 128-bit digest of each key, not
 * the key, in a flat table (`digest-table.ts`: a million keys cost what a thousand do per call); keeps
 * each rule's keys in expiry order, so every call frees a few expired keys and none walks the whole
 * table; and holds at most `maxKeysPerRule` live keys per rule: a call that would add one more throws
 * `LimitKeysFullError`, which the guard decides by the fail mode.
 */
import type { LimitStore, PendingLimit } from '../types.js'
import { blocking } from './apply.js'
import { DigestTable, type Digest } from './digest-table.js'
import { ExpiryQueue } from './expiry-queue.js'
import { checkMaxKeys, digestCache, keyDigestWords, LimitKeysFullError } from './keys.js'

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

/**
 * One rule's keys: allowed-call times per key digest (sorted), and an entry (time + per, digest) for
 * every allowed call, in expiry order. Each live key has an entry at its own expiry (the one its
 * latest call made); earlier entries of the same key are stale and dropped when they come up.
 */
interface RuleKeys {
  perMs: number
  /** a key with one allowed call in its window (every key of a `max: 1` rule) keeps a bare time */
  logs: DigestTable
  expiry: ExpiryQueue
}

const expiryOf = (times: number | readonly number[], perMs: number): number => (typeof times === 'number' ? times + perMs : times.length === 0 ? -Infinity : times[times.length - 1]! + perMs)

/**
 * Takes out entries whose time is up: at most `budget` of them, or, with `untilFree`, until a key is
 * freed. An entry frees its key when the key's last allowed call has left the window; an entry of a
 * key allowed again since then is stale (the later call made its own entry) and is dropped.
 */
function sweep(rule: RuleKeys, now: number, budget: number, untilFree = false): void {
  const before = rule.logs.size
  for (let n = 0; rule.expiry.peek() <= now && (untilFree ? rule.logs.size === before : n < budget); n++) {
    const id = rule.expiry.pop()
    const times = rule.logs.get(id)
    if (times !== undefined && expiryOf(times, rule.perMs) <= now) rule.logs.delete(id)
  }
}

export function createMemoryStore(options: MemoryStoreOptions = {}): LimitStore & { size(): number } {
  const maxKeys = checkMaxKeys(options.maxKeysPerRule)
  // per policy, per rule id: the rule's keys as a limit, and as a context counter (a counter may
  // share a rule's name). Bounded by the policies guarded, not by the model. Looked up without
  // building a string per call: this runs for every limit of every call.
  const byPolicy = new Map<string, Map<string, { limit?: RuleKeys; counter?: RuleKeys }>>()
  const all: RuleKeys[] = []
  const find = (policy: string, l: PendingLimit): RuleKeys | undefined => byPolicy.get(policy)?.get(l.rule)?.[l.counter ? 'counter' : 'limit']
  const ruleOf = (policy: string, l: PendingLimit): RuleKeys => {
    const known = find(policy, l)
    if (known !== undefined) return known
    let rules = byPolicy.get(policy)
    if (rules === undefined) byPolicy.set(policy, (rules = new Map()))
    let pair = rules.get(l.rule)
    if (pair === undefined) rules.set(l.rule, (pair = {}))
    const rule: RuleKeys = { perMs: l.perMs, logs: new DigestTable(), expiry: new ExpiryQueue() }
    pair[l.counter ? 'counter' : 'limit'] = rule
    all.push(rule)
    return rule
  }
  const digest = digestCache<Digest>(keyDigestWords)
  return {
    hit(policy, limits, now, consume) {
      // plain loops into arrays sized once: the guard calls this for every decision with limits
      const n = limits.length
      const owners = new Array<RuleKeys>(n)
      const ids = new Array<Digest>(n)
      const logs = new Array<number[] | undefined>(n)
      const exceeded = new Array<boolean>(n)
      let blocked = false
      for (let i = 0; i < n; i++) {
        const l = limits[i]!
        const rule = (owners[i] = ruleOf(policy, l))
        const id = (ids[i] = digest(l.key))
        sweep(rule, now, SWEEP_STEP)
        const held = rule.logs.get(id)
        let times: number[] | undefined
        if (held !== undefined) {
          times = typeof held === 'number' ? [held] : held
          let drop = 0
          while (drop < times.length && times[drop]! <= now - l.perMs) drop++
          if (drop > 0) times.splice(0, drop)
        }
        logs[i] = times
        const over = (times?.length ?? 0) + 1 > l.max
        exceeded[i] = over
        if (over && blocking(l)) blocked = true
      }
      if (!consume || blocked) return exceeded
      // room for every new key first, so a refused call counts nowhere
      for (let i = 0; i < n; i++) {
        const rule = owners[i]!
        if (logs[i] !== undefined || rule.logs.size < maxKeys) continue
        sweep(rule, now, 0, true)
        if (rule.logs.size >= maxKeys) throw new LimitKeysFullError(limits[i]!.rule, maxKeys)
      }
      for (let i = 0; i < n; i++) {
        const rule = owners[i]!
        const times = logs[i]
        rule.expiry.push(now + limits[i]!.perMs, ids[i]!)
        if (times === undefined || times.length === 0) {
          rule.logs.set(ids[i]!, now)
          continue
        }
        // keep the log sorted even if the caller's clock steps back
        let at = times.length
        while (at > 0 && times[at - 1]! > now) at--
        times.splice(at, 0, now)
        rule.logs.set(ids[i]!, times)
      }
      return exceeded
    },
    count(policy, counters, now) {
      return counters.map(l => {
        const held = find(policy, l)?.logs.get(digest(l.key))
        if (held === undefined) return 0
        const times = typeof held === 'number' ? [held] : held
        let n = 0
        for (let i = times.length - 1; i >= 0 && times[i]! > now - l.perMs; i--) n++
        return n
      })
    },
    /** Keys held, live or expired but not yet freed, over every rule. */
    size: () => {
      let n = 0
      for (const rule of all) n += rule.logs.size
      return n
    },
  }
}
