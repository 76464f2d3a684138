/**
 * The in-memory session store: one process's sessions, bounded. Sessions idle longer than `ttlMs`
 * are forgotten, and beyond `maxSessions` the least recently used one is dropped, so a flood of
 * fresh session ids cannot grow memory without bound. A forgotten session starts again with no
 * labels: size the bounds above the conversations an app keeps open, or use the Redis store.
 */
import type { SessionStore } from './store.js'

export interface MemorySessionStoreOptions {
  /** Sessions kept at most; the least recently used is dropped beyond it. @default 100000 */
  maxSessions?: number
  /** Labels one session may hold; adding more throws (the guard decides by its fail mode). @default 256 */
  maxLabels?: number
  /** A session untouched this long is forgotten. @default 86400000 (24 hours) */
  ttlMs?: number
  /** The clock for `ttlMs`. @default Date.now */
  clock?: () => number
}

export function createMemorySessionStore(options: MemorySessionStoreOptions = {}): SessionStore & { size(): number } {
  const maxSessions = options.maxSessions ?? 100_000
  const maxLabels = options.maxLabels ?? 256
  const ttlMs = options.ttlMs ?? 86_400_000
  const clock = options.clock ?? Date.now
  // a Map keeps insertion order: re-inserting on use makes its first key the least recently used
  const sessions = new Map<string, { labels: Set<string>; touched: number }>()
  const live = (id: string): { labels: Set<string>; touched: number } | undefined => {
    const s = sessions.get(id)
    if (s === undefined) return undefined
    sessions.delete(id)
    if (s.touched <= clock() - ttlMs) return undefined
    s.touched = clock()
    sessions.set(id, s)
    return s
  }
  const sorted = (s: Set<string> | undefined): string[] => (s === undefined ? [] : [...s].sort())
  return {
    labels: id => sorted(live(id)?.labels),
    add(id, labels) {
      let s = live(id)
      const fresh = labels.filter(l => !s?.labels.has(l))
      if (fresh.length === 0) return sorted(s?.labels)
      const size = (s?.labels.size ?? 0) + new Set(fresh).size
      if (size > maxLabels) throw new Error(`session label limit reached (${maxLabels} labels)`)
      if (s === undefined) {
        s = { labels: new Set(), touched: clock() }
        sessions.set(id, s)
        while (sessions.size > maxSessions) sessions.delete(sessions.keys().next().value!)
      }
      for (const l of fresh) s.labels.add(l)
      return sorted(s.labels)
    },
    size: () => sessions.size,
  }
}
