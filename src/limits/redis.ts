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
import { randomUUID } from 'node:crypto'
import { runScript } from '../redis-script.js'
import type { LimitStore, PendingLimit } from '../types.js'
import { blocking } from './apply.js'
import { checkMaxKeys, digestCache, keyDigest, LimitKeysFullError } from './keys.js'

/** The part of an ioredis client this store uses. */
export interface RedisLike {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  /**
   * Runs a script the server already holds, by its SHA-1 (a NOSCRIPT error when it does not). When
   * present, the stores send the 40-character digest instead of the script's text on every
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
  /**
   * Calls of one policy made in the same turn of the event loop (a busy worker's concurrent guard
   * calls) go to Redis as one script run, applied one after the other in the order they were made, so
   * caps are exactly what separate runs would give. One round trip and one script call then serve many
   * decisions; a call waits at most until the end of the current turn for its batch to go out. If the
   * batch's run fails, or any part of its reply is not one the script gives, every call in it gets the failure (and the guard's fail mode); a run that
   * stopped part way may have counted the calls before the failure, so a failure can spend budget
   * but never grant more. `false`: one script run per call. @default true
   */
  batch?: boolean
}

/** Calls per batched script run (a larger batch waits for the next one). */
const MAX_BATCH = 64

/** Rules (per policy) whose key prefixes a store keeps. */
const MAX_PREFIXES = 4096

/**
 * One call's limits, checked and (when `consume` and none blocks) counted. `k` is the index in KEYS of
 * the call's first key (per limit: its key's log, then its rule's index); `a` the index in ARGV of its
 * first limit's arguments (per limit: per, max, blocking, a unique member for this call, the key's
 * digest). Returns per limit 1 (exceeded) or 0, or `{'full', i}` when limit i needs a new key and its
 * rule already holds `maxKeys`: then nothing of the call is counted.
 */
const HIT_FUNCTION = `
local function hit(now, nowText, consume, maxKeys, n, k, a)
  local exceeded = {}
  local stop = false
  for i = 1, n do
    local b = a + (i - 1) * 5
    local log = KEYS[k + 2 * (i - 1)]
    redis.call('ZREMRANGEBYSCORE', log, '-inf', now - tonumber(ARGV[b]))
    if redis.call('ZCARD', log) + 1 > tonumber(ARGV[b + 1]) then
      exceeded[i] = 1
      if ARGV[b + 2] == '1' then stop = true end
    else
      exceeded[i] = 0
    end
  end
  if consume and not stop then
    -- room for every new key first, so a refused call counts nowhere (an emptied log no longer exists)
    for i = 1, n do
      if redis.call('EXISTS', KEYS[k + 2 * (i - 1)]) == 0 and redis.call('ZCOUNT', KEYS[k + 2 * (i - 1) + 1], '(' .. nowText, '+inf') >= maxKeys then
        return {'full', i}
      end
    end
    for i = 1, n do
      local b = a + (i - 1) * 5
      local per = tonumber(ARGV[b])
      local log = KEYS[k + 2 * (i - 1)]
      local index = KEYS[k + 2 * (i - 1) + 1]
      redis.call('ZADD', log, now, ARGV[b + 3])
      redis.call('PEXPIRE', log, per)
      -- the index holds each key's expiry; a clock that steps back never shortens it
      local expires = now + per
      local held = redis.call('ZSCORE', index, ARGV[b + 4])
      if not held or tonumber(held) < expires then redis.call('ZADD', index, expires, ARGV[b + 4]) end
      redis.call('PEXPIRE', index, per)
      -- free a few expired keys: more than a call adds, so no call pays for the whole index
      local old = redis.call('ZRANGEBYSCORE', index, '-inf', nowText, 'LIMIT', 0, 8)
      if #old > 0 then redis.call('ZREM', index, unpack(old)) end
    end
  end
  return exceeded
end
`

// One call. KEYS: per limit, its key's log and its rule's index. ARGV: now, consume, maxKeys, then
// per limit: per, max, blocking, a unique member for this call, the key's digest.
export const LIMIT_SCRIPT: string = `${HIT_FUNCTION}
return hit(tonumber(ARGV[1]), ARGV[1], ARGV[2] == '1', tonumber(ARGV[3]), #KEYS / 2, 1, 4)
`

// Several calls of one policy, one after the other in the order given (so caps stay exactly as if
// each had run alone, in that order). KEYS: every call's keys, call after call. ARGV: the number of
// calls, then per call: now, consume, maxKeys, its number of limits n, then its n limits' arguments.
// Returns one reply per call, as LIMIT_SCRIPT's.
export const LIMIT_BATCH_SCRIPT: string = `${HIT_FUNCTION}
local out = {}
local k = 1
local a = 2
for c = 1, tonumber(ARGV[1]) do
  local n = tonumber(ARGV[a + 3])
  out[c] = hit(tonumber(ARGV[a]), ARGV[a], ARGV[a + 1] == '1', tonumber(ARGV[a + 2]), n, k, a + 4)
  k = k + 2 * n
  a = a + 4 + 5 * n
end
return out
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

/** Where one limit of a call is kept: its key's log, its rule's index, and the key's digest. */
interface LimitKeys {
  log: string
  index: string
  digest: string
}

interface Queued {
  keys: LimitKeys[]
  limits: readonly PendingLimit[]
  now: number
  consume: boolean
  resolve: (exceeded: boolean[]) => void
  reject: (e: unknown) => void
}

/**
 * A call's outcome from its part of a script's reply: its verdicts, or the key bound it hit. A part
 * that is neither throws: the reply cannot be trusted.
 */
function outcome(reply: unknown, limits: readonly PendingLimit[], maxKeys: number): boolean[] | LimitKeysFullError {
  if (Array.isArray(reply) && reply[0] === 'full' && typeof reply[1] === 'number' && limits[reply[1] - 1]) return new LimitKeysFullError(limits[reply[1] - 1]!.rule, maxKeys)
  if (!Array.isArray(reply) || reply.length !== limits.length) throw new Error('unexpected reply from the Redis limit script')
  return reply.map(v => Number(v) === 1)
}

function settle(q: Queued, result: boolean[] | LimitKeysFullError): void {
  if (result instanceof LimitKeysFullError) q.reject(result)
  else q.resolve(result)
}

export function createRedisStore(options: RedisStoreOptions): LimitStore {
  const prefix = options.prefix ?? 'vetoc'
  const redis = options.redis
  const maxKeys = checkMaxKeys(options.maxKeysPerRule)
  const digestOf = digestCache(keyDigest)
  // a rule's two key prefixes, built once: URI-encoding the policy and rule names on every call cost
  // as much as the rest of the keys. Policies and rules are the compiled policy's, not the model's,
  // but the map is bounded all the same (past the bound, prefixes are built per call).
  // by policy, then by rule (`c` or `r`, counter or rule, then its name: no two share an entry)
  const prefixes = new Map<string, Map<string, { log: string; index: string }>>()
  let kept = 0
  const prefixesOf = (policy: string, l: PendingLimit): { log: string; index: string } => {
    let ofPolicy = prefixes.get(policy)
    const id = `${l.counter ? 'c' : 'r'}${l.rule}`
    let p = ofPolicy?.get(id)
    if (p === undefined) {
      p = { log: `${rulePart(prefix, policy, l)}:`, index: redisIndexKey(prefix, policy, l) }
      if (kept < MAX_PREFIXES) {
        if (ofPolicy === undefined) prefixes.set(policy, (ofPolicy = new Map()))
        ofPolicy.set(id, p)
        kept++
      }
    }
    return p
  }
  const keysOf = (policy: string, limits: readonly PendingLimit[]): LimitKeys[] =>
    limits.map(l => {
      const digest = digestOf(l.key)
      const p = prefixesOf(policy, l)
      return { log: p.log + digest, index: p.index, digest }
    })
  /** One call's keys (per limit: its log, its rule's index) and per-limit arguments, appended to a script run's. */
  const pushLimits = (q: Queued, keys: string[], args: (string | number)[]): void => {
    q.limits.forEach((l, i) => {
      const k = q.keys[i]!
      keys.push(k.log, k.index)
      args.push(l.perMs, l.max, blocking(l) ? '1' : '0', `${q.now}:${randomUUID()}`, k.digest)
    })
  }
  const runOne = async (q: Queued): Promise<void> => {
    const keys: string[] = []
    const args: (string | number)[] = [q.now, q.consume ? '1' : '0', maxKeys]
    pushLimits(q, keys, args)
    try {
      settle(q, outcome(await runScript(redis, LIMIT_SCRIPT, keys.length, [...keys, ...args]), q.limits, maxKeys))
    } catch (e) {
      q.reject(e)
    }
  }
  const runBatch = async (calls: readonly Queued[]): Promise<void> => {
    const keys: string[] = []
    const args: (string | number)[] = [calls.length]
    for (const q of calls) {
      args.push(q.now, q.consume ? '1' : '0', maxKeys, q.limits.length)
      pushLimits(q, keys, args)
    }
    let results: (boolean[] | LimitKeysFullError)[]
    try {
      const reply = await runScript(redis, LIMIT_BATCH_SCRIPT, keys.length, [...keys, ...args])
      if (!Array.isArray(reply) || reply.length !== calls.length) throw new Error('unexpected reply from the Redis limit script')
      // every part is read before any call is answered: one part that is not a reply discredits the whole
      results = calls.map((q, i) => outcome(reply[i], q.limits, maxKeys))
    } catch (e) {
      for (const q of calls) q.reject(e)
      return
    }
    calls.forEach((q, i) => settle(q, results[i]!))
  }
  // calls waiting for the end of this turn, by policy (one policy's keys share a Cluster slot)
  const queued = new Map<string, Queued[]>()
  const flush = (): void => {
    const batches = [...queued.values()]
    queued.clear()
    for (const calls of batches) {
      for (let i = 0; i < calls.length; i += MAX_BATCH) {
        const part = calls.slice(i, i + MAX_BATCH)
        void (part.length === 1 ? runOne(part[0]!) : runBatch(part))
      }
    }
  }
  return {
    hit(policy, limits, now, consume) {
      return new Promise<boolean[]>((resolve, reject) => {
        // a time that is not a finite number would count at no time Redis can compare: refused, not sent
        if (typeof now !== 'number' || !Number.isFinite(now)) {
          reject(new TypeError(`the limit store needs the time as a finite number of milliseconds, got ${String(now)}`))
          return
        }
        const q: Queued = { keys: keysOf(policy, limits), limits, now, consume, resolve, reject }
        if (options.batch === false) {
          void runOne(q)
          return
        }
        let calls = queued.get(policy)
        if (calls === undefined) {
          // the first call of this turn schedules the run; the others made before it starts join it
          if (queued.size === 0) setImmediate(flush)
          queued.set(policy, (calls = []))
        }
        calls.push(q)
      })
    },
    async count(policy, counters, now) {
      const keys = counters.map(l => redisKey(prefix, policy, l))
      const reply = await runScript(redis, COUNT_SCRIPT, keys.length, [...keys, now, ...counters.map(l => l.perMs)])
      if (!Array.isArray(reply) || reply.length !== counters.length) throw new Error('unexpected reply from the Redis count script')
      return reply.map(v => Number(v))
    },
    async close() {
      if (options.ownsClient) await redis.quit?.()
    },
  }
}
