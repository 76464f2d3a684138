/**
 * The Redis limit store, for fleets of workers sharing one budget. The check and the count of every
 * limit that applies to a call happen atomically, in one round trip, in one Lua script: a sliding-
 * window log per key (a sorted set of allowed-call times), as in the memory store. Keys are
 * namespaced by policy, rule and key value, carry a Cluster hash tag (so one call's keys share a
 * slot), and expire on their own after one window.
 *
 * Pass an ioredis client configured not to queue or retry while disconnected, so an unreachable
 * server fails fast (the guard also bounds every call by `storeTimeoutMs`):
 *   new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 250, connectTimeout: 500 })
 */
import { randomUUID } from 'node:crypto'
import type { LimitStore, PendingLimit } from '../types.js'
import { blocking } from './apply.js'

/** The part of an ioredis client this store uses. */
export interface RedisLike {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  quit?(): Promise<unknown>
}

export interface RedisStoreOptions {
  redis: RedisLike
  /** Key prefix. @default 'vetoc' */
  prefix?: string
  /** Quit the client on `close()`. @default false */
  ownsClient?: boolean
}

const SCRIPT = `
local now = tonumber(ARGV[1])
local consume = ARGV[2] == '1'
local exceeded = {}
local stop = false
for i = 1, #KEYS do
  local b = 2 + (i - 1) * 4
  local per = tonumber(ARGV[b + 1])
  local max = tonumber(ARGV[b + 2])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - per)
  if redis.call('ZCARD', KEYS[i]) + 1 > max then
    exceeded[i] = 1
    if ARGV[b + 3] == '1' then stop = true end
  else
    exceeded[i] = 0
  end
end
if consume and not stop then
  for i = 1, #KEYS do
    local b = 2 + (i - 1) * 4
    redis.call('ZADD', KEYS[i], now, ARGV[b + 4])
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[b + 1]))
  end
end
return exceeded
`

const COUNT_SCRIPT = `
local now = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - tonumber(ARGV[1 + i]))
  out[i] = redis.call('ZCARD', KEYS[i])
end
return out
`

/** Counters get a `#count:` segment, which no encoded rule id can produce. */
export function redisKey(prefix: string, policy: string, l: PendingLimit): string {
  const enc = encodeURIComponent
  return `${prefix}:{${enc(policy)}}:${l.counter ? '#count:' : ''}${enc(l.rule)}:${enc(l.key)}`
}

export function createRedisStore(options: RedisStoreOptions): LimitStore {
  const prefix = options.prefix ?? 'vetoc'
  const redis = options.redis
  return {
    async hit(policy, limits, now, consume) {
      const keys = limits.map(l => redisKey(prefix, policy, l))
      const args: (string | number)[] = [now, consume ? '1' : '0']
      for (const l of limits) args.push(l.perMs, l.max, blocking(l) ? '1' : '0', `${now}:${randomUUID()}`)
      const reply = await redis.eval(SCRIPT, keys.length, ...keys, ...args)
      if (!Array.isArray(reply) || reply.length !== limits.length) throw new Error('unexpected reply from the Redis limit script')
      return reply.map(v => Number(v) === 1)
    },
    async count(policy, counters, now) {
      const keys = counters.map(l => redisKey(prefix, policy, l))
      const reply = await redis.eval(COUNT_SCRIPT, keys.length, ...keys, now, ...counters.map(l => l.perMs))
      if (!Array.isArray(reply) || reply.length !== counters.length) throw new Error('unexpected reply from the Redis count script')
      return reply.map(v => Number(v))
    },
    async close() {
      if (options.ownsClient) await redis.quit?.()
    },
  }
}
