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
