import { fork, type ChildProcess } from 'node:child_process'
import fc from 'fast-check'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGuard } from '../../src/guard.js'
import { applyLimits } from '../../src/limits/apply.js'
import { createMemoryStore } from '../../src/limits/memory.js'
import { keyDigest, LimitKeysFullError } from '../../src/limits/keys.js'
import { createRedisStore, redisKey } from '../../src/limits/redis.js'
import type { CompiledPolicy, Evaluation, PendingLimit } from '../../src/types.js'
import { compileModule } from '../support/compiled.js'
import { describeWithRedis, fastFailClient, scriptCounting, startRedis, type RedisProcess, type ScriptRun } from '../support/redis.js'

const CAP = `name: caps
tools:
  send_sms:
    parameters: { type: object, properties: { to: { type: string }, body: { type: string } }, required: [to, body] }
  call_vendor: {}
rules:
  - id: blocked_prefix
    tool: send_sms
    when: "args.to.startsWith('+99')"
    action: deny
  - id: global
    tools: ["*"]
    limit: { max: 60, per: 1h }
    action: deny
    message: hourly budget spent
  - id: per_recipient
    tool: send_sms
    limit: { max: 2, per: 10m, key: args.to }
    action: deny
    message: recipient cap
`
let caps: CompiledPolicy
beforeAll(async () => {
  caps = (await compileModule(CAP, 'caps.policy.yaml')).module
})

describe('applyLimits', () => {
  const ev = (over: Partial<Evaluation>): Evaluation => ({ decision: 'allow', ruleIndex: -1, ...over })
  const lim = (over: Partial<PendingLimit>): PendingLimit => ({ rule: 'l', index: 5, action: 'deny', warn: false, max: 1, perMs: 1000, key: '', message: 'm', ...over })
  it('an exceeded deny limit beats review and allow; the first in file order is reported', () => {
    expect(applyLimits(ev({ decision: 'review', rule: 'r', ruleIndex: 2, limits: [lim({ rule: 'b', index: 9 }), lim({ rule: 'a', index: 7 })] }), [true, true])).toEqual({ decision: 'deny', rule: 'a', reason: 'm' })
    expect(applyLimits(ev({ decision: 'allow', rule: 'r', ruleIndex: 2, limits: [lim({ action: 'allow', index: 1, rule: 'x' })] }), [true])).toEqual({ decision: 'allow', rule: 'x', reason: 'm' })
    expect(applyLimits(ev({ decision: 'review', rule: 'r', reason: 'why', ruleIndex: 2, limits: [lim({})] }), [false])).toEqual({ decision: 'review', rule: 'r', reason: 'why' })
    // a skipped rule's note (fail_mode open) survives a limit that takes over the decision
    expect(applyLimits(ev({ decision: 'allow', reason: 'why (fail_mode open: rule `x` skipped: e)', errors: ['rule `x` skipped: e'], ruleIndex: -1, limits: [lim({})] }), [true]).reason).toBe('m (fail_mode open: rule `x` skipped: e)')
  })
  it('a warn limit only adds a warning', () => {
    expect(applyLimits(ev({ limits: [lim({ warn: true, action: 'allow', rule: 'w' })] }), [true])).toEqual({ decision: 'allow', warnings: ['w'] })
  })
})

describe('memory store', () => {
  it('1,000 concurrent guard calls against max 60 allow exactly 60', async () => {
    const guard = createGuard(caps, { clock: () => 1_000_000 })
    const ds = await Promise.all(Array.from({ length: 1000 }, () => guard('call_vendor', {})))
    expect(ds.filter(d => d.decision === 'allow')).toHaveLength(60)
    expect(ds.filter(d => d.decision === 'deny').every(d => d.rule === 'global' && d.reason === 'hourly budget spent')).toBe(true)
  })
  it('only calls that end allowed consume budget', async () => {
    const guard = createGuard(caps, { clock: () => 1_000_000 })
    for (let i = 0; i < 5; i++) expect((await guard('send_sms', { to: '+9912', body: 'x' })).rule).toBe('blocked_prefix')
    expect((await guard('send_sms', { to: '+1', body: 'x' })).decision).toBe('allow')
    expect((await guard('send_sms', { to: '+1', body: 'x' })).decision).toBe('allow')
    expect(await guard('send_sms', { to: '+1', body: 'x' })).toMatchObject({ decision: 'deny', rule: 'per_recipient' })
    // the per-recipient denial did not spend the global budget: 57 more fit
    const rest = await Promise.all(Array.from({ length: 60 }, (_, i) => guard('call_vendor', { i })))
    expect(rest.filter(d => d.decision === 'allow')).toHaveLength(58)
  })
  it('an approved review spends budget, and one approved after the budget filled is denied', async () => {
    const { module } = await compileModule(`name: reviewed
tools:
  wire: { parameters: { type: object, properties: { amount: { type: number } }, required: [amount] } }
rules:
  - id: big_wire
    tool: wire
    when: "args.amount > 100"
    action: review
  - id: wire_budget
    tool: wire
    limit: { max: 1, per: 1h }
    action: deny
    message: one wire an hour
`, 'reviewed.policy.yaml')
    const release: (() => void)[] = []
    const guard = createGuard(module, { clock: () => 5_000, approvals: () => new Promise(resolve => release.push(() => resolve({ approved: true, by: 'ops' }))) })
    // two big wires wait for a human at once; the budget still has room for one
    const first = guard('wire', { amount: 500 })
    const second = guard('wire', { amount: 700 })
    await new Promise(r => setTimeout(r, 10))
    expect(release).toHaveLength(2)
    release[0]!()
    expect(await first).toMatchObject({ decision: 'allow', rule: 'big_wire', resolvedBy: 'ops' })
    release[1]!()
    expect(await second).toMatchObject({ decision: 'deny', rule: 'wire_budget', reason: 'one wire an hour (approved, but the limit was reached before dispatch)' })
    // the approved wire was counted: a small one that needs no review is now over budget
    expect(await guard('wire', { amount: 5 })).toMatchObject({ decision: 'deny', rule: 'wire_budget' })
  })
  it('the sliding window refills as calls age out, never in a burst', async () => {
    let now = 0
    const guard = createGuard(caps, { clock: () => now })
    const allowedAt: number[] = []
    for (now = 0; now < 25 * 60_000; now += 30_000) {
      if ((await guard('send_sms', { to: '+1', body: 'x' })).decision === 'allow') allowedAt.push(now)
    }
    // 2 per 10 minutes: allowed at 0 and 0.5 min, then again only once each has aged out
    expect(allowedAt).toEqual([0, 30_000, 600_000, 630_000, 1_200_000, 1_230_000])
  })
  it('never lets more than max through in any window of length per (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1_000, max: 10_000 }), fc.array(fc.integer({ min: 0, max: 60_000 }), { minLength: 1, maxLength: 200 }), (max, per, times) => {
        const store = createMemoryStore()
        const l: PendingLimit = { rule: 'r', index: 0, action: 'deny', warn: false, max, perMs: per, key: '', message: 'm' }
        const allowed: number[] = []
        for (const t of [...times].sort((a, b) => a - b)) if (!(store.hit('p', [l], t, true) as boolean[])[0]) allowed.push(t)
        for (const start of allowed) expect(allowed.filter(t => t >= start && t < start + per).length).toBeLessThanOrEqual(max)
      }),
      { seed: 3, numRuns: 200 },
    )
  })
})

describeWithRedis('redis store (a real redis-server on a loopback port)', () => {
  let server: RedisProcess
  beforeAll(async () => {
    server = await startRedis()
  }, 20_000)
  afterAll(() => server?.stop())

  it('4 worker processes × 250 concurrent calls against max 100 allow exactly 100', async () => {
    const workers = Array.from({ length: 4 }, () => fork(new URL('./worker.ts', import.meta.url).pathname, [server.url, '250'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
    // a worker that dies fails the test at once instead of leaving it to time out
    const died = (w: ChildProcess) => new Promise<never>((_, reject) => w.once('exit', code => reject(new Error(`worker exited with code ${code} before reporting`))))
    const next = <T>(w: ChildProcess) => Promise.race([new Promise<T>(resolve => w.once('message', m => resolve(m as T))), died(w)])
    await Promise.all(workers.map(w => next<string>(w)))
    const results = Promise.all(workers.map(w => next<{ allowed: number; denied: number; reasons: string[] }>(w)))
    for (const w of workers) w.send('go')
    const counts = await results
    // every denial is the budget's, none a fail-mode answer from an overloaded store
    expect([...new Set(counts.flatMap(c => c.reasons))].sort()).toEqual(['no rule matched; the default of policy `fleet` is allow', 'vendor budget spent'])
    expect(counts.reduce((s, c) => s + c.allowed, 0)).toBe(100)
    expect(counts.reduce((s, c) => s + c.denied, 0)).toBe(900)
    const probe = new Redis(server.url)
    const keys = (await probe.keys('vetoc:*')).sort()
    // the rule's one log (its key is the digest of the empty key) and the rule's index of live keys
    expect(keys).toEqual(['vetoc:{fleet}:#keys:vendor_budget', `vetoc:{fleet}:vendor_budget:${keyDigest('')}`])
    expect(await probe.zcard(keys[1]!)).toBe(100)
    const ttl = await probe.pttl(keys[1]!)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(3_600_000)
    probe.disconnect()
  }, 60_000)

  it('runs the script by EVALSHA, and after SCRIPT FLUSH by EVAL once, counting each call exactly once', async () => {
    const redis = new Redis(server.url)
    // what the store calls on the client, in order, with whether the server ran it
    const runs: ScriptRun[] = []
    const client = scriptCounting(redis, runs)
    const guard = createGuard(caps, { store: createRedisStore({ redis: client as never, prefix: 'sha' }), clock: () => 5_000_000 })
    const call = () => guard('send_sms', { to: '+1555', body: 'x' })
    await redis.script('FLUSH')
    expect((await call()).decision).toBe('allow')
    // the server did not hold the script: EVALSHA answered NOSCRIPT without running it, EVAL ran it
    expect(runs.map(r => r.name)).toEqual(['evalsha', 'eval'])
    expect((await call()).decision).toBe('allow')
    expect(runs.slice(2).map(r => r.name)).toEqual(['evalsha'])
    await redis.script('FLUSH')
    const third = await call()
    expect(third).toMatchObject({ decision: 'deny', rule: 'per_recipient', reason: 'recipient cap' })
    const l: PendingLimit = { rule: 'per_recipient', key: '+1555', index: 0, action: 'deny', warn: false, max: 2, perMs: 600_000, message: '' }
    expect(await redis.zcard(redisKey('sha', 'caps', l))).toBe(2)
    redis.disconnect()
  })

  it('reads counters by EVALSHA too, falling back to EVAL once after SCRIPT FLUSH', async () => {
    const redis = new Redis(server.url)
    const runs: ScriptRun[] = []
    const client = scriptCounting(redis, runs)
    const store = createRedisStore({ redis: client as never, prefix: 'shacount' })
    const counter: PendingLimit = { rule: 'calls', key: 'k', index: -1, action: 'allow', warn: true, max: Number.MAX_SAFE_INTEGER, perMs: 60_000, message: '', counter: true }
    await store.hit('p', [counter], 1_000, true)
    await store.hit('p', [counter], 2_000, true)
    await redis.script('FLUSH')
    runs.length = 0
    expect(await store.count!('p', [counter], 3_000)).toEqual([2])
    expect(runs.map(r => r.name)).toEqual(['evalsha', 'eval'])
    expect(await store.count!('p', [counter], 3_000)).toEqual([2])
    expect(runs.slice(2).map(r => r.name)).toEqual(['evalsha'])
    redis.disconnect()
  })

  describe('batching: the calls of one turn go out as one script run', () => {
    const limit = (rule: string, key: string, max: number): PendingLimit => ({ rule, key, index: 0, action: 'deny', warn: false, max, perMs: 600_000, message: '' })

    it('200 concurrent calls against max 50: a few script runs, exactly 50 allowed, counted in call order', async () => {
      const redis = new Redis(server.url)
      const runs: ScriptRun[] = []
      const store = createRedisStore({ redis: scriptCounting(redis, runs) as never, prefix: 'batch1' })
      const l = limit('cap', '', 50)
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => store.hit('p', [l], 1_000 + i, true)))
      // batches of at most 64 calls (the first run of the batch script may need its EVAL after NOSCRIPT)
      const ran = runs.filter(r => r.name === 'evalsha').length
      expect(ran).toBeGreaterThanOrEqual(4)
      expect(ran).toBeLessThanOrEqual(8)
      expect(Math.max(...runs.map(r => r.keys))).toBe(2 * 64)
      // the first 50 calls made are the ones allowed: a batch applies its calls in the order they were made
      expect(results.map(r => r[0])).toEqual([...Array<boolean>(50).fill(false), ...Array<boolean>(150).fill(true)])
      expect(await redis.zcard(redisKey('batch1', 'p', l))).toBe(50)
      redis.disconnect()
    })

    it('a call whose new key finds its rule full is refused alone; the rest of its batch is counted', async () => {
      const redis = new Redis(server.url)
      const store = createRedisStore({ redis, prefix: 'batch2', maxKeysPerRule: 2 })
      const settled = await Promise.allSettled(['a', 'b', 'c', 'a', 'b'].map((key, i) => store.hit('p', [limit('per_key', key, 5)], 1_000 + i, true)))
      expect(settled.map(s => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
      expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(LimitKeysFullError)
      expect(await redis.zcard(redisKey('batch2', 'p', limit('per_key', 'a', 5)))).toBe(2)
      expect(await redis.zcard(redisKey('batch2', 'p', limit('per_key', 'b', 5)))).toBe(2)
      expect(await redis.exists(redisKey('batch2', 'p', limit('per_key', 'c', 5)))).toBe(0)
      redis.disconnect()
    })

    it('calls of different policies go in separate runs (their keys are in different Cluster slots)', async () => {
      const redis = new Redis(server.url)
      const runs: ScriptRun[] = []
      const store = createRedisStore({ redis: scriptCounting(redis, runs) as never, prefix: 'batch3' })
      await Promise.all([store.hit('p1', [limit('r', 'k', 9)], 1_000, true), store.hit('p2', [limit('r', 'k', 9)], 1_000, true), store.hit('p1', [limit('r', 'k', 9)], 1_001, true)])
      expect(runs.filter(r => r.name === 'evalsha').map(r => r.keys).sort()).toEqual([2, 4])
      expect(await redis.zcard(redisKey('batch3', 'p1', limit('r', 'k', 9)))).toBe(2)
      expect(await redis.zcard(redisKey('batch3', 'p2', limit('r', 'k', 9)))).toBe(1)
      redis.disconnect()
    })

    it('a forged or garbled batch reply ends each call in the fail mode; none is allowed', async () => {
      const replies: unknown[] = [
        'OK', // not a list
        [[0]], // one entry for two calls
        [[0], 'x'], // one call's part is not a list
        [['full', 7], [0]], // a key bound naming a limit the call does not have
        [[0, 0], [0]], // more verdicts than the call has limits
      ]
      for (const forged of replies) {
        const client = { eval: async () => forged, evalsha: async () => forged }
        const guard = createGuard(caps, { store: createRedisStore({ redis: client }), clock: () => 9_000_000 })
        const decisions = await Promise.all([guard('call_vendor', {}), guard('call_vendor', { n: 1 })])
        for (const d of decisions) expect(d, JSON.stringify(forged)).toMatchObject({ decision: 'deny', reason: expect.stringMatching(/^limit store unavailable \(fail mode closed\): unexpected reply from the Redis limit script/) })
      }
    })

    it('a batch decides each call as the memory store does, one call after the other (property)', async () => {
      // calls of one turn with one to three limits each, shared and distinct keys and rules, equal and
      // stepping clocks, blocking and warning limits, counters, calls that only check, and a key bound
      // that fills: the batch's packed arguments must give exactly the sequential answers
      const redis = new Redis(server.url)
      let run = 0
      // a rule's action, cap and window are fixed (only the key varies from call to call); a counter
      // is kept apart from a rule of its name
      const rules: Record<string, Omit<PendingLimit, 'key' | 'index' | 'message'>> = {
        r0: { rule: 'r0', action: 'deny', warn: false, max: 2, perMs: 1_000 },
        'r 1': { rule: 'r 1', action: 'review', warn: false, max: 1, perMs: 5_000 },
        'r:2': { rule: 'r:2', action: 'deny', warn: true, max: 3, perMs: 1_000 },
        '#r0': { rule: 'r0', action: 'allow', warn: true, max: Number.MAX_SAFE_INTEGER, perMs: 1_000, counter: true },
      }
      const limitDef = fc.record({ rule: fc.constantFrom(...Object.keys(rules)), key: fc.constantFrom('', 'a', 'b', 'x y', 'k:1', '%20', 'é') })
      // a rule has one limit, so a call's limits are of distinct rules
      const callDef = fc.record({ limits: fc.uniqueArray(limitDef, { minLength: 1, maxLength: 3, selector: d => d.rule }), step: fc.constantFrom(0, 0, 1, 400, 1_200), consume: fc.boolean() })
      await fc.assert(fc.asyncProperty(fc.array(fc.array(callDef, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 4 }), async turns => {
        const prefix = `prop ${run++}:x`
        const batched = createRedisStore({ redis, prefix, maxKeysPerRule: 3 })
        const memory = createMemoryStore({ maxKeysPerRule: 3 })
        const toLimit = (d: { rule: string; key: string }, index: number): PendingLimit => ({ ...rules[d.rule]!, key: d.key, index, message: '' })
        const outcome = (s: PromiseSettledResult<boolean[]>): unknown => s.status === 'fulfilled' ? s.value : (s.reason as Error).name
        let now = 10_000
        for (const turn of turns) {
          const calls = turn.map(c => ({ limits: c.limits.map(toLimit), now: (now += c.step), consume: c.consume }))
          const fromRedis = await Promise.allSettled(calls.map(c => batched.hit('p', c.limits, c.now, c.consume)))
          const fromMemory: PromiseSettledResult<boolean[]>[] = []
          for (const c of calls) fromMemory.push(...(await Promise.allSettled([Promise.resolve().then(() => memory.hit('p', c.limits, c.now, c.consume))])))
          expect(fromRedis.map(outcome)).toEqual(fromMemory.map(outcome))
        }
      }), { numRuns: 40 })
      redis.disconnect()
    }, 60_000)

    it('members are unique per run: two runs at the same time over the same key count both', async () => {
      const redis = new Redis(server.url)
      const store = createRedisStore({ redis, prefix: 'batch6' })
      const l = limit('cap', 'k', 100)
      for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 5 }, () => store.hit('p', [l, { ...l, rule: 'cap2' }], 1_000, true)))
      expect(await redis.zcard(redisKey('batch6', 'p', l))).toBe(15)
      expect(await redis.zcard(redisKey('batch6', 'p', { ...l, rule: 'cap2' }))).toBe(15)
      redis.disconnect()
    })

    it('past the rules whose key prefixes a store keeps (4,096), calls still count under their own keys', async () => {
      const redis = new Redis(server.url)
      const store = createRedisStore({ redis, prefix: 'batch7' })
      const rules = Array.from({ length: 4_200 }, (_, i) => limit(`rule ${i}`, 'k', 5))
      await Promise.all(rules.map(l => store.hit('p', [l], 1_000, true)))
      await Promise.all(rules.slice(-3).map(l => store.hit('p', [l], 1_001, true)))
      // the last three rules (past the kept prefixes) were called twice, the others once
      const counted = await Promise.all([0, 4_095, 4_096, 4_196, 4_197, 4_199].map(i => redis.zcard(redisKey('batch7', 'p', rules[i]!))))
      expect(counted).toEqual([1, 1, 1, 1, 2, 2])
      redis.disconnect()
    })

    it('a time that is not a finite number is refused before anything is sent', async () => {
      const redis = new Redis(server.url)
      const runs: ScriptRun[] = []
      const store = createRedisStore({ redis: scriptCounting(redis, runs) as never, prefix: 'batch8' })
      for (const now of [NaN, Infinity, '1 2' as unknown as number]) await expect(store.hit('p', [limit('cap', 'k', 5)], now, true)).rejects.toThrow(/finite number of milliseconds/)
      expect(runs).toEqual([])
      redis.disconnect()
    })

    it('batch: false runs one script per call', async () => {
      const redis = new Redis(server.url)
      const runs: ScriptRun[] = []
      const store = createRedisStore({ redis: scriptCounting(redis, runs) as never, prefix: 'batch4', batch: false })
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.hit('p', [limit('cap', '', 50)], 1_000 + i, true)))
      expect(runs.filter(r => r.name === 'evalsha')).toHaveLength(10)
      redis.disconnect()
    })

    it('a batch whose run fails ends every call in it in the fail mode, and the next batch works again', async () => {
      const redis = new Redis(server.url)
      const guard = createGuard(caps, { store: createRedisStore({ redis, prefix: 'batch5' }), clock: () => 7_000_000 })
      // a string where one recipient's log should be: the script stops with WRONGTYPE on that call
      const l: PendingLimit = { rule: 'per_recipient', key: '+1666', index: 0, action: 'deny', warn: false, max: 2, perMs: 600_000, message: '' }
      await redis.set(redisKey('batch5', 'caps', l), 'not a sorted set')
      const decisions = await Promise.all([guard('send_sms', { to: '+1555', body: 'x' }), guard('send_sms', { to: '+1666', body: 'x' }), guard('call_vendor', {})])
      for (const d of decisions) {
        expect(d.decision).toBe('deny')
        expect(d.reason).toMatch(/^limit store unavailable \(fail mode closed\): .*WRONGTYPE/)
      }
      await redis.del(redisKey('batch5', 'caps', l))
      const again = await Promise.all([guard('send_sms', { to: '+1555', body: 'x' }), guard('send_sms', { to: '+1666', body: 'x' })])
      expect(again.map(d => d.decision)).toEqual(['allow', 'allow'])
      redis.disconnect()
    })
  })

  it('keys are namespaced so policy, rule and key values cannot collide', () => {
    const l = (rule: string, key: string): PendingLimit => ({ rule, key, index: 0, action: 'deny', warn: false, max: 1, perMs: 1, message: '' })
    expect(redisKey('vetoc', 'a:b', l('c', 'd'))).not.toBe(redisKey('vetoc', 'a', l('b:c', 'd')))
    expect(redisKey('vetoc', 'p', l('r', 'x}{y'))).toBe(`vetoc:{p}:r:${keyDigest('x}{y')}`)
    expect(redisKey('vetoc', 'p', l('r:x', 'y'))).toBe(`vetoc:{p}:r%3Ax:${keyDigest('y')}`)
  })

  it('killing the server mid-run ends calls in the fail mode within the timeout; none hangs or throws', async () => {
    const own = await startRedis()
    const redis = fastFailClient(own.url)
    await new Promise(resolve => redis.once('ready', resolve))
    const timeoutMs = 500
    const guard = createGuard(caps, { store: createRedisStore({ redis }), storeTimeoutMs: timeoutMs })
    expect((await guard('call_vendor', {})).decision).toBe('allow')
    // a steady stream of calls, with the server killed while some are in flight
    const inFlight: Promise<{ d: Awaited<ReturnType<typeof guard>>; ms: number; after: boolean }>[] = []
    let killed = false
    const stream = (async () => {
      for (let i = 0; i < 40; i++) {
        const started = Date.now()
        const after = killed
        inFlight.push(guard('call_vendor', { i }).then(d => ({ d, ms: Date.now() - started, after })))
        await new Promise(r => setTimeout(r, 5))
      }
    })()
    await new Promise(r => setTimeout(r, 60))
    await own.stop()
    killed = true
    await stream
    const results = await Promise.all(inFlight)
    expect(results).toHaveLength(40)
    // every call settles with a decision, bounded by the store timeout (plus scheduling slack)
    for (const r of results) expect(r.ms).toBeLessThan(timeoutMs + 1_000)
    const afterKill = results.filter(r => r.after)
    expect(afterKill.length).toBeGreaterThan(10)
    for (const { d } of afterKill) {
      expect(d.decision).toBe('deny')
      expect(d.reason).toMatch(/^limit store unavailable \(fail mode closed\)/)
    }
    // calls before the kill were answered by the store: allowed (the budget is 60)
    expect(results.filter(r => !r.after).every(r => r.d.decision === 'allow' || /^limit store unavailable/.test(r.d.reason ?? ''))).toBe(true)
    redis.disconnect()
  }, 30_000)
})
