/**
 * `vetoc log verify|export|disagreements|keygen`, run in process through `runLogCommand` (the CLI
 * suite spawns the built binary, which the mutation run never reaches). Each case pins the exit
 * status and the exact text a user or a script reads: usage errors are 2, a log that does not verify
 * or is not a log is 1.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { runLogCommand } from '../../src/records/cli.js'
import { Chain, createStreamSink, generateSigningKeys, GENESIS, type DecisionRecord, type UnsignedRecord } from '../../src/records/index.js'
import { tempDirs } from '../support/temp-dirs.js'

const USAGE = 'vetoc: usage: vetoc log verify <file.jsonl> [--key public.pem ...] [--require-closed] | vetoc log disagreements <file.jsonl> | vetoc log export <file.jsonl> [--format csv|jsonl] [--tool T] [--decision allow|review|deny] [--rule R] [--since TIME] [--until TIME] | vetoc log keygen [--out DIR]\n'

const tmp = tempDirs('vetoc-log-cli-')

async function log(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const status = await runLogCommand(argv, { stdout: s => void (stdout += s), stderr: s => void (stderr += s) })
  return { status, stdout, stderr }
}

const base: UnsignedRecord = { time: '2026-11-24T12:00:00.000Z', policy: 'p', digest: 'd', tool: 'send_sms', decision: 'deny', args: {} }

/** Three records that differ in tool, decision, rule and time, so each export filter keeps a different subset. */
const THREE: UnsignedRecord[] = [
  { ...base, rule: 'r1', args: { to: '+1555' } },
  { ...base, time: '2026-11-24T13:00:00.000Z', tool: 'fetch', decision: 'allow', args: { url: 'https://x.invalid' } },
  { ...base, time: '2026-11-25T09:00:00.000Z', decision: 'review', rule: 'r2', args: { to: '+1666' } },
]

function sealed(records: UnsignedRecord[]): { text: string; lines: string[]; records: DecisionRecord[] } {
  const chain = new Chain()
  const out = records.map(r => chain.sealLine(r))
  return { text: out.map(o => o.line).join(''), lines: out.map(o => o.line.trimEnd()), records: out.map(o => o.record) }
}

function writeLog(text: string): string {
  const file = join(tmp(), 'decisions.jsonl')
  writeFileSync(file, text)
  return file
}

describe('vetoc log: usage errors exit 2 with the usage text', () => {
  it('no subcommand, or one it does not know', async () => {
    for (const argv of [[], ['frobnicate'], ['--format']]) expect(await log(...argv), JSON.stringify(argv)).toEqual({ status: 2, stdout: '', stderr: USAGE })
  })

  it('an unknown or valueless flag is named, then the usage', async () => {
    expect(await log('export', 'x.jsonl', '--formt', 'csv')).toEqual({ status: 2, stdout: '', stderr: `vetoc: \`vetoc log export\` has no option \`--formt\`; did you mean \`--format\`?\n${USAGE}` })
    expect(await log('export', 'x.jsonl', '--format')).toEqual({ status: 2, stdout: '', stderr: `vetoc: \`--format\` needs a value\n${USAGE}` })
  })

  it('verify, export and disagreements take exactly one file', async () => {
    for (const sub of ['verify', 'export', 'disagreements']) {
      expect(await log(sub), sub).toEqual({ status: 2, stdout: '', stderr: USAGE })
      expect(await log(sub, 'a.jsonl', 'b.jsonl'), sub).toEqual({ status: 2, stdout: '', stderr: USAGE })
    }
  })

  it('a file that cannot be read is named with the error code', async () => {
    const dir = tmp()
    const missing = join(dir, 'missing.jsonl')
    expect(await log('verify', missing)).toEqual({ status: 2, stdout: '', stderr: `vetoc: cannot read \`${missing}\`: ENOENT\n` })
    expect(await log('export', dir)).toEqual({ status: 2, stdout: '', stderr: `vetoc: cannot read \`${dir}\`: EISDIR\n` })
  })
})

describe('vetoc log verify', () => {
  it('an empty log: no records, no last hash, no checkpoints to mention', async () => {
    const file = writeLog('')
    expect(await log('verify', file)).toEqual({
      status: 0,
      stderr: '',
      stdout: `${file}: 0 records, chain intact\n${file}: note: no --key given, so this proves nothing against anyone who can rewrite the file: they can cut it, append to it or edit it and recompute every hash. Verify with --key public.pem\n`,
    })
  })

  it('an empty log checked with a key: zero checkpoints, signed by no key, not closed', async () => {
    const dir = tmp()
    const file = writeLog('')
    const keys = generateSigningKeys()
    writeFileSync(join(dir, 'public.pem'), keys.publicPem)
    expect(await log('verify', file, '--key', join(dir, 'public.pem'))).toEqual({
      status: 0,
      stderr: '',
      stdout: `${file}: 0 records, chain intact and every record covered by 0 checkpoints signed by no key; not closed: it ends at a checkpoint that is not a closing one, so a cut exactly there would look the same (use --require-closed for a finished log)\n`,
    })
  })

  it('an edited record is named by line and seq; a line that is not JSON by line alone', async () => {
    const { lines } = sealed(THREE)
    const edited = writeLog(`${lines[0]}\n${lines[1]!.replace('"allow"', '"deny"')}\n${lines[2]}\n`)
    expect(await log('verify', edited)).toEqual({ status: 1, stdout: '', stderr: `${edited}:2: error: record at line 2 (seq 1): its content does not match its hash (the record was edited)\n` })
    const torn = writeLog(`${lines[0]}\n${lines[1]!.slice(0, 40)}\n`)
    expect(await log('verify', torn)).toEqual({ status: 1, stdout: '', stderr: `${torn}:2: error: line 2: not valid JSON (a line cut short or corrupted)\n` })
  })
})

describe('vetoc log export', () => {
  const seqs = (jsonl: string): number[] => jsonl.trim().split('\n').filter(Boolean).map(l => (JSON.parse(l) as DecisionRecord).seq)

  it('writes CSV by default and JSON Lines with --format jsonl, every record unchanged', async () => {
    const { text, records } = sealed(THREE)
    const file = writeLog(text)
    const csv = await log('export', file)
    expect(csv.status).toBe(0)
    expect(csv.stderr).toBe('')
    const rows = csv.stdout.split('\r\n')
    expect(rows[0]).toBe('seq,time,policy,digest,tool,decision,rule,reason,severity,warnings,approvalId,resolvedBy,args,context,prev,hash')
    expect(rows[1]).toBe(`0,2026-11-24T12:00:00.000Z,p,d,send_sms,deny,r1,,,,,,"{""to"":""+1555""}",,${GENESIS},${records[0]!.hash}`)
    expect(rows).toHaveLength(5) // header, three records, and the empty string after the final CRLF
    expect(await log('export', file, '--format', 'csv')).toEqual(csv)
    const jsonl = await log('export', file, '--format', 'jsonl')
    // each record as the log holds it (JSON.stringify of the parsed line keeps the line's member order)
    expect(jsonl).toEqual({ status: 0, stderr: '', stdout: text })
  })

  it('each filter flag reaches the export', async () => {
    const file = writeLog(sealed(THREE).text)
    const kept = async (...flags: string[]): Promise<number[]> => {
      const out = await log('export', file, '--format', 'jsonl', ...flags)
      expect(out.status, flags.join(' ')).toBe(0)
      return seqs(out.stdout)
    }
    expect(await kept()).toEqual([0, 1, 2])
    expect(await kept('--tool', 'send_sms')).toEqual([0, 2])
    expect(await kept('--decision', 'allow')).toEqual([1])
    expect(await kept('--decision', 'review')).toEqual([2])
    expect(await kept('--decision', 'deny')).toEqual([0])
    expect(await kept('--rule', 'r2')).toEqual([2])
    expect(await kept('--since', '2026-11-24T13:00:00Z')).toEqual([1, 2])
    expect(await kept('--until', '2026-11-24T13:00:00Z')).toEqual([0])
    expect(await kept('--tool', 'send_sms', '--since', '2026-11-24T12:30:00Z', '--until', '2026-11-26')).toEqual([2])
  })

  it('refuses a format, decision or time it does not know, before reading any record', async () => {
    const file = writeLog(sealed(THREE).text)
    expect(await log('export', file, '--format', 'xml')).toEqual({ status: 2, stdout: '', stderr: 'vetoc: --format must be csv or jsonl, got `xml`\n' })
    expect(await log('export', file, '--format', '')).toEqual({ status: 2, stdout: '', stderr: 'vetoc: --format must be csv or jsonl, got ``\n' })
    expect(await log('export', file, '--decision', 'block')).toEqual({ status: 2, stdout: '', stderr: 'vetoc: --decision must be allow, review or deny, got `block`\n' })
    expect(await log('export', file, '--decision', '')).toEqual({ status: 2, stdout: '', stderr: 'vetoc: --decision must be allow, review or deny, got ``\n' })
    expect(await log('export', file, '--since', 'yesterday')).toEqual({ status: 2, stdout: '', stderr: 'vetoc: --since is not a date: `yesterday`\n' })
    expect(await log('export', file, '--since', '2026-11-24', '--until', 'soon')).toEqual({ status: 2, stdout: '', stderr: 'vetoc: --until is not a date: `soon`\n' })
  })

  it('a file that is not a decision log exits 1 and says which line', async () => {
    const notJson = writeLog('hello\n')
    expect(await log('export', notJson)).toEqual({ status: 1, stdout: '', stderr: `vetoc: \`${notJson}\` is not a decision log: line 1 is not valid JSON\n` })
    const { lines } = sealed(THREE)
    const notRecord = writeLog(`${lines[0]}\n{"tool":"x"}\n`)
    expect(await log('export', notRecord, '--format', 'jsonl')).toEqual({ status: 1, stdout: '', stderr: `vetoc: \`${notRecord}\` is not a decision log: line 2 is not a decision record\n` })
  })

  it('a log that does not verify is still exported, with a warning naming the first bad line', async () => {
    const { lines } = sealed(THREE)
    const file = writeLog(`${lines[0]}\n${lines[2]}\n`) // the middle record removed
    const out = await log('export', file, '--format', 'jsonl')
    expect(out).toEqual({
      status: 0,
      stdout: `${lines[0]}\n${lines[2]}\n`,
      stderr: `${file}:2: warning: the log does not verify (does not link to the previous record (a record was removed, inserted, duplicated or reordered)); exported anyway\n`,
    })
  })
})

describe('vetoc log disagreements', () => {
  it('lists the records where the shadow candidate decided otherwise, skipping lines that are not records', async () => {
    const shadowed: UnsignedRecord[] = [
      { ...base, decision: 'allow', shadow: { policy: 'cand-v2', digest: 'x', live: { decision: 'allow' }, candidate: { decision: 'deny', rule: 'no-sms' } } },
      { ...base, tool: 'fetch', decision: 'allow' },
      { ...base, decision: 'deny', rule: 'r1', shadow: { policy: 'cand-v2', digest: 'x', live: { decision: 'deny', rule: 'r1' }, candidate: { decision: 'review' } } },
    ]
    const { lines } = sealed(shadowed)
    // line 2 is torn, line 4 is a checkpoint, line 6 is blank: none of them counts as a record
    const text = [lines[0], '{"torn', lines[1], '{"checkpoint":1}', lines[2], ''].join('\n')
    const file = writeLog(`${text}\n`)
    expect(await log('disagreements', file)).toEqual({
      status: 0,
      stderr: '',
      stdout: `${file}:1 send_sms allow -> deny [no-sms] (candidate cand-v2)\n${file}:5 send_sms deny [r1] -> review (candidate cand-v2)\n2 of 3 records disagree\n`,
    })
  })

  it('takes no flags', async () => {
    expect(await log('disagreements', 'x.jsonl', '--format', 'csv')).toEqual({ status: 2, stdout: '', stderr: `vetoc: \`log disagreements\` does not take --format\n${USAGE}` })
  })
})

describe('vetoc log keygen', () => {
  it('with no --out writes the pair into the current directory', async () => {
    const dir = tmp()
    const cwd = process.cwd()
    process.chdir(dir)
    try {
      const made = await log('keygen')
      expect(made.status).toBe(0)
      expect(made.stderr).toBe('')
      expect(made.stdout).toMatch(/^wrote private\.pem \(mode 600: .*\)\nwrote public\.pem \(for `vetoc log verify --key public\.pem`\)\nkey id [0-9a-f]{64}\n$/)
    } finally {
      process.chdir(cwd)
    }
    expect(readFileSync(join(dir, 'private.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    expect(readFileSync(join(dir, 'public.pem'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/)
  })

  it('an existing public.pem stops it, and the private key it had just written is removed again', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'public.pem'), 'someone else\'s key')
    expect(await log('keygen', '--out', dir)).toEqual({ status: 1, stdout: '', stderr: `vetoc: cannot write the key pair to \`${dir}\`: \`${join(dir, 'public.pem')}\` exists (vetoc never overwrites a key)\n` })
    expect(existsSync(join(dir, 'private.pem'))).toBe(false)
    expect(readFileSync(join(dir, 'public.pem'), 'utf8')).toBe('someone else\'s key')
  })

  it('a directory it cannot make is reported with the error code', async () => {
    const file = join(tmp(), 'a-file')
    writeFileSync(file, '')
    const out = join(file, 'keys')
    expect(await log('keygen', '--out', out)).toEqual({ status: 1, stdout: '', stderr: `vetoc: cannot write the key pair to \`${out}\`: ENOTDIR\n` })
  })
})

describe('vetoc log verify --key on a signed log', () => {
  it('a stream sink\'s log verifies with the key that signed it', async () => {
    const keys = generateSigningKeys()
    let text = ''
    const sink = createStreamSink(new Writable({ write: (c, _e, cb) => { text += String(c); cb() } }), { signingKey: keys.privatePem })
    for (const r of THREE) sink.write(r)
    await sink.close!()
    const file = writeLog(text)
    const pub = join(tmp(), 'public.pem')
    writeFileSync(pub, keys.publicPem)
    const last = (JSON.parse(text.trimEnd().split('\n')[2]!) as DecisionRecord).hash
    expect(await log('verify', file, '--key', pub, '--require-closed')).toEqual({ status: 0, stderr: '', stdout: `${file}: 3 records, chain intact and every record covered by 1 checkpoints signed by ${keys.keyId.slice(0, 12)}… (last hash ${last}); ends with its closing checkpoint\n` })
  })
})
