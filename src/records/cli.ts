/** `vetoc log verify|export`. Exit status: 0 success, 1 a log that does not verify or is not a log, 2 usage errors. */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { exportLog, verifyLog, type DecisionRecord, type ExportOptions } from './index.js'

const USAGE = 'vetoc: usage: vetoc log verify <file.jsonl> | vetoc log disagreements <file.jsonl> | vetoc log export <file.jsonl> [--format csv|jsonl] [--tool T] [--decision allow|review|deny] [--rule R] [--since TIME] [--until TIME]\n'

export async function runLogCommand(argv: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  const [sub, ...rest] = argv
  let parsed
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options: { format: { type: 'string' }, tool: { type: 'string' }, decision: { type: 'string' }, rule: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' } } })
  } catch (e) {
    io.stderr(`vetoc: ${(e as Error).message}\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  if ((sub !== 'verify' && sub !== 'export' && sub !== 'disagreements') || positionals.length !== 1) {
    io.stderr(USAGE)
    return 2
  }
  if (sub !== 'export' && Object.keys(values).length > 0) {
    io.stderr(`vetoc: \`log ${sub}\` takes no options\n${USAGE}`)
    return 2
  }
  const file = positionals[0]!
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    io.stderr(`vetoc: cannot read \`${file}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`)
    return 2
  }
  if (sub === 'disagreements') {
    io.stdout(disagreements(text, file))
    return 0
  }
  const v = verifyLog(text)
  if (sub === 'verify') {
    if (v.ok) {
      io.stdout(`${file}: ${v.count} records, chain intact${v.last ? ` (last hash ${v.last})` : ''}\n`)
      return 0
    }
    io.stderr(`${file}:${v.line}: error: record at line ${v.line}${v.seq !== undefined ? ` (seq ${v.seq})` : ''}: ${v.reason}\n`)
    return 1
  }
  const format = values.format ?? 'csv'
  if (format !== 'csv' && format !== 'jsonl') {
    io.stderr(`vetoc: --format must be csv or jsonl, got \`${format}\`\n`)
    return 2
  }
  const decision = values.decision
  if (decision !== undefined && decision !== 'allow' && decision !== 'review' && decision !== 'deny') {
    io.stderr(`vetoc: --decision must be allow, review or deny, got \`${decision}\`\n`)
    return 2
  }
  for (const flag of ['since', 'until'] as const) {
    const t = values[flag]
    if (t !== undefined && Number.isNaN(Date.parse(t))) {
      io.stderr(`vetoc: --${flag} is not a date: \`${t}\`\n`)
      return 2
    }
  }
  const options: ExportOptions = { format }
  if (values.tool !== undefined) options.tool = values.tool
  if (decision !== undefined) options.decision = decision
  if (values.rule !== undefined) options.rule = values.rule
  if (values.since !== undefined) options.since = values.since
  if (values.until !== undefined) options.until = values.until
  let out: string
  try {
    out = exportLog(text, options)
  } catch (e) {
    io.stderr(`vetoc: \`${file}\` is not a decision log: ${(e as Error).message}\n`)
    return 1
  }
  if (!v.ok) io.stderr(`${file}:${v.line}: warning: the log does not verify (${v.reason}); exported anyway\n`)
  io.stdout(out)
  return 0
}

/**
 * The records where a shadow candidate disagreed with the live policy: one line each
 * (`file:line tool live [rule] -> candidate [rule]`), then a count.
 */
export function disagreements(text: string, file: string): string {
  const out: string[] = []
  let records = 0
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return
    let r: DecisionRecord
    try {
      r = JSON.parse(line) as DecisionRecord
    } catch {
      return
    }
    if (r === null || typeof r !== 'object') return
    records++
    const s = r.shadow
    if (s === null || typeof s !== 'object' || typeof s.live !== 'object' || typeof s.candidate !== 'object' || s.live === null || s.candidate === null) return
    const rule = (x: { rule?: unknown }): string => (typeof x.rule === 'string' ? ` [${x.rule}]` : '')
    out.push(`${file}:${i + 1} ${String(r.tool)} ${String(s.live.decision)}${rule(s.live)} -> ${String(s.candidate.decision)}${rule(s.candidate)} (candidate ${String(s.policy)})`)
  })
  out.push(`${out.length} of ${records} records disagree`)
  return `${out.join('\n')}\n`
}
