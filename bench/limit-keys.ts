/**
 * A guard call at 1,000 and at 1,000,000 live limit keys (memory store, 1 KB keys chosen per call, as
 * a model choosing `args.to` would). Part of `npm run bench`; alone: `npx tsx bench/limit-keys.ts`.
 *
 * Each scenario runs in a steady state: every call brings a new key, and the clock moves `per / N`
 * per call, so one key expires for each one added and the store holds N live keys however many
 * calls the measurement makes (the clock is whole milliseconds, as `Date.now()` gives: adding 3.6 ms
 * a million times to an epoch time in floating point drifts by a tenth of a second). The store is
 * filled by N guard calls before anything is timed. Each round times 20,000 calls by the process's
 * CPU time (the call never waits on I/O, so other processes on the machine do not count in it); after
 * a discarded warm-up, 1,000 keys are timed twice before the 1,000,000-key store exists and twice
 * after it was dropped, 1,000,000 keys three times; each figure is the median of its rounds.
 */
import { pathToFileURL } from 'node:url'
import { createGuard } from '../src/guard.js'
import { createMemoryStore } from '../src/limits/memory.js'
import { collectGarbage, cpuPerCall, fmt, importPolicy, median, round, savePart } from './part.js'

const POLICY = `name: keyed
tools:
  send_sms:
    parameters: { type: object, properties: { to: { type: string }, body: { type: string } }, required: [to, body] }
rules:
  - id: per_recipient
    tool: send_sms
    limit: { max: 1, per: 1h, key: args.to }
    action: deny
`
const PER = 3_600_000
const PAD = 'r'.repeat(1016) // + up to 8 digits: about 1 KB per key
const SIZES = [1_000, 1_000_000] as const
const CALLS_PER_ROUND = 20_000

export interface LimitKeysRow {
  liveKeys: number
  /** keys the store held when timing started (live plus expired ones not yet freed) */
  storeKeys: number
  /** CPU ns per guard call, median round */
  cpuNs: number
  /** wall ns per guard call in the same rounds (the machine's load shows here) */
  wallNs: number
  /** garbage-collection pause per call in the same rounds (main thread) */
  gcNs: number
  /** CPU ns per call of each round */
  rounds: number[]
}

export interface LimitKeysResult {
  method: string
  rows: LimitKeysRow[]
  /** CPU per call at 1,000,000 keys / at 1,000 keys (medians of their rounds) */
  ratio: number
  /** heap held by the 1,000,000-key store after a full collection */
  heapMb: number
  bytesPerKey: number
}

interface Scenario {
  store: ReturnType<typeof createMemoryStore>
  next: () => Promise<unknown>
}

async function steady(module: Awaited<ReturnType<typeof importPolicy>>, live: number, tag: string): Promise<Scenario> {
  const start = Date.parse('2026-01-05T12:00:00Z')
  let now = start
  let i = 0
  const store = createMemoryStore({ maxKeysPerRule: 2 * live })
  const guard = createGuard(module, { clock: () => now, store })
  const next = (): Promise<unknown> => {
    i++
    now = start + Math.floor((i * PER) / live)
    return guard('send_sms', { to: `${PAD}${tag}${i}`, body: 'x' })
  }
  for (let n = 0; n < live; n++) {
    const d = (await next()) as { decision: string; reason?: string }
    if (d.decision !== 'allow') throw new Error(`filling ${live} keys: call ${n} was ${d.decision}: ${d.reason}`)
  }
  return { store, next }
}

export async function measureLimitKeys(log: (s: string) => void = s => void process.stdout.write(`${s}\n`)): Promise<LimitKeysResult> {
  const module = await importPolicy(POLICY, 'keyed.policy.yaml')
  const small = await steady(module, SIZES[0], 'a')
  const round1k = (): ReturnType<typeof cpuPerCall> => cpuPerCall(small.next, CALLS_PER_ROUND)
  await round1k() // warm-up: the JIT, not the store
  const smallRounds = [await round1k(), await round1k()]
  collectGarbage()
  // the JavaScript heap and the typed arrays' buffers (outside it): the store keeps its digests in the latter
  const held = (): number => {
    const m = process.memoryUsage()
    return m.heapUsed + m.arrayBuffers
  }
  const before = held()
  let big: Scenario | undefined = await steady(module, SIZES[1], 'b')
  collectGarbage()
  const heap = held() - before
  const bigKeys = big.store.size()
  const bigRounds = []
  for (let r = 0; r < 3; r++) bigRounds.push(await cpuPerCall(big.next, CALLS_PER_ROUND))
  big = undefined
  collectGarbage()
  smallRounds.push(await round1k(), await round1k())
  const row = (liveKeys: number, storeKeys: number, rounds: { cpuNs: number; wallNs: number; gcNs: number }[]): LimitKeysRow => ({
    liveKeys,
    storeKeys,
    cpuNs: Math.round(median(rounds.map(r => r.cpuNs))),
    wallNs: Math.round(median(rounds.map(r => r.wallNs))),
    gcNs: Math.round(median(rounds.map(r => r.gcNs))),
    rounds: rounds.map(r => r.cpuNs),
  })
  const rows = [row(SIZES[0], small.store.size(), smallRounds), row(SIZES[1], bigKeys, bigRounds)]
  for (const r of rows) log(`    ${fmt(r.liveKeys).padStart(9)} live keys: ${r.cpuNs} ns CPU per guard call (rounds ${r.rounds.join(', ')}; wall ${r.wallNs} ns; GC pauses ${r.gcNs} ns; the store held ${fmt(r.storeKeys)} keys)`)
  log(`    the 1,000,000-key store: ${round(heap / 2 ** 20)} MB (heap and typed arrays)`)
  return {
    method: `memory store, policy \`limit: { max: 1, per: 1h, key: args.to }\`, every call a new ~1 KB key and the clock moved per/N (whole ms), so N keys stay live; filled by N guard calls before timing; process CPU time (user + system) of ${CALLS_PER_ROUND} sequential guard calls per round, median of rounds (1,000 keys: twice before the large store exists and twice after it was dropped; 1,000,000 keys: three rounds) after a discarded warm-up; memory = heapUsed + arrayBuffers after a full GC with the store filled, minus before`,
    rows,
    ratio: round(rows[1]!.cpuNs / rows[0]!.cpuNs, 2),
    heapMb: round(heap / 2 ** 20),
    bytesPerKey: Math.round(heap / SIZES[1]),
  }
}

/**
 * What limits the ratio where the goal (1.5x) is missed: the profile of the two steady states. Printed
 * under the table only then.
 */
export const LIMIT_KEYS_LIMITS: readonly string[] = [
  'What limits it: the store\'s lookups at a million keys land in memory no cache holds, where at a thousand everything is cached. Before the store kept its keys in flat typed arrays (`src/limits/digest-table.ts`), the profile (inspector, 100,000 calls in each steady state) showed `hit`, `sweep` and the `Map` builtins under them going from about 0.9 µs to about 6 µs per call, and garbage collection from 0.6 to 1.6 µs (143 MB of map entries and digest strings for every major collection to mark); the table reads one or two adjacent slots per lookup and holds no object per key.',
]

export function limitKeyRows(r: LimitKeysResult, limits: readonly string[] = []): string[] {
  const [small, big] = r.rows
  return [
    '',
    'Limit keys chosen by the model (memory store, a new ~1 KB key on every call, N keys live in a steady state; CPU time per call, as the wall time on a shared machine counts other processes):',
    '',
    '| Live limit keys | guard call, CPU ns (median round) | of which GC pauses | wall ns, same rounds | memory held by the store (heap and typed arrays) |',
    '| ---: | ---: | ---: | ---: | --- |',
    `| ${fmt(small!.liveKeys)} | ${fmt(small!.cpuNs)} | ${fmt(small!.gcNs)} | ${fmt(small!.wallNs)} | |`,
    `| ${fmt(big!.liveKeys)} | ${fmt(big!.cpuNs)} (${r.ratio}x) | ${fmt(big!.gcNs)} | ${fmt(big!.wallNs)} | ${fmt(r.heapMb)} MB, ${r.bytesPerKey} B per key |`,
    ...(r.ratio > 1.5 && limits.length > 0 ? ['', ...limits] : []),
  ]
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write('limit keys: a guard call at 1,000 and 1,000,000 live keys ...\n')
  const r = await measureLimitKeys()
  savePart('limitKeys', r, limitKeyRows(r, LIMIT_KEYS_LIMITS))
  process.stdout.write(`ratio ${r.ratio}x; bench/results.json (limitKeys) and docs/performance.md written\n`)
}
