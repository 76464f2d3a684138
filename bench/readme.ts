/**
 * The README's performance table: every target `npm run bench` checks, with the figure of its last
 * run, between `<!-- bench:readme:start -->` and `<!-- bench:readme:end -->`. `bench/run.ts` calls it
 * after a run; `npx tsx bench/readme.ts` rewrites it from `bench/results.json` alone.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface ReadmeTarget {
  name: string
  /** a figure, or why there is none (a comparison whose other side is not installed) */
  value: number | string
  unit: string
  target: string
  met: boolean
}

export interface ReadmeMeta {
  date: string
  node: string
  cpu: string
  cores: number
  loadAverage: { atStart: number[] }
}

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..')
const START = '<!-- bench:readme:start -->'
const END = '<!-- bench:readme:end -->'

function figure(v: number | string): string {
  if (typeof v === 'string') return v
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(v)
}

export function readmeTable(targets: readonly ReadmeTarget[], meta: ReadmeMeta): string[] {
  return [
    `Measured by \`npm run bench\` on ${meta.cpu} (${meta.cores} cores), Node ${meta.node}, ${meta.date.slice(0, 10)}, load average ${meta.loadAverage.atStart[0]} at the start. What each figure means, and what limits the missed ones: [docs/performance.md](docs/performance.md).`,
    '',
    '| Target | Measured | Goal | Met |',
    '| --- | ---: | --- | --- |',
    ...targets.map(t => `| ${t.name} | ${figure(t.value)} ${t.unit} | ${t.target} ${t.unit} | ${t.met ? 'yes' : '**no**'} |`),
  ]
}

/** Rewrites the README's block; false when the README has no markers. */
export function writeReadmeTable(targets: readonly ReadmeTarget[], meta: ReadmeMeta, file: string = join(ROOT, 'README.md')): boolean {
  const text = readFileSync(file, 'utf8')
  const a = text.indexOf(START)
  const b = text.indexOf(END)
  if (a === -1 || b < a) return false
  writeFileSync(file, `${text.slice(0, a)}${START}\n${readmeTable(targets, meta).join('\n')}\n${text.slice(b)}`)
  return true
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const results = JSON.parse(readFileSync(join(ROOT, 'bench', 'results.json'), 'utf8')) as { targets: ReadmeTarget[]; meta: ReadmeMeta }
  if (!writeReadmeTable(results.targets, results.meta)) throw new Error(`README.md has no ${START} … ${END} block`)
}
