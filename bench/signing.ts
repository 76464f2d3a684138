/**
 * What signing the decision log costs on the guard path (issue 18): the groq-tools guard with a
 * memory limit store and a record sink, unsigned, with a signed checkpoint every 256 records (the
 * default), and with one signature per record (`checkpointEvery: 1`, the design not taken). Part of
 * `npm run bench`; alone: `npx tsx bench/signing.ts`.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createGuard, type Guard } from '../src/guard.js'
import { createMemoryStore } from '../src/limits/memory.js'
import { createStreamSink, generateSigningKeys } from '../src/records/index.js'
import type { CompiledPolicy } from '../src/types.js'
import { CALLS, dayClock, discard } from './guard-path.js'
import { cpuPerCall, fmt, importPolicy, median, ROOT, round, savePart } from './part.js'

const VARIANTS = ['unsigned', 'checkpoint every 256 records', 'signature on every record'] as const
type Variant = (typeof VARIANTS)[number]
const ROUNDS = 5

export interface SigningResult {
  method: string
  /** CPU ns per decision, median round */
  ns: Record<Variant, number>
  /** per round, so the spread shows */
  rounds: Record<Variant, number[]>
  /** median of per-round ratios to `unsigned` */
  overUnsigned: { checkpoints: number; everyRecord: number }
}


export async function measureSigning(groq: CompiledPolicy, log: (s: string) => void = s => void process.stdout.write(`${s}\n`)): Promise<SigningResult> {
  const { privatePem } = generateSigningKeys()
  // noon in New York and one day later on every call: business hours, and no limit ever bites
  const guardFor = (v: Variant): Guard => {
    const sink = v === 'unsigned' ? createStreamSink(discard()) : createStreamSink(discard(), { signingKey: privatePem, checkpointEvery: v === 'signature on every record' ? 1 : 256 })
    return createGuard(groq, { clock: dayClock(), store: createMemoryStore(), sink })
  }
  const guards = Object.fromEntries(VARIANTS.map(v => [v, guardFor(v)])) as Record<Variant, Guard>
  const rounds = Object.fromEntries(VARIANTS.map(v => [v, [] as number[]])) as Record<Variant, number[]>
  for (let r = 0; r <= ROUNDS; r++) {
    for (const v of VARIANTS) {
      const g = guards[v]
      let k = 0
      const m = await cpuPerCall(() => {
        const c = CALLS[k++ % CALLS.length]!
        return g(c.tool, c.args)
      }, 8_192)
      if (r > 0) rounds[v].push(m.cpuNs) // round 0 warms the JIT up
    }
  }
  const ns = Object.fromEntries(VARIANTS.map(v => [v, median(rounds[v])])) as Record<Variant, number>
  const ratio = (v: Variant): number => round(median(rounds[v].map((x, i) => x / rounds.unsigned[i]!)), 2)
  for (const v of VARIANTS) log(`    record ${v.padEnd(30)} ${ns[v]} ns/decision (rounds ${rounds[v].join(', ')})`)
  for (const g of Object.values(guards)) await g.close()
  return {
    method: `policies/groq-tools.policy.yaml guard with a memory limit store and createStreamSink over a discarding Writable (redaction, hashing, serialising and signing paid, no I/O); calls cycle through ${CALLS.length} (allow, allow, deny, allow), clock one day per call; process CPU time of 8,192 sequential calls per round, variants in ${ROUNDS} alternating rounds after a warm-up round, median round; Ed25519 via node:crypto`,
    ns,
    rounds,
    overUnsigned: { checkpoints: ratio('checkpoint every 256 records'), everyRecord: ratio('signature on every record') },
  }
}

export function signingRows(r: SigningResult): string[] {
  return [
    '',
    'Signing the decision log (groq-tools guard, memory store, record sink into a discarding stream):',
    '',
    '| Decision record | CPU ns/decision (median round) | vs unsigned |',
    '| --- | ---: | ---: |',
    `| hash-chained, unsigned | ${fmt(r.ns.unsigned)} | 1x |`,
    `| signed checkpoint every 256 records and on flush (the default with \`signingKey\`) | ${fmt(r.ns['checkpoint every 256 records'])} | ${r.overUnsigned.checkpoints}x |`,
    `| a signature on every record (\`checkpointEvery: 1\`) | ${fmt(r.ns['signature on every record'])} | ${r.overUnsigned.everyRecord}x |`,
  ]
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write('signing: the guard path with an unsigned and a signed decision log ...\n')
  const groq = await importPolicy(readFileSync(join(ROOT, 'policies', 'groq-tools.policy.yaml'), 'utf8'), 'groq-tools.policy.yaml')
  const r = await measureSigning(groq)
  savePart('signing', r, signingRows(r))
  process.stdout.write('bench/results.json (signing) and docs/performance.md written\n')
}
