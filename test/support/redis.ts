/** Starts a real `redis-server` on a free loopback port for a test file, and stops it after. */
import { Redis } from 'ioredis'
import { describe } from 'vitest'
import { inCI, redisMissing } from './redis-available.js'

export { startRedis, type RedisProcess } from './redis-server.js'

export { inCI, redisMissing }

/**
 * A `describe` for suites that need a real `redis-server`: skipped where it is missing (the global
 * setup prints the one line saying so), never skipped under CI, where `startRedis` then fails.
 */
export const describeWithRedis: typeof describe = (redisMissing !== undefined && !inCI ? describe.skip : describe) as typeof describe

/** A client that fails fast when the server is gone, as the README recommends. */
export function fastFailClient(url: string): Redis {
  const r = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 250, connectTimeout: 500, retryStrategy: () => 100 })
  r.on('error', () => {})
  return r
}

/** One script run a store asked of its client: EVAL (with the script's text) or EVALSHA, and its key count. */
export interface ScriptRun {
  name: 'eval' | 'evalsha'
  keys: number
}

/**
 * The real client, seen through the part a store uses (`eval`, `evalsha`), with each script run it
 * is asked for noted in `runs`, in order: whether a store sends text or digests, and how many calls
 * one run carries. Every command still goes to the real server.
 */
export function scriptCounting(redis: Redis, runs: ScriptRun[]): { eval: Redis['eval']; evalsha: Redis['evalsha'] } {
  return {
    eval: ((...a: Parameters<Redis['eval']>) => (runs.push({ name: 'eval', keys: Number(a[1]) }), redis.eval(...a))) as Redis['eval'],
    evalsha: ((...a: Parameters<Redis['evalsha']>) => (runs.push({ name: 'evalsha', keys: Number(a[1]) }), redis.evalsha(...a))) as Redis['evalsha'],
  }
}
