/**
 * The in-memory limit store: a sliding-window log per (policy, rule, key). A call is allowed only if
 * fewer than `max` calls were allowed in the window `(now - per, now]`, so no window of length `per`
 * ever holds more than `max` allowed calls — exact, with no boundary burst. `hit` runs in one
 * JavaScript turn, so concurrent guards in one process cannot interleave inside it.
 */
import type { LimitStore, PendingLimit } from '../types.js'
import { blocking } from './apply.js'

export interface MemoryStoreOptions {
  /** Sweep idle keys once this many exist. @default 10000 */
  sweepAt?: number
}

export function limitKey(policy: string, l: PendingLimit): string {
  return JSON.stringify(l.counter ? [policy, l.rule, l.key, 'count'] : [policy, l.rule, l.key])
}

export function createMemoryStore(options: MemoryStoreOptions = {}): LimitStore & { size(): number } {
  const logs = new Map<string, { times: number[]; perMs: number }>()
  const sweepAt = options.sweepAt ?? 10_000
  const sweep = (now: number): void => {
    for (const [k, v] of logs) if (v.times.length === 0 || v.times[v.times.length - 1]! <= now - v.perMs) logs.delete(k)
  }
  return {
    hit(policy, limits, now, consume) {
      const entries = limits.map(l => {
        const key = limitKey(policy, l)
        let log = logs.get(key)
        if (!log) {
          log = { times: [], perMs: l.perMs }
          logs.set(key, log)
        }
        let drop = 0
        while (drop < log.times.length && log.times[drop]! <= now - l.perMs) drop++
        if (drop > 0) log.times.splice(0, drop)
        return log
      })
      const exceeded = limits.map((l, i) => entries[i]!.times.length + 1 > l.max)
      if (consume && !limits.some((l, i) => exceeded[i] && blocking(l))) {
        for (const log of entries) {
          // keep the log sorted even if the caller's clock steps back
          let i = log.times.length
          while (i > 0 && log.times[i - 1]! > now) i--
          log.times.splice(i, 0, now)
        }
      }
      if (logs.size > sweepAt) sweep(now)
      return exceeded
    },
    count(policy, counters, now) {
      return counters.map(l => {
        const log = logs.get(limitKey(policy, l))
        if (!log) return 0
        let n = 0
        for (let i = log.times.length - 1; i >= 0 && log.times[i]! > now - l.perMs; i--) n++
        return n
      })
    },
    size: () => logs.size,
  }
}
