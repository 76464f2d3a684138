/**
 * What a caller may hand `compile` to keep expensive verdicts between builds: recheck's regex
 * verdicts (by pattern, flags and analyser version). The compiler stays pure: it never touches the
 * disk; the CLI and the plugin pass an on-disk cache (`src/compile-cache.ts`), a dev server keeps
 * one across rebuilds. Keys are SHA-256 digests of everything the value depends on, so a stale
 * entry is never read, only left unused.
 *
 * A cache entry is trusted like the code in node_modules: whoever can write it can make a regex
 * pass as safe. Keep it where only the build writes (the CLI and the plugin use
 * `node_modules/.cache/vetoc`).
 */
import { createHash } from 'node:crypto'

export interface CompileCache {
  /** The value stored under `key`, or undefined. Must not throw (a failing read is a miss). */
  get(key: string): string | undefined
  /** Stores `value` under `key`. Must not throw (a failing write is ignored). */
  set(key: string, value: string): void
}

/** A cache key: the kind of entry, then the SHA-256 of its parts (each length-prefixed, so no two part lists collide). */
export function cacheKey(kind: string, parts: readonly string[]): string {
  const h = createHash('sha256')
  for (const p of parts) h.update(`${p.length}:${p}`)
  return `${kind}-${h.digest('hex')}`
}

/** Reads through a cache that may throw (it is the caller's code): a failure is a miss. */
export function cacheGet(cache: CompileCache | undefined, key: string): string | undefined {
  if (cache === undefined) return undefined
  try {
    const v = cache.get(key)
    return typeof v === 'string' ? v : undefined
  } catch {
    return undefined
  }
}

export function cacheSet(cache: CompileCache | undefined, key: string, value: string): void {
  if (cache === undefined) return
  try {
    cache.set(key, value)
  } catch {
    // a cache that cannot store only makes the next build slower
  }
}

/** Per caller cache, the keys it is known to hold. */
const filled = new WeakMap<CompileCache, Set<string>>()

/**
 * Stores `value()` under `key` unless the cache already holds it, asking the cache once per key: an
 * entry this process computed before it was handed `cache` (a dev server, a second build) still
 * reaches that cache, without a read per compile after the first.
 */
export function cacheFill(cache: CompileCache, key: string, value: () => string): void {
  let keys = filled.get(cache)
  if (keys === undefined) filled.set(cache, (keys = new Set()))
  if (keys.has(key)) return
  if (cacheGet(cache, key) === undefined) cacheSet(cache, key, value())
  keys.add(key)
}
