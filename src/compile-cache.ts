/**
 * The on-disk cache the CLI and the plugin hand `compile` (the compiler itself never touches the
 * disk; `compiler/cache.ts` says what goes in it): one file per entry, named by its content-hash
 * key, written to a temporary name and renamed, so builds and a dev server running at once share
 * it safely. Nothing here imports the compiler: it only has to fit the `{ get, set }` shape.
 *
 * Trust: an entry can make a regex pass as safe and becomes validator code in the emitted module
 * (after `trustedAjv` checks it again), so the folder is as trusted as `node_modules` itself, and
 * the default lives inside it. `VETOC_CACHE=off` turns it off; `VETOC_CACHE=<dir>` moves it.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export interface DiskCache {
  get(key: string): string | undefined
  set(key: string, value: string): void
  readonly dir: string
}

/** What the compiler uses as keys: a kind, then a SHA-256 in hex. Anything else is never a file name here. */
const KEY = /^[a-z]+-[0-9a-f]{64}$/

export function createDiskCache(dir: string): DiskCache {
  let made = false
  return {
    dir,
    get(key) {
      if (!KEY.test(key)) return undefined
      try {
        return readFileSync(join(dir, key), 'utf8')
      } catch {
        return undefined
      }
    },
    set(key, value) {
      if (!KEY.test(key)) return
      try {
        if (!made) mkdirSync(dir, { recursive: true })
        made = true
        const partial = join(dir, `${key}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`)
        writeFileSync(partial, value)
        renameSync(partial, join(dir, key))
      } catch {
        // a read-only or full disk only makes the next build slower
      }
    },
  }
}

/**
 * The cache for builds run from `cwd`: `node_modules/.cache/vetoc` (where bundlers keep theirs),
 * the folder `VETOC_CACHE` names, or none when `VETOC_CACHE` is `off`.
 */
export function defaultDiskCache(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): DiskCache | undefined {
  const setting = env.VETOC_CACHE
  if (setting === 'off' || setting === '0' || setting === 'false') return undefined
  return createDiskCache(setting !== undefined && setting !== '' ? resolve(cwd, setting) : join(cwd, 'node_modules', '.cache', 'vetoc'))
}
