/** `vetoc log verify|export`. */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { exportLog, verifyLog } from './index.js'

export async function runLogCommand(argv: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<number> {
  const [sub, ...rest] = argv
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { format: { type: 'string' }, tool: { type: 'string' }, decision: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' } } })
  if ((sub !== 'verify' && sub !== 'export') || positionals.length !== 1) {
    io.stderr('vetoc: usage: vetoc log verify <file.jsonl> | vetoc log export <file.jsonl> [--format csv|jsonl] [--tool T] [--decision D]\n')
    return 2
  }
  let text: string
  try {
    text = readFileSync(positionals[0]!, 'utf8')
  } catch (e) {
    io.stderr(`vetoc: cannot read \`${positionals[0]}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`)
    return 2
  }
  if (sub === 'verify') {
    const v = verifyLog(text)
    if (v.ok) {
      io.stdout(`${positionals[0]}: ${v.count} records, chain intact\n`)
      return 0
    }
    io.stderr(`${positionals[0]}:${v.line}: error: record ${v.line}: ${v.reason}\n`)
    return 1
  }
  const format = values.format ?? 'csv'
  if (format !== 'csv' && format !== 'jsonl') {
    io.stderr(`vetoc: --format must be csv or jsonl, got \`${format}\`\n`)
    return 2
  }
  try {
    io.stdout(exportLog(text, { format, ...(values.tool ? { tool: values.tool } : {}), ...(values.decision ? { decision: values.decision } : {}), ...(values.since ? { since: values.since } : {}), ...(values.until ? { until: values.until } : {}) }))
  } catch (e) {
    io.stderr(`vetoc: \`${positionals[0]}\` is not a decision log: ${(e as Error).message}\n`)
    return 1
  }
  return 0
}
