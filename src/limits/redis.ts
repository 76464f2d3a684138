/**
 * The Redis limit store, for fleets of workers sharing one budget. The check and the count of every
 * limit that applies to a call happen atomically, in one round trip, in one Lua script: a sliding-
 * window log per key (a sorted set of allowed-call times), as in the memory store. Keys are
 * namespaced by policy, rule and a 128-bit digest of the key value (never the value: the model
 * chooses it), carry a Cluster hash tag (so one call's keys share a slot), and expire on their own
 * after one window. Each rule also has an index of its live keys (a sorted set of digests by expiry)
 * that bounds them: a call that would add a key past `maxKeysPerRule` is refused inside the same
 * script, before anything is counted, and the guard decides it by the fail mode.
 *
 * Pass an ioredis client configured not to queue or retry while disconnected, so an unreachable
 * server fails fast (the guard also bounds every call by `storeTimeoutMs`):
 *   new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 250, connectTimeout: 500 })
 */
import { createHash, randomUUID } from 'node:crypto'
import type { LimitStore, PendingLimit } from '../types.js'
import { blocking } from './apply.js'
import { checkMaxKeys, keyDigest, LimitKeysFullError } from './keys.js'

/** The part of an ioredis client this store uses. */
export interface RedisLike {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  /**
   * Runs a script the server already holds, by its SHA-1 (a NOSCRIPT error when it does not). When
   * present, the limit store sends the 40-character digest instead of the script's text on every
   * call: writing that text to the socket was the largest part of a guard call's CPU time.
   */
  evalsha?(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  quit?(): Promise<unknown>
}

export interface RedisStoreOptions {
  redis: RedisLike
  /** Key prefix. @default 'vetoc' */
  prefix?: string
  /** Quit the client on `close()`. @default false */
  ownsClient?: boolean
  /**
   * Live keys kept per rule (and per keyed context counter), across the fleet. A call whose limit
   * would need one more key is decided by the policy's fail mode, with a reason naming the rule.
   * @default 100000
   */
  maxKeysPerRule?: number
}

// KEYS: per limit, its key's log and its rule's index. ARGV: now, consume, maxKeys, then per limit:
// per, max, blocking, a unique member for this call, the key's digest.
export const LIMIT_SCRIPT = `
local now = tonumber(ARGV[1])
local consume = ARGV[2] == '1'
local maxKeys = tonumber(ARGV[3])
local n = #KEYS / 2
local exceeded = {}
local stop = false
for i = 1, n do
  local b = 3 + (i - 1) * 5
  local per = tonumber(ARGV[b + 1])
  local max = tonumber(ARGV[b + 2])
  redis.call('ZREMRANGEBYSCORE', KEYS[2 * i - 1], '-inf', now - per)
  if redis.call('ZCARD', KEYS[2 * i - 1]) + 1 > max then
    exceeded[i] = 1
    if ARGV[b + 3] == '1' then stop = true end
  else
    exceeded[i] = 0
  end
end
if consume and not stop then
  -- room for every new key first, so a refused call counts nowhere (an emptied log no longer exists)
  for i = 1, n do
    if redis.call('EXISTS', KEYS[2 * i - 1]) == 0 and redis.call('ZCOUNT', KEYS[2 * i], '(' .. ARGV[1], '+inf') >= maxKeys then
      return {'full', i}
    end
  end
  for i = 1, n do
    local b = 3 + (i - 1) * 5
    local per = tonumber(ARGV[b + 1])
    local index = KEYS[2 * i]
    redis.call('ZADD', KEYS[2 * i - 1], now, ARGV[b + 4])
    redis.call('PEXPIRE', KEYS[2 * i - 1], per)
    -- the index holds each key's expiry; a clock that steps back never shortens it
    local expires = now + per
    local held = redis.call('ZSCORE', index, ARGV[b + 5])
    if not held or tonumber(held) < expires then redis.call('ZADD', index, expires, ARGV[b + 5]) end
    redis.call('PEXPIRE', index, per)
    -- free a few expired keys: more than a call adds, so no call pays for the whole index
    local old = redis.call('ZRANGEBYSCORE', index, '-inf', ARGV[1], 'LIMIT', 0, 8)
    if #old > 0 then redis.call('ZREM', index, unpack(old)) end
  end
end
return exceeded
`

const LIMIT_SHA = createHash('sha1').update(LIMIT_SCRIPT).digest('hex')

/**
 * Runs `script` by EVALSHA when the client can, and by EVAL when the server does not hold it yet
 * (a fresh or flushed server; EVAL also loads it, so the next EVALSHA finds it). A NOSCRIPT reply
 * means the script did not run, so running it then cannot count a call twice.
 */
async function runScript(redis: RedisLike, script: string, sha: string, numKeys: number, args: (string | number)[]): Promise<unknown> {
  if (redis.evalsha === undefined) return redis.eval(script, numKeys, ...args)
  try {
    return await redis.evalsha(sha, numKeys, ...args)
  } catch (e) {
    if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e
    return redis.eval(script, numKeys, ...args)
  }
}

const COUNT_SCRIPT = `
local now = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - tonumber(ARGV[1 + i]))
  out[i] = redis.call('ZCARD', KEYS[i])
end
return out
`

const COUNT_SHA = createHash('sha1').update(COUNT_SCRIPT).digest('hex')

/** The rule's part of a key: counters get a `#count:` segment, which no encoded rule id can produce. */
function rulePart(prefix: string, policy: string, l: PendingLimit): string {
  const enc = encodeURIComponent
  return `${prefix}:{${enc(policy)}}:${l.counter ? '#count:' : ''}${enc(l.rule)}`
}

/** The sorted set of one key's allowed-call times: `<prefix>:{<policy>}:<rule>:<digest of the key>`. */
export function redisKey(prefix: string, policy: string, l: PendingLimit): string {
  return `${rulePart(prefix, policy, l)}:${keyDigest(l.key)}`
}

/** The rule's index of live keys (digest → expiry): `<prefix>:{<policy>}:#keys:<rule>`. */
export function redisIndexKey(prefix: string, policy: string, l: PendingLimit): string {
  const enc = encodeURIComponent
  return `${prefix}:{${enc(policy)}}:#keys:${l.counter ? '#count:' : ''}${enc(l.rule)}`
}

export function createRedisStore(options: RedisStoreOptions): LimitStore {
  const prefix = options.prefix ?? 'vetoc'
  const redis = options.redis
  const maxKeys = checkMaxKeys(options.maxKeysPerRule)
  return {
    async hit(policy, limits, now, consume) {
      const keys: string[] = []
      const args: (string | number)[] = [now, consume ? '1' : '0', maxKeys]
      for (const l of limits) {
        const digest = keyDigest(l.key)
        keys.push(`${rulePart(prefix, policy, l)}:${digest}`, redisIndexKey(prefix, policy, l))
        args.push(l.perMs, l.max, blocking(l) ? '1' : '0', `${now}:${randomUUID()}`, digest)
      }
      const reply = await runScript(redis, LIMIT_SCRIPT, LIMIT_SHA, keys.length, [...keys, ...args])
      if (Array.isArray(reply) && reply[0] === 'full' && typeof reply[1] === 'number' && limits[reply[1] - 1]) throw new LimitKeysFullError(limits[reply[1] - 1]!.rule, maxKeys)
      if (!Array.isArray(reply) || reply.length !== limits.length) throw new Error('unexpected reply from the Redis limit script')
      return reply.map(v => Number(v) === 1)
    },
    async count(policy, counters, now) {
      const keys = counters.map(l => redisKey(prefix, policy, l))
      const reply = await runScript(redis, COUNT_SCRIPT, COUNT_SHA, keys.length, [...keys, now, ...counters.map(l => l.perMs)])
      if (!Array.isArray(reply) || reply.length !== counters.length) throw new Error('unexpected reply from the Redis count script')
      return reply.map(v => Number(v))
    },
    async close() {
      if (options.ownsClient) await redis.quit?.()
    },
  }
}
