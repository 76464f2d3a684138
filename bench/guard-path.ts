/**
 * What the guard adds to `evaluate` (issue 15, item 3): the groq-tools policy (limits and
 * `outside_hours:`) evaluated bare, through `createGuard` with the memory limit store, and with the
 * store and a decision record (a stream sink over a Writable that discards: redaction, canonical
 * JSON, SHA-256 chaining and serialisation are paid, disk I/O is not). The three are timed in
 * alternating rounds in one process; each overhead is the median of the per-round differences.
 * Part of `npm run bench`; alone: `npx tsx bench/guard-path.ts`.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { createGuard, type Guard } from '../src/guard.js'
import { createMemoryStore } from '../src/limits/memory.js'
import { createStreamSink } from '../src/records/index.js'
import type { CompiledPolicy } from '../src/types.js'
import { cpuPerCall, fmt, importPolicy, median, ROOT, round, savePart } from './part.js'

/** The guard benches' workload (also bench/signing.ts): groq-tools calls, allow, allow, deny, allow. */
export const CALLS: { tool: string; args: Record<string, unknown> }[] = [
  { tool: 'fetch_external_api', args: { url: 'https://api.stripe.invalid/v1/charges' } },
  { tool: 'send_sms', args: { to: '+15550100', body: 'hi' } },
  { tool: 'fetch_external_api', args: { url: 'https://evil.invalid/x' } },
  { tool: 'send_sms', args: { to: '+15550111', body: 'yo' } },
]
const EXPECT = ['allow', 'allow', 'deny', 'allow']
const VARIANTS = ['bare evaluate', 'guard, memory limit store', 'guard, memory store + decision record'] as const
type Variant = (typeof VARIANTS)[number]
/** issue 15: the guard with a memory store within 1 µs of `evaluate`; with a record, under 5 µs */
export const GOALS = { storeOverheadNs: 1000, recordTotalNs: 5000 } as const
const ROUNDS = 7
const CALLS_PER_ROUND = 16_384

export interface GuardPathResult {
  method: string
  /** CPU ns per decision (this process, GC included), median round */
  ns: Record<Variant, number>
  rounds: Record<Variant, number[]>
  /** medians of per-round differences to bare evaluate */
  overheadNs: { store: number; storeAndRecord: number }
  met: { store: boolean; record: boolean }
}

// noon in New York (inside the 09:00-20:00 window), and one day later on every call: each call is
// alone in its 1-hour limit windows, so no limit bites and every allowed call is counted
const NOON_NY = Date.parse('2026-01-05T17:00:00Z')
const DAY = 86_400_000
export const dayClock = (): (() => number) => {
  let t = NOON_NY
  return () => (t += DAY)
}

/** A stream that takes every record and keeps nothing: sealing and serialising are paid, I/O is not. */
export const discard = (): Writable => new Writable({ write: (_chunk, _enc, cb) => cb() })

export async function measureGuardPath(groq: CompiledPolicy, log: (s: string) => void = s => void process.stdout.write(`${s}\n`)): Promise<GuardPathResult> {
  const store = createGuard(groq, { clock: dayClock(), store: createMemoryStore() })
  const full = createGuard(groq, { clock: dayClock(), store: createMemoryStore(), sink: createStreamSink(discard()) })
  for (const [name, g] of [['store', store], ['store+record', full]] as [string, Guard][]) {
    for (const [i, c] of CALLS.entries()) {
      const d = await g(c.tool, c.args)
      if (d.decision !== EXPECT[i]) throw new Error(`bench/guard-path: guard (${name}) decided ${d.decision} for call ${i}, expected ${EXPECT[i]}: ${d.reason}`)
    }
  }
  const bareClock = dayClock()
  // one options object, its clock moved per call, as the guard does
  const bareOptions = { now: 0 }
  for (const [i, c] of CALLS.entries()) {
    bareOptions.now = bareClock()
    const d = groq.evaluate(c.tool, c.args, undefined, bareOptions)
    if (d.decision !== EXPECT[i]) throw new Error(`bench/guard-path: bare evaluate decided ${d.decision} for call ${i}`)
  }
  let k = 0
  const calls: Record<Variant, () => unknown> = {
    'bare evaluate': () => {
      const c = CALLS[k++ % CALLS.length]!
      bareOptions.now = bareClock()
      return groq.evaluate(c.tool, c.args, undefined, bareOptions)
    },
    'guard, memory limit store': () => {
      const c = CALLS[k++ % CALLS.length]!
      return store(c.tool, c.args)
    },
    'guard, memory store + decision record': () => {
      const c = CALLS[k++ % CALLS.length]!
      return full(c.tool, c.args)
    },
  }
  const rounds = Object.fromEntries(VARIANTS.map(v => [v, [] as number[]])) as Record<Variant, number[]>
  // round 0 warms every variant up and is not counted
  for (let r = 0; r <= ROUNDS; r++) {
    for (const v of VARIANTS) {
      const m = await cpuPerCall(calls[v], CALLS_PER_ROUND)
      if (r > 0) rounds[v].push(m.cpuNs)
    }
  }
  await store.close()
  await full.close()
  const ns = Object.fromEntries(VARIANTS.map(v => [v, round(median(rounds[v]), 1)])) as Record<Variant, number>
  const over = (v: Variant): number => round(median(rounds[v].map((x, i) => x - rounds['bare evaluate'][i]!)), 0)
  const overheadNs = { store: over('guard, memory limit store'), storeAndRecord: over('guard, memory store + decision record') }
  const met = { store: overheadNs.store <= GOALS.storeOverheadNs, record: ns['guard, memory store + decision record'] < GOALS.recordTotalNs }
  for (const v of VARIANTS) log(`    ${v.padEnd(38)} ${ns[v]} ns/decision`)
  log(`    guard overhead: store ${overheadNs.store} ns (goal <= ${GOALS.storeOverheadNs}), store + record ${overheadNs.storeAndRecord} ns; guard + record ${ns['guard, memory store + decision record']} ns (goal < ${GOALS.recordTotalNs})`)
  return {
    method: `policies/groq-tools.policy.yaml, ${CALLS.length} calls per pass (3 allow, 1 deny); a clock one day later per call (business hours, no limit bites, every allowed call counted); ${ROUNDS} rounds after one warm-up, the three variants one after the other in each, ${CALLS_PER_ROUND} sequential awaited calls per variant and round, timed in CPU time of the process (user + system, GC threads included: on a shared machine wall time would count other tenants); figures are the median round, overheads the median of per-round differences to bare evaluate (awaited too); the record sink hashes and serialises into a Writable that discards`,
    ns,
    rounds,
    overheadNs,
    met,
  }
}

export function guardPathRows(r: GuardPathResult, limits: readonly string[] = []): string[] {
  const yes = (b: boolean): string => (b ? 'yes' : '**no**')
  const rows = [
    '',
    `The guard path against bare \`evaluate\` (issue 15 goals: the guard with the memory store within ${fmt(GOALS.storeOverheadNs)} ns of \`evaluate\`, and with a decision record under ${fmt(GOALS.recordTotalNs)} ns); ${r.method}:`,
    '',
    '| groq-tools | CPU ns/decision | over bare evaluate | goal | met |',
    '| --- | ---: | ---: | --- | --- |',
    `| bare \`evaluate\` | ${fmt(r.ns['bare evaluate'])} | | | |`,
    `| guard, memory limit store | ${fmt(r.ns['guard, memory limit store'])} | ${fmt(r.overheadNs.store)} | overhead <= ${fmt(GOALS.storeOverheadNs)} ns | ${yes(r.met.store)} |`,
    `| guard, memory store + decision record | ${fmt(r.ns['guard, memory store + decision record'])} | ${fmt(r.overheadNs.storeAndRecord)} | total < ${fmt(GOALS.recordTotalNs)} ns | ${yes(r.met.record)} |`,
  ]
  if (limits.length > 0 && !(r.met.store && r.met.record)) rows.push('', ...limits)
  return rows
}

/**
 * What limits the guard path where a goal is missed: profiles of the groq-tools guard taken while
 * this work was done. Printed under the table only when a goal is missed.
 */
export const GUARD_PATH_LIMITS: readonly string[] = [
  'Where the guard\'s time goes, from the profile (`node --cpu-prof`, 2,000,000 calls of this loop against the built `dist/`, self time per call) and from single-purpose loops in one process (CPU ns per call, this shared machine):',
  '',
  '- Found and removed, in two rounds: on Node 20 an object literal that spreads and then adds members (`{ ...record, seq, prev }`) took 2-5 µs per record; per-call JSON rule ids and a SHA-256 per limit key in the memory store; a closure and a `Set` per snapshot; awaits with nothing pending (the record went from about 30 µs to about 10 µs); then `Date.prototype.toISOString` for the record\'s time (0.5-1 µs; now integer arithmetic, checked against it over 1970-9999), a `WeakSet` and closures per redaction, the memory store\'s four arrays and closures per call (its `hit` went from about 1 µs to 0.3 µs), and the record\'s extra members built when there is no sink (store path about 2.9 to 2.35 µs, record 8.8 to 7.9 µs, in paired runs of the old and new build).',
  '- Third round (this bench\'s run of 2026-12-04 evening): the guard decides without an await when nothing waits (the memory store answers at once, and there is no context hook, shadow policy or review; the awaits of two async functions were about a fifth of what it added); the memory store copies digest words without `subarray` views and skips its side map when no key has several calls (its `hit` took about half the time on this workload); redaction assigns the keys it copies instead of defining each one (0.7 to 0.3 µs on these arguments); `outside_hours` reads the zone\'s time with `format()` instead of `formatToParts()` (about half the time, inside `evaluate` itself). Paired in one process against the code before (same workload, machine loaded by a mutation run): the store path over `evaluate` went from 0.99-1.15 µs to 0.64-0.74 µs; this bench then read 685 ns, under the goal.',
  '- The record now, per decision, from the profile after that round (`node --cpu-prof`, 600,000 guard calls with a stream sink into a discarding Writable, 6.8 µs per call in that loop): its canonical JSON 1.6 µs (key order, quoting, concatenation; a version that quoted plain strings itself instead of calling `JSON.stringify` was slower, and caching the sorted key order of records of one shape saved no measurable time), SHA-256 of about 400 bytes 1.0 µs (`crypto.hash`, one call), the stream write 0.5 µs, sealing, the time text and the entry 0.6 µs, redaction 0.3 µs, garbage collection 0.3 µs. The hash must cover canonical bytes for `vetoc log verify` to recompute it, and a record is written: canonical JSON, the hash and the write alone are 3.1 µs, and the guard with `evaluate` 1.3 µs, so a record under 5 µs has about half a microsecond left for everything else, less than sealing and the time take.',
  '- The store path over bare `evaluate` before that round: the arguments\' snapshot (one frozen copy per call, kept: SPEC) was 0.45 µs, of which inserting the copy into the WeakSet of snapshots was half; the guard\'s own copy never leaves it, so it is a private snapshot without that insertion.',
]

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const groq = await importPolicy(readFileSync(join(ROOT, 'policies', 'groq-tools.policy.yaml'), 'utf8'), 'groq-tools.policy.yaml')
  const r = await measureGuardPath(groq)
  savePart('guardPath', r, guardPathRows(r, GUARD_PATH_LIMITS))
}
