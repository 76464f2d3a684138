/**
 * The Redis session store, for fleets: every worker sees the labels another worker added to the same
 * session. Reading and adding are one Lua script each way (atomic, one round trip); a session's
 * labels are one set, under a key with a Cluster hash tag, which expires `ttlMs` after the last
 * label was added. Pass an ioredis client configured to fail fast (see the limit store).
 */
import type { RedisLike } from '../limits/redis.js'
import { runScript } from '../redis-script.js'
import type { SessionStore } from './store.js'

export interface RedisSessionStoreOptions {
  redis: RedisLike
  /** Key prefix. @default 'vetoc' */
  prefix?: string
  /** Labels one session may hold; adding more is an error (the guard decides by its fail mode). @default 256 */
  maxLabels?: number
  /** A session's labels expire this long after the last one was added. @default 86400000 (24 hours) */
  ttlMs?: number
  /** Quit the client on `close()`. @default false */
  ownsClient?: boolean
}

// KEYS[1]: the session's set. ARGV[1]: ttl (ms), ARGV[2]: max labels, ARGV[3..]: labels to add (none: a read).
const SCRIPT = `
local fresh = 0
for i = 3, #ARGV do
  if redis.call('SISMEMBER', KEYS[1], ARGV[i]) == 0 then fresh = fresh + 1 end
end
if fresh > 0 then
  if redis.call('SCARD', KEYS[1]) + fresh > tonumber(ARGV[2]) then
    return redis.error_reply('session label limit reached (' .. ARGV[2] .. ' labels)')
  end
  for i = 3, #ARGV do redis.call('SADD', KEYS[1], ARGV[i]) end
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
end
return redis.call('SMEMBERS', KEYS[1])
`

export function sessionKey(prefix: string, session: string): string {
  return `${prefix}:session:{${encodeURIComponent(session)}}`
}

export function createRedisSessionStore(options: RedisSessionStoreOptions): SessionStore {
  const prefix = options.prefix ?? 'vetoc'
  const maxLabels = options.maxLabels ?? 256
  const ttlMs = options.ttlMs ?? 86_400_000
  const run = async (session: string, labels: readonly string[]): Promise<string[]> => {
    const reply = await runScript(options.redis, SCRIPT, 1, [sessionKey(prefix, session), ttlMs, maxLabels, ...new Set(labels)])
    if (!Array.isArray(reply) || !reply.every(x => typeof x === 'string')) throw new Error('unexpected reply from the Redis session script')
    return (reply as string[]).sort()
  }
  return {
    labels: session => run(session, []),
    add: (session, labels) => run(session, labels),
    async close() {
      if (options.ownsClient) await options.redis.quit?.()
    },
  }
}
