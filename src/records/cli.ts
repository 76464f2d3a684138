/** `vetoc log verify|export|keygen`. Exit status: 0 success, 1 a log that does not verify or is not a log, 2 usage errors. */
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { parseFlags } from '../cli-args.js'
import { exportLog, generateSigningKeys, isCheckpointLine, verifyLog, type DecisionRecord, type ExportOptions, type Verification } from './index.js'

const USAGE = 'vetoc: usage: vetoc log verify <file.jsonl> [--key public.pem ...] [--require-closed] | vetoc log disagreements <file.jsonl> | vetoc log export <file.jsonl> [--format csv|jsonl] [--tool T] [--decision allow|review|deny] [--rule R] [--since TIME] [--until TIME] | vetoc log keygen [--out DIR]\n'

type Io = { stdout: (s: string) => void; stderr: (s: string) => void }

/** Writes a new file (never over an existing one) with `mode`, whatever the umask. */
function writeNew(path: string, text: string, mode: number): void {
  const fd = openSync(path, 'wx', mode)
  try {
    writeSync(fd, text)
  } finally {
    closeSync(fd)
  }
  chmodSync(path, mode)
}

/** `vetoc log keygen [--out dir]`: private.pem (0600) for the writer, public.pem for verifiers. */
function keygen(out: string, io: Io): number {
  const privatePath = join(out, 'private.pem')
  const publicPath = join(out, 'public.pem')
  try {
    mkdirSync(out, { recursive: true, mode: 0o700 })
    const keys = generateSigningKeys()
    writeNew(privatePath, keys.privatePem, 0o600)
    try {
      writeNew(publicPath, keys.publicPem, 0o644)
    } catch (e) {
      rmSync(privatePath) // no private key without its public half
      throw e
    }
    io.stdout(`wrote ${privatePath} (mode 600: give it to the process that writes the log, e.g. createFileSink(path, { signingKey }))\nwrote ${publicPath} (for \`vetoc log verify --key ${publicPath}\`)\nkey id ${keys.keyId}\n`)
    return 0
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    io.stderr(`vetoc: cannot write the key pair to \`${out}\`: ${err.code === 'EEXIST' ? `\`${err.path ?? privatePath}\` exists (vetoc never overwrites a key)` : err.code ?? err.message}\n`)
    return 1
  }
}

function verified(file: string, v: Verification & { ok: true }): string {
  const last = v.last ? ` (last hash ${v.last})` : ''
  if (!v.signed) {
    const cps = v.checkpoints > 0 ? `; ${v.checkpoints} signed checkpoints not checked` : ''
    return `${file}: ${v.count} records, chain intact${last}${cps}\n` +
      `${file}: note: no --key given, so this proves nothing against anyone who can rewrite the file: they can cut it, append to it or edit it and recompute every hash. Verify with --key public.pem\n`
  }
  const keys = (v.keyIds ?? []).map(k => `${k.slice(0, 12)}…`).join(', ')
  const closing = v.closed
    ? 'ends with its closing checkpoint'
    : 'not closed: it ends at a checkpoint that is not a closing one, so a cut exactly there would look the same (use --require-closed for a finished log)'
  return `${file}: ${v.count} records, chain intact and every record covered by ${v.checkpoints} checkpoints signed by ${keys || 'no key'}${last}; ${closing}\n`
}

export async function runLogCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv
  let parsed
  try {
    parsed = parseFlags(`log ${sub ?? ''}`.trim(), rest, { format: { type: 'string' }, tool: { type: 'string' }, decision: { type: 'string' }, rule: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, key: { type: 'string', multiple: true }, 'require-closed': { type: 'boolean' }, out: { type: 'string' } })
  } catch (e) {
    io.stderr(`vetoc: ${(e as Error).message}\n${USAGE}`)
    return 2
  }
  const { values, positionals } = parsed
  const allowed = { verify: ['key', 'require-closed'], disagreements: [] as string[], export: ['format', 'tool', 'decision', 'rule', 'since', 'until'], keygen: ['out'] }
  if (sub !== 'verify' && sub !== 'export' && sub !== 'keygen' && sub !== 'disagreements') {
    io.stderr(USAGE)
    return 2
  }
  const extra = Object.keys(values).filter(k => !(allowed[sub] as string[]).includes(k))
  if (extra.length > 0) {
    io.stderr(`vetoc: \`log ${sub}\` does not take --${extra[0]}\n${USAGE}`)
    return 2
  }
  if (sub === 'keygen') {
    if (positionals.length !== 0) {
      io.stderr(USAGE)
      return 2
    }
    return keygen(values.out ?? '.', io)
  }
  if (positionals.length !== 1) {
    io.stderr(USAGE)
    return 2
  }
  if (values['require-closed'] && !values.key) {
    io.stderr(`vetoc: --require-closed needs --key: without a key nothing shows who closed the log\n`)
    return 2
  }
  const keys: string[] = []
  for (const k of values.key ?? []) {
    try {
      keys.push(readFileSync(k, 'utf8'))
    } catch (e) {
      io.stderr(`vetoc: cannot read the key \`${k}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`)
      return 2
    }
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
  let v: Verification
  try {
    v = verifyLog(text, { keys, requireClosed: values['require-closed'] === true })
  } catch (e) {
    io.stderr(`vetoc: --key: ${(e as Error).message}\n`)
    return 2
  }
  if (sub === 'verify') {
    if (v.ok) {
      io.stdout(verified(file, v))
      return 0
    }
    if (v.found !== undefined) io.stderr(`${file}:${v.line}: error: the log cannot be trusted from line ${v.line} on: ${v.reason}\n`)
    else io.stderr(`${file}:${v.line}: error: ${v.seq !== undefined ? `record at line ${v.line} (seq ${v.seq})` : `line ${v.line}`}: ${v.reason}\n`)
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
    if (r === null || typeof r !== 'object' || isCheckpointLine(r)) return
    records++
    const s = r.shadow
    if (s === null || typeof s !== 'object' || typeof s.live !== 'object' || typeof s.candidate !== 'object' || s.live === null || s.candidate === null) return
    const rule = (x: { rule?: unknown }): string => (typeof x.rule === 'string' ? ` [${x.rule}]` : '')
    out.push(`${file}:${i + 1} ${String(r.tool)} ${String(s.live.decision)}${rule(s.live)} -> ${String(s.candidate.decision)}${rule(s.candidate)} (candidate ${String(s.policy)})`)
  })
  out.push(`${out.length} of ${records} records disagree`)
  return `${out.join('\n')}\n`
}
