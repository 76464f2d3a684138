/**
 * How long a polynomial regex takes on its worst input, by input length: the measurement behind the
 * default `regex_input_limit`. For each pattern, recheck's attack (its pump strings) is stretched to
 * each length and the regex run on it; the figure is the fastest of 5 runs, in ms.
 *
 *   npx tsx bench/regex-bound.ts
 */
import { checkSync } from 'recheck'

const PATTERNS: [string, string][] = [
  ['chmod\\s+.*777', ''],
  ['^\\s+|\\s+$', ''],
  ['\\p{L}+x', 'u'],
  ['a.*b.*c', ''],
  ['a.*b.*c.*d', ''],
]
const LENGTHS = [256, 1000, 2000, 4096, 8192, 16384]

function attackOf(source: string, flags: string): ((n: number) => string) | null {
  const v = checkSync(source, flags, { timeout: 60_000 })
  if (v.status !== 'vulnerable') return null
  const { pumps, suffix } = v.attack
  return n => {
    const fixed = pumps.reduce((s, p) => s + p.prefix.length, 0) + suffix.length
    const per = pumps.reduce((s, p) => s + p.pump.length, 0)
    const k = Math.max(1, Math.floor((n - fixed) / per))
    return pumps.map(p => p.prefix + p.pump.repeat(k)).join('') + suffix
  }
}

/** The fastest of 5 runs: the regex's own cost, with as little of the machine's other load as can be had. */
function worst(re: RegExp, input: string): number {
  let min = Infinity
  for (let i = 0; i < 5; i++) {
    const t = performance.now()
    re.test(input)
    min = Math.min(min, performance.now() - t)
  }
  return min
}

console.log(`node ${process.version}; fastest of 5 runs on the adversarial input, ms`)
console.log(['pattern', 'degree', ...LENGTHS.map(String)].join('\t'))
for (const [source, flags] of PATTERNS) {
  const v = checkSync(source, flags, { timeout: 60_000 })
  const attack = attackOf(source, flags)
  if (attack === null || v.status !== 'vulnerable') continue
  const degree = v.complexity.type === 'polynomial' ? v.complexity.degree : 'exp'
  const re = new RegExp(source, flags)
  const row: string[] = [`/${source}/${flags}`, String(degree)]
  for (const n of LENGTHS) {
    const ms = worst(re, attack(n))
    row.push(ms.toFixed(2))
    if (ms > 2000) break
  }
  console.log(row.join('\t'))
}
