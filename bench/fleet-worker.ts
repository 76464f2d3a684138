/**
 * One worker process of `bench/fleet.ts`: a guard over the Redis limit store, `concurrency` loops
 * of sequential guard calls, each call timed. Reports its decisions per user and its latencies.
 *
 *   argv: <redis url> <calls> <concurrency> <users> <policy file> <auto-pipelining: 0|1>
 */
import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import { createGuard } from '../src/guard.js'
import { createRedisStore } from '../src/limits/redis.js'
import { importPolicy } from './part.js'

const [url, callsText, concurrencyText, usersText, policyFile, pipelineText] = process.argv.slice(2)
const calls = Number(callsText)
const concurrency = Number(concurrencyText)
const users = Number(usersText)
const module = await importPolicy(readFileSync(policyFile!, 'utf8'), 'fleet.policy.yaml')
// exactness under load is the point, not timeouts: generous bounds, so a busy machine slows the run
// down instead of turning calls into fail-mode denials (which the parent counts and reports)
const redis = new Redis(url!, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 30_000, enableAutoPipelining: pipelineText === '1' })
redis.on('error', () => {})
await new Promise(resolve => redis.once('ready', resolve))
const guard = createGuard(module, { store: createRedisStore({ redis }), storeTimeoutMs: 30_000 })
// warm-up on a user no measured call uses, so the JIT and the script cache are ready
for (let i = 0; i < 200; i++) await guard('call_vendor', { user: 'warm-up' })
process.send!('ready')
await new Promise(resolve => process.once('message', resolve))

const latencies = new Float64Array(calls)
const allowedBy = new Array<number>(users).fill(0)
let next = 0
let failMode = 0
const reasons = new Set<string>()
async function loop(): Promise<void> {
  for (;;) {
    const i = next++
    if (i >= calls) return
    const user = (i * 7919 + process.pid) % users
    const t0 = performance.now()
    const d = await guard('call_vendor', { user: `u${user}` })
    latencies[i] = performance.now() - t0
    if (d.decision === 'allow') allowedBy[user]!++
    else if (d.rule !== 'per_user') failMode++
    reasons.add(d.reason ?? '')
  }
}
const started = performance.now()
const cpu0 = process.cpuUsage()
await Promise.all(Array.from({ length: concurrency }, loop))
const cpu = process.cpuUsage(cpu0)
const ms = performance.now() - started
process.send!({ cpuUs: cpu.user + cpu.system, ms, startedAt: performance.timeOrigin + started, endedAt: performance.timeOrigin + started + ms, latencies: Array.from(latencies), allowedBy, failMode, reasons: [...reasons] })
redis.disconnect()
