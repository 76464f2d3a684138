/**
 * Issue 18, item 9: limit keys chosen by the model. `limit: { key: args.to }` makes one counter per
 * distinct value, so the stores keep a fixed-size digest of each key, free expired keys a few at a
 * time (no call walks the whole map), and hold a bounded number of live keys per rule; past the bound
 * a call with a new key takes the fail mode, with a reason. Memory store and a real redis-server.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGuard } from '../../src/guard.js'
import { DEFAULT_MAX_KEYS_PER_RULE, keyDigest, LimitKeysFullError } from '../../src/limits/keys.js'
import { createMemoryStore } from '../../src/limits/memory.js'
import { createRedisStore } from '../../src/limits/redis.js'
import { createMemorySink } from '../../src/records/index.js'
import type { CompiledPolicy, PendingLimit } from '../../src/types.js'
import { compileModule } from '../support/compiled.js'
import { describeWithRedis, startRedis, type RedisProcess } from '../support/redis.js'

const POLICY = (failMode: 'closed' | 'open'): string => `name: keyed
fail_mode: ${failMode}
tools:
  send_sms:
    parameters: { type: object, properties: { to: { type: string }, body: { type: string } }, required: [to, body] }
rules:
  - id: global
    tools: ["*"]
    limit: { max: 1000000, per: 1h }
    action: deny
    message: hourly budget spent
  - id: per_recipient
    tool: send_sms
    limit: { max: 2, per: 1h, key: args.to }
    action: deny
    message: recipient cap
`
let closed: CompiledPolicy
let open: CompiledPolicy
beforeAll(async () => {
  closed = (await compileModule(POLICY('closed'), 'keyed.policy.yaml')).module
  open = (await compileModule(POLICY('open'), 'keyed-open.policy.yaml')).module
})

const HOUR = 3_600_000
const limit = (key: string, max = 1, perMs = 1_000, rule = 'per_key'): PendingLimit => ({ rule, index: 0, action: 'deny', warn: false, max, perMs, key, message: 'm' })
const FULL = /^limit key bound reached \(fail mode closed\): rule `per_recipient` already counts 3 live keys \(the store's maxKeysPerRule\), so a call with a new key cannot be counted until some expire$/

/** Heap in use after a full collection (gc through a V8 flag, as vitest workers run without --expose-gc). */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

describe('the key digest', () => {
  it('is 22 base64url characters whatever the key, and keeps apart strings UTF-8 would merge', () => {
    for (const k of ['', 'a', 'x'.repeat(1 << 20), '\u{1F600}']) expect(keyDigest(k)).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(keyDigest('\uD800')).not.toBe(keyDigest('\uFFFD')) // a lone surrogate and the replacement character
    expect(keyDigest('ab')).not.toBe(keyDigest('a\u0000b'))
    expect(DEFAULT_MAX_KEYS_PER_RULE).toBe(100_000)
    expect(() => createMemoryStore({ maxKeysPerRule: 0 })).toThrow('maxKeysPerRule must be a positive integer, got 0')
  })
})

describe('memory store', () => {
  it('a 1 MB key is counted exactly and kept as a digest: 200 such keys leave the heap as it was', async () => {
    const store = createMemoryStore()
    const big = (i: number): string => `${'r'.repeat(1 << 20)}${i}`
    expect(store.hit('p', [limit(big(0), 1, HOUR)], 0, true)).toEqual([false])
    expect(store.hit('p', [limit(big(0), 1, HOUR)], 1, true)).toEqual([true]) // the same 1 MB key: over its cap
    expect(store.hit('p', [limit(big(1), 1, HOUR)], 2, true)).toEqual([false]) // differs in its last character
    const before = heapAfterGc()
    for (let i = 2; i < 202; i++) store.hit('p', [limit(big(i), 1, HOUR)], 3, true)
    const grown = heapAfterGc() - before
    expect(store.size()).toBe(202)
    // 200 keys of 1 MB each: a store that kept the values would hold 200 MB more
    expect(grown).toBeLessThan(10 * 1024 * 1024)
  })

  it('100,000 distinct keys: each counted exactly, and expired keys freed as calls go, never piling up', () => {
    const store = createMemoryStore({ maxKeysPerRule: 200_000 })
    let exceeded = 0
    for (let i = 0; i < 100_000; i++) if ((store.hit('p', [limit(`k${i}`, 1, HOUR)], i, true) as boolean[])[0]) exceeded++
    expect(exceeded).toBe(0)
    expect(store.size()).toBe(100_000)
    // every one of them is now at its cap
    for (let i = 0; i < 100_000; i++) if ((store.hit('p', [limit(`k${i}`, 1, HOUR)], 100_000, true) as boolean[])[0]) exceeded++
    expect(exceeded).toBe(100_000)
    // a steady stream of new keys with a 1 s window and a clock moving 1 ms per call: about 1,000 live
    const steady = createMemoryStore()
    let most = 0
    for (let i = 0; i < 100_000; i++) {
      steady.hit('p', [limit(`s${i}`)], i, true)
      most = Math.max(most, steady.size())
    }
    // the old store swept only past `sweepAt` (10,000 keys), and then the whole map on every call
    expect(most).toBeLessThanOrEqual(1_001)
  })

  it('no call walks the whole map: 50,000 keys expiring together are freed a few per call', () => {
    const store = createMemoryStore()
    for (let i = 0; i < 50_000; i++) store.hit('p', [limit(`k${i}`)], 0, true)
    store.hit('p', [limit('late')], 5_000, true) // every earlier key has expired
    const afterOne = store.size()
    expect(afterOne).toBeGreaterThan(49_900)
    for (let i = 0; i < 100; i++) store.hit('p', [limit(`n${i}`)], 5_000, true)
    expect(store.size()).toBeLessThan(afterOne) // each call frees more keys than it adds
    // and a key that expired but was not yet freed counts as new: nothing of its old window is left
    expect(store.hit('p', [limit('k49999')], 5_000, true)).toEqual([false])
  })

  it('at the bound, a call with a new key takes the fail mode with a reason; known keys still count; expiry frees room', async () => {
    let now = 1_000_000
    const sink = createMemorySink()
    const guard = createGuard(closed, { clock: () => now, store: createMemoryStore({ maxKeysPerRule: 3 }), sink })
    for (const to of ['+1', '+2', '+3']) expect(await guard('send_sms', { to, body: 'x' })).toMatchObject({ decision: 'allow' })
    const refused = await guard('send_sms', { to: '+4', body: 'x' })
    expect(refused.decision).toBe('deny')
    expect(refused.reason).toMatch(FULL)
    expect(sink.records.at(-1)).toMatchObject({ decision: 'deny', reason: refused.reason, args: { to: '+4' } })
    now += 30 * 60_000
    // a key the store holds is unaffected: its own cap decides
    expect(await guard('send_sms', { to: '+1', body: 'x' })).toMatchObject({ decision: 'allow' })
    expect(await guard('send_sms', { to: '+1', body: 'x' })).toMatchObject({ decision: 'deny', rule: 'per_recipient', reason: 'recipient cap' })
    expect((await guard('send_sms', { to: '+5', body: 'x' })).reason).toMatch(FULL)
    // an hour after +2 and +3 were last allowed, their room is free again (+1 was allowed since)
    now = 1_000_000 + HOUR
    expect(await guard('send_sms', { to: '+5', body: 'x' })).toMatchObject({ decision: 'allow' })
    expect(await guard('send_sms', { to: '+6', body: 'x' })).toMatchObject({ decision: 'allow' })
    expect((await guard('send_sms', { to: '+7', body: 'x' })).reason).toMatch(FULL)
  })

  it('fail mode open allows the refused call, uncounted, and says so', async () => {
    const guard = createGuard(open, { clock: () => 0, store: createMemoryStore({ maxKeysPerRule: 1 }) })
    expect(await guard('send_sms', { to: '+1', body: 'x' })).toMatchObject({ decision: 'allow' })
    expect(await guard('send_sms', { to: '+2', body: 'x' })).toMatchObject({ decision: 'allow', reason: expect.stringMatching(/^limit key bound reached \(fail mode open\): rule `per_recipient` already counts 1 live keys/) })
  })

  it('a refused call counts nowhere: the other limits of the call are not spent', () => {
    const store = createMemoryStore({ maxKeysPerRule: 1 })
    const global = limit('', 100, HOUR, 'global')
    store.hit('p', [global, limit('a', 1, HOUR)], 0, true)
    expect(() => store.hit('p', [global, limit('b', 1, HOUR)], 1, true)).toThrow(LimitKeysFullError)
    expect(store.count!('p', [global], 2)).toEqual([1])
    // a call that does not consume (decided deny elsewhere) needs no room
    expect(store.hit('p', [global, limit('b', 1, HOUR)], 3, false)).toEqual([false, false])
  })

  it('never lets more than max through per key in any window, with keys that collide under UTF-8 and a bound that refuses some (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(fc.record({ t: fc.integer({ min: 0, max: 20_000 }), k: fc.constantFrom('a', 'b', '\uD800', '\uFFFD', '') }), { minLength: 1, maxLength: 200 }), (max, calls) => {
        const store = createMemoryStore({ maxKeysPerRule: 2 })
        const allowed: { t: number; k: string }[] = []
        for (const c of [...calls].sort((x, y) => x.t - y.t)) {
          try {
            if (!(store.hit('p', [limit(c.k, max, 5_000)], c.t, true) as boolean[])[0]) allowed.push(c)
          } catch (e) {
            expect(e).toBeInstanceOf(LimitKeysFullError)
          }
        }
        for (const a of allowed) expect(allowed.filter(b => b.k === a.k && b.t >= a.t && b.t < a.t + 5_000).length).toBeLessThanOrEqual(max)
      }),
      { seed: 18, numRuns: 300 },
    )
  })
})

describeWithRedis('redis store (a real redis-server on a loopback port)', () => {
  let server: RedisProcess
  let redis: Redis
  beforeAll(async () => {
    server = await startRedis()
    // exactness, not timeouts, is under test: generous bounds, so a loaded machine slows the run down
    redis = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 20_000 })
    redis.on('error', () => {})
    await new Promise(resolve => redis.once('ready', resolve))
  }, 20_000)
  afterAll(async () => {
    redis?.disconnect()
    await server?.stop()
  })

  it('a 1 MB key is counted exactly under a 22-character digest', async () => {
    const store = createRedisStore({ redis, prefix: 'big' })
    const big = 'r'.repeat(1 << 20)
    expect(await store.hit('p', [limit(big, 1, HOUR)], 0, true)).toEqual([false])
    expect(await store.hit('p', [limit(big, 1, HOUR)], 1, true)).toEqual([true])
    expect(await store.hit('p', [limit(`${big}!`, 1, HOUR)], 2, true)).toEqual([false])
    const keys = (await redis.keys('big:*')).sort()
    expect(keys).toEqual(['big:{p}:#keys:per_key', `big:{p}:per_key:${keyDigest(big)}`, `big:{p}:per_key:${keyDigest(`${big}!`)}`].sort())
    expect(await redis.zrange('big:{p}:#keys:per_key', '0', '-1')).toEqual(expect.arrayContaining([keyDigest(big), keyDigest(`${big}!`)]))
  })

  it('at the bound, a call with a new key takes the fail mode with a reason, inside the one script; expiry frees room', async () => {
    let now = 1_000_000
    const store = createRedisStore({ redis, prefix: 'bound', maxKeysPerRule: 3 })
    const guard = createGuard(closed, { clock: () => now, store, storeTimeoutMs: 30_000 })
    for (const to of ['+1', '+2', '+3']) expect(await guard('send_sms', { to, body: 'x' })).toMatchObject({ decision: 'allow' })
    expect((await guard('send_sms', { to: '+4', body: 'x' })).reason).toMatch(FULL)
    expect(await guard('send_sms', { to: '+1', body: 'x' })).toMatchObject({ decision: 'allow' })
    // the refused call spent nothing: the global budget counted the four allowed calls only
    expect(await redis.zcard(`bound:{keyed}:global:${keyDigest('')}`)).toBe(4)
    expect(await redis.exists(`bound:{keyed}:per_recipient:${keyDigest('+4')}`)).toBe(0)
    now += HOUR
    expect(await guard('send_sms', { to: '+4', body: 'x' })).toMatchObject({ decision: 'allow' })
    expect(await guard('send_sms', { to: '+5', body: 'x' })).toMatchObject({ decision: 'allow' })
    expect(await guard('send_sms', { to: '+6', body: 'x' })).toMatchObject({ decision: 'allow' })
    expect((await guard('send_sms', { to: '+7', body: 'x' })).reason).toMatch(FULL)
    // the index holds the live keys and drops expired ones a few per call
    expect(await redis.zcount('bound:{keyed}:#keys:per_recipient', `(${now}`, '+inf')).toBe(3)
  })

  it('2,000 distinct keys against a bound of 1,000: exactly 1,000 counted, the rest refused by the fail mode', async () => {
    const store = createRedisStore({ redis, prefix: 'many', maxKeysPerRule: 1_000 })
    const guard = createGuard(closed, { clock: () => 5_000, store, storeTimeoutMs: 30_000 })
    const decisions = await Promise.all(Array.from({ length: 2_000 }, (_, i) => guard('send_sms', { to: `+${i}`, body: 'x' })))
    expect(decisions.filter(d => d.decision === 'allow')).toHaveLength(1_000)
    expect(decisions.filter(d => d.decision === 'deny').every(d => /^limit key bound reached \(fail mode closed\): rule `per_recipient` already counts 1000 live keys/.test(d.reason ?? ''))).toBe(true)
    expect(await redis.zcard('many:{keyed}:#keys:per_recipient')).toBe(1_000)
    expect(await redis.zcard(`many:{keyed}:global:${keyDigest('')}`)).toBe(1_000)
  }, 60_000)
})
