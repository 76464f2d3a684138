/**
 * Pending reviews in Redis, for fleets: a review raised by one worker can be answered through any
 * other worker, page or webhook, and used once. Each operation is one Lua script, so answering and
 * using an approval id are atomic across processes. A waiting guard polls for its answer.
 */
import type { RedisLike } from '../limits/redis.js'
import { runScript } from '../redis-script.js'
import type { ApprovalAnswer, ApprovalRefusal, PendingApproval, PendingStore, Taken } from './pending.js'

export interface RedisPendingOptions {
  redis: RedisLike
  /** Key prefix. @default 'vetoc' */
  prefix?: string
  /** How long an expired or used id is still remembered (so a late use says why it fails). @default 900000 */
  rememberMs?: number
}

// KEYS[1] the review's hash, KEYS[2] the index of unanswered reviews by expiry
const ADD = `
redis.call('HSET', KEYS[1], 'pending', ARGV[1])
-- relative to the guard's clock (which tests and replays may set), not the server's
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[4])
return 1
`
const ANSWER = `
local p = redis.call('HGET', KEYS[1], 'pending')
if not p then return 'unknown' end
local pending = cjson.decode(p)
if tonumber(pending.expiresAt) <= tonumber(ARGV[2]) then return 'expired' end
if redis.call('HEXISTS', KEYS[1], 'answer') == 1 then return 'answered' end
if ARGV[3] ~= '' and ARGV[3] ~= pending.binding.argsDigest then return 'mismatch' end
redis.call('HSET', KEYS[1], 'answer', ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[4])
return 'ok'
`
const TAKE = `
local p = redis.call('HGET', KEYS[1], 'pending')
if not p then return {'unknown'} end
if redis.call('HEXISTS', KEYS[1], 'used') == 1 then return {'used', p} end
local pending = cjson.decode(p)
if tonumber(pending.expiresAt) <= tonumber(ARGV[1]) then return {'expired', p} end
local a = redis.call('HGET', KEYS[1], 'answer')
if not a then return {'unanswered', p} end
redis.call('HSET', KEYS[1], 'used', '1')
return {'ok', p, a}
`
const LIST = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local p = redis.call('HGET', ARGV[2] .. id, 'pending')
  if p then table.insert(out, p) end
end
return out
`

export function createRedisPendingStore(options: RedisPendingOptions): PendingStore {
  const { redis } = options
  const prefix = options.prefix ?? 'vetoc'
  const rememberMs = options.rememberMs ?? 900_000
  // one hash tag: every key of the store shares a Cluster slot, so scripts may touch them together
  const base = `${prefix}:{approvals}:`
  const key = (id: string): string => `${base}${id}`
  const index = `${base}index`
  const parse = (text: unknown): PendingApproval => JSON.parse(String(text)) as PendingApproval
  return {
    async add(p) {
      await runScript(redis, ADD, 2, [key(p.approvalId), index, JSON.stringify(p), p.expiresAt, Math.max(1, p.expiresAt - p.createdAt) + rememberMs, p.approvalId])
    },
    async list(now) {
      const rows = (await runScript(redis, LIST, 1, [index, now, base, 1000])) as unknown[]
      return rows.map(parse).sort((a, b) => a.createdAt - b.createdAt)
    },
    async get(id) {
      const rows = (await runScript(redis, `return redis.call('HGET', KEYS[1], 'pending')`, 1, [key(id)])) as unknown
      return rows === null || rows === undefined ? undefined : parse(rows)
    },
    async answer(id, answer: ApprovalAnswer, now) {
      const r = String(await runScript(redis, ANSWER, 2, [key(id), index, JSON.stringify(answer), now, answer.argsDigest ?? '', id]))
      return r === 'ok' ? { ok: true } : { ok: false, refusal: r as ApprovalRefusal }
    },
    async take(id, now): Promise<Taken> {
      const r = (await runScript(redis, TAKE, 1, [key(id), now])) as unknown[]
      const status = String(r[0])
      if (status === 'ok') return { ok: true, pending: parse(r[1]), answer: JSON.parse(String(r[2])) as ApprovalAnswer }
      return r[1] === undefined ? { ok: false, refusal: status as ApprovalRefusal } : { ok: false, refusal: status as ApprovalRefusal, pending: parse(r[1]) }
    },
  }
}
