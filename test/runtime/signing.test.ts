/**
 * Issue 18, item 7: a decision log that is tamper-evident in fact. A hash chain alone is recomputable
 * by anyone (`hashRecord` is exported), so each forgery below passes the chain check; with signed
 * checkpoints `verifyLog(text, { keys })` and `vetoc log verify --key` refuse it and name the line from
 * which the log can no longer be trusted.
 */
import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { beforeAll, describe, expect, it } from 'vitest'
import { run } from '../../src/cli.js'
import { createGuard } from '../../src/guard.js'
import { Chain, Checkpointer, createFileSink, createStreamSink, exportLog, generateSigningKeys, hashRecord, keyIdOf, verifyLog, type DecisionRecord, type UnsignedRecord } from '../../src/records/index.js'
import type { CompiledPolicy } from '../../src/types.js'
import { TMP } from '../support/compiled.js'
import { shipped } from '../support/policies.js'

const A = generateSigningKeys()
const B = generateSigningKeys()
const tmp = (): string => mkdtempSync(join(tmpdir(), 'vetoc-signing-'))

/** A signed log of `n` records through the stream sink: a checkpoint after every `every` records, a closing one at the end. */
async function signedLog(n: number, key = A.privatePem, every = 4, offset = 0): Promise<string> {
  let text = ''
  const out = new Writable({ write: (chunk, _enc, cb) => { text += String(chunk); cb() } })
  const sink = createStreamSink(out, { signingKey: key, checkpointEvery: every })
  for (let i = 0; i < n; i++) sink.write({ time: `2026-11-24T12:00:${String(i).padStart(2, '0')}.000Z`, policy: 'p', digest: 'd', tool: 'send_sms', decision: 'allow', args: { to: `+1555${i + offset}` } } satisfies UnsignedRecord)
  await sink.close!()
  return text
}

const split = (text: string): string[] => text.trimEnd().split('\n')
const joined = (lines: string[]): string => `${lines.join('\n')}\n`
const isCp = (line: string): boolean => 'checkpoint' in JSON.parse(line)

/** What a rewriter does: recompute `prev` and `hash` of every record from line index `from` on. */
function rehash(lines: string[], from = 0): string[] {
  let prev: string | undefined
  return lines.map((line, i) => {
    if (isCp(line)) return line
    const r = JSON.parse(line) as DecisionRecord
    if (i >= from) {
      const { hash: _old, ...body } = { ...r, ...(prev !== undefined ? { prev } : {}) }
      const hash = hashRecord(body)
      prev = hash
      return JSON.stringify({ ...body, hash })
    }
    prev = r.hash
    return line
  })
}

/** A record appended by someone without the key: correct `seq`, `prev` and `hash` (via the exported `hashRecord`). */
function forgeAppend(lines: string[], args: unknown = { to: '+1999' }): string[] {
  const last = JSON.parse(lines.filter(l => !isCp(l)).at(-1)!) as DecisionRecord
  const body = { ...last, seq: last.seq + 1, prev: last.hash, args, time: '2026-11-24T13:00:00.000Z' }
  delete (body as Partial<DecisionRecord>).hash
  return [...lines, JSON.stringify({ ...body, hash: hashRecord(body) })]
}

const keys = [A.publicPem]

// 10 records, every 4: r0..r3 (lines 1-4), checkpoint (5), r4..r7 (6-9), checkpoint (10), r8 r9 (11-12), closing checkpoint (13)
let log: string
let lines: string[]
beforeAll(async () => {
  log = await signedLog(10)
  lines = split(log)
})

describe('a signed log', () => {
  it('has checkpoints where expected, verifies with the key, and names its key and closing', () => {
    expect(lines.map((l, i) => (isCp(l) ? i + 1 : 0)).filter(Boolean)).toEqual([5, 10, 13])
    const cps = lines.filter(isCp).map(l => JSON.parse(l))
    expect(cps.map(c => [c.records, c.closing ?? false])).toEqual([[4, false], [8, false], [10, true]])
    expect(cps.every(c => c.keyId === A.keyId)).toBe(true)
    expect(verifyLog(log, { keys })).toEqual({ ok: true, count: 10, last: JSON.parse(lines[11]!).hash, checkpoints: 3, signed: true, closed: true, keyIds: [A.keyId] })
    expect(verifyLog(log, { keys, requireClosed: true })).toMatchObject({ ok: true, closed: true })
    // without a key the chain alone is checked (and the result says it is unsigned)
    expect(verifyLog(log)).toMatchObject({ ok: true, count: 10, checkpoints: 3, signed: false })
    // an export lists decisions only
    expect(exportLog(log, { format: 'jsonl' }).trim().split('\n').map(l => JSON.parse(l).seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('the key id is SHA-256 of the public key, also from a KeyObject; a wrong key type is refused', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519')
    expect(keyIdOf(publicKey)).toMatch(/^[0-9a-f]{64}$/)
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
    expect(() => createStreamSink(new Writable(), { signingKey: rsa.privateKey })).toThrow('signingKey must be an Ed25519 key, got rsa')
    expect(() => createStreamSink(new Writable(), { signingKey: A.publicPem })).toThrow(/^signingKey is not a private key/)
    expect(() => createStreamSink(new Writable(), { signingKey: privateKey, checkpointEvery: 0 })).toThrow('checkpointEvery must be a positive integer, got 0')
    expect(() => verifyLog(log, { keys: [rsa.publicKey] })).toThrow('a verifying key must be an Ed25519 key, got rsa')
    expect(() => verifyLog(log, { requireClosed: true })).toThrow(/requireClosed needs keys/)
  })
})

describe('forgeries the chain alone accepts, refused with the key', () => {
  it('deleting the last records (and the closing checkpoint): the records after the last checkpoint are not covered', () => {
    const cut = joined(lines.slice(0, 11)) // r8 kept, r9 and the closing checkpoint gone
    expect(verifyLog(cut)).toMatchObject({ ok: true, count: 9 })
    expect(verifyLog(cut, { keys })).toMatchObject({ ok: false, line: 11, seq: 8, reason: expect.stringMatching(/^the records from line 11 on are not covered by a signed checkpoint .*; the last valid checkpoint is at line 10$/) })
  })

  it('deleting the last records but keeping the closing checkpoint: it no longer matches', () => {
    const cut = joined([...lines.slice(0, 11), lines[12]!])
    expect(verifyLog(cut, { keys })).toMatchObject({ ok: false, line: 11, seq: 8, found: 12, reason: expect.stringMatching(/^a checkpoint that does not match the records before it: it signs 10 records .* the log holds 9 .*\(found at line 12\); after the last valid checkpoint \(line 10\)$/) })
  })

  it('cutting exactly at a checkpoint passes unless the closing checkpoint is required; faking `closing` breaks the signature', () => {
    const cut = joined(lines.slice(0, 10))
    expect(verifyLog(cut, { keys })).toMatchObject({ ok: true, count: 8, closed: false })
    expect(verifyLog(cut, { keys, requireClosed: true })).toMatchObject({ ok: false, line: 10, reason: expect.stringMatching(/^the log ends with the checkpoint at line 10, which is not a closing checkpoint/) })
    const faked = [...lines.slice(0, 9), JSON.stringify({ ...JSON.parse(lines[9]!), closing: true })]
    expect(verifyLog(joined(faked), { keys })).toMatchObject({ ok: false, line: 6, seq: 4, found: 10, reason: expect.stringMatching(/^a checkpoint whose signature does not verify/) })
  })

  it('appending a forged record with a recomputed hash', () => {
    const forged = forgeAppend(lines)
    expect(verifyLog(joined(forged))).toMatchObject({ ok: true, count: 11 })
    expect(verifyLog(joined(forged), { keys })).toMatchObject({ ok: false, line: 14, seq: 10, reason: expect.stringMatching(/^the records from line 14 on are not covered/) })
    // … followed by the log's own closing checkpoint replayed
    expect(verifyLog(joined([...forged, lines[12]!]), { keys })).toMatchObject({ ok: false, line: 14, found: 15, reason: expect.stringMatching(/^a checkpoint that does not match/) })
  })

  it('appending a forged record and a checkpoint signed by an unknown key', async () => {
    // the forger writes the whole log again with their own key: every checkpoint names a key not given
    const theirs = await signedLog(11, B.privatePem)
    expect(verifyLog(theirs)).toMatchObject({ ok: true, count: 11 })
    expect(verifyLog(theirs, { keys })).toMatchObject({ ok: false, line: 1, seq: 0, found: 5, reason: expect.stringMatching(new RegExp(`^a checkpoint signed by a key not given \\(key id ${B.keyId.slice(0, 12)}…\\) \\(found at line 5\\); no earlier checkpoint verifies$`)) })
    // only the forged tail signed, with the forger's key: trust ends at the last checkpoint of the real key
    const appended = forgeAppend(lines)
    const head = (JSON.parse(appended.at(-1)!) as DecisionRecord).hash
    const forged = [...appended, new Checkpointer(B.privatePem).now(new Chain({ prev: head, seq: 11 }), true)!.trimEnd()]
    expect(verifyLog(joined(forged), { keys: [A.publicPem, B.publicPem] })).toMatchObject({ ok: true, count: 11 }) // a true statement by B
    expect(verifyLog(joined(forged), { keys })).toMatchObject({ ok: false, line: 14, found: 15, reason: expect.stringMatching(/^a checkpoint signed by a key not given/) })
  })

  it('editing a record and re-hashing every record after it', () => {
    const edited = [...lines]
    edited[6] = edited[6]!.replace('"+15555"', '"+19999"') // r5, line 7
    const forged = rehash(edited, 6)
    // (even the chain check compares checkpoints with the records, but anyone can edit an unchecked checkpoint)
    expect(verifyLog(joined(forged))).toMatchObject({ ok: false, line: 10 })
    expect(verifyLog(joined(forged), { keys })).toMatchObject({ ok: false, line: 6, seq: 4, found: 10, reason: expect.stringMatching(/^a checkpoint that does not match the records before it.*\(found at line 10\); after the last valid checkpoint \(line 5\)$/) })
    // … and dropping every checkpoint after the edit, so none can disagree
    const stripped = forged.filter((l, i) => i < 5 || !isCp(l))
    expect(verifyLog(joined(stripped))).toMatchObject({ ok: true, count: 10 })
    expect(verifyLog(joined(stripped), { keys })).toMatchObject({ ok: false, line: 6, seq: 4, reason: expect.stringMatching(/^the records from line 6 on are not covered.*the last valid checkpoint is at line 5$/) })
    // … and re-hashing the whole log from its first record, every checkpoint dropped
    const scratch = rehash(edited.filter(l => !isCp(l)))
    expect(verifyLog(joined(scratch))).toMatchObject({ ok: true, count: 10 })
    expect(verifyLog(joined(scratch), { keys })).toMatchObject({ ok: false, line: 1, seq: 0, reason: expect.stringMatching(/not covered.*no checkpoint verifies$/) })
  })
})

describe('other damage, each named at the line where trust ends', () => {
  it('reordered, duplicated and edited records (chain breaks, with or without a key)', () => {
    const swapped = [...lines]
    ;[swapped[6], swapped[7]] = [swapped[7]!, swapped[6]!]
    expect(verifyLog(joined(swapped))).toMatchObject({ ok: false, line: 7, seq: 6 })
    expect(verifyLog(joined(swapped), { keys })).toMatchObject({ ok: false, line: 6, seq: 4, found: 7, reason: expect.stringMatching(/^record at line 7 \(seq 6\): does not link to the previous record/) })
    const duplicated = [...lines.slice(0, 8), lines[7]!, ...lines.slice(8)]
    expect(verifyLog(joined(duplicated), { keys })).toMatchObject({ ok: false, line: 6, found: 9, reason: expect.stringMatching(/duplicated/) })
    const edited = [...lines]
    edited[11] = edited[11]!.replace('"+15559"', '"+15550"')
    expect(verifyLog(joined(edited), { keys })).toMatchObject({ ok: false, line: 11, seq: 8, found: 12, reason: expect.stringMatching(/^record at line 12 \(seq 9\): its content does not match its hash/) })
  })

  it('a log truncated mid-line', () => {
    const text = joined(lines)
    const cutInRecord = text.slice(0, text.indexOf(lines[10]!) + 40)
    expect(verifyLog(cutInRecord, { keys })).toMatchObject({ ok: false, line: 11, found: 11, reason: expect.stringMatching(/^not valid JSON \(a line cut short or corrupted\); after the last valid checkpoint \(line 10\)$/) })
    const cutInCheckpoint = text.slice(0, text.length - 20)
    expect(verifyLog(cutInCheckpoint, { keys })).toMatchObject({ ok: false, line: 11, found: 13 })
  })

  it('a checkpoint replayed from another log signed by the same key', async () => {
    const other = split(await signedLog(10, A.privatePem, 4, 100))
    const replayed = [...lines.slice(0, 4), other[4]!, ...lines.slice(5)]
    expect(verifyLog(joined(replayed), { keys })).toMatchObject({ ok: false, line: 1, found: 5, reason: expect.stringMatching(/^a checkpoint that does not match the records before it.*copied from another log/) })
    // … or from another place in the same log
    const moved = [...lines.slice(0, 9), lines[4]!, ...lines.slice(10)]
    expect(verifyLog(joined(moved), { keys })).toMatchObject({ ok: false, line: 6, found: 10 })
  })

  it('a signature in a second spelling, or with a field changed, does not verify', () => {
    const cp = JSON.parse(lines[4]!)
    const sig: string = cp.signature
    // the last base64 digit of 64 bytes carries 2 unused bits: flip one for the same bytes
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const c = sig[85]!
    const twin = `${sig.slice(0, 85)}${alphabet[alphabet.indexOf(c) ^ 1]}${sig.slice(86)}`
    expect(Buffer.from(twin, 'base64').equals(Buffer.from(sig, 'base64'))).toBe(true)
    for (const altered of [{ ...cp, signature: twin }, { ...cp, time: '2030-01-01T00:00:00.000Z' }, { ...cp, keyId: B.keyId }, { ...cp, records: '4' }, { ...cp, extra: 1 }]) {
      const text = joined([...lines.slice(0, 4), JSON.stringify(altered), ...lines.slice(5)])
      expect(verifyLog(text, { keys: [A.publicPem, B.publicPem] }), JSON.stringify(altered)).toMatchObject({ ok: false, line: 1, found: 5 })
    }
    // a repeated checkpoint says nothing new and nothing false
    expect(verifyLog(joined([...lines.slice(0, 5), lines[4]!, ...lines.slice(5)]), { keys })).toMatchObject({ ok: true, count: 10 })
  })
})

describe('the file sink and the guard sign', () => {
  let groq: CompiledPolicy
  beforeAll(async () => {
    groq = await shipped('groq-tools')
  })
  const EVIL = (i: number): [string, unknown] => ['fetch_external_api', { url: `https://evil.invalid/${i}` }]

  it('every flush ends with a checkpoint and close adds a closing one; a reopened log continues under a new key (rotation)', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    const guard = createGuard(groq, { sink: file, signingKey: A.privatePem })
    for (let i = 0; i < 3; i++) await guard(...EVIL(i))
    await guard.flush()
    expect(verifyLog(readFileSync(file, 'utf8'), { keys })).toMatchObject({ ok: true, count: 3, closed: false })
    await guard(...EVIL(3))
    await guard.close()
    // checkpoints: the flush (3 records), guard.close()'s flush (4) and the closing one (4)
    expect(verifyLog(readFileSync(file, 'utf8'), { keys, requireClosed: true })).toMatchObject({ ok: true, count: 4, checkpoints: 3, closed: true })
    // the key is rotated: the next writer signs with B and continues the chain after the closing checkpoint
    const next = createGuard(groq, { sink: createFileSink(file, { signingKey: B.privatePem }) })
    await next(...EVIL(4))
    await next.close()
    const text = readFileSync(file, 'utf8')
    expect(verifyLog(text, { keys: [A.publicPem, B.publicPem], requireClosed: true })).toMatchObject({ ok: true, count: 5, checkpoints: 5, closed: true, keyIds: [A.keyId, B.keyId] })
    expect(verifyLog(text, { keys: [B.publicPem] })).toMatchObject({ ok: false, line: 1, found: 4, reason: expect.stringMatching(/key not given/) })
    // lines: r0 r1 r2 cp r3 cp cp(closing) | r4 cp (B) cp(closing, B)
    expect(verifyLog(text, { keys: [A.publicPem] })).toMatchObject({ ok: false, line: 8, seq: 4, found: 9, reason: expect.stringMatching(/key not given/) })
  })

  it('refuses a key where it cannot apply and two keys on one open file', () => {
    const file = join(tmp(), 'decisions.jsonl')
    expect(() => createGuard(groq, { sink: { write: r => ({ ...r, seq: 0, prev: '', hash: '' }), flush: async () => {} }, signingKey: A.privatePem })).toThrow(/^signingKey goes with a file path `sink`/)
    const first = createFileSink(file, { signingKey: A.privatePem, handleSignals: false })
    expect(() => createFileSink(file, { signingKey: B.privatePem })).toThrow(/already open in this process signed by key/)
    expect(() => createFileSink(file)).toThrow(/every sink on one file must use the same signingKey/)
    return first.close!()
  })

  it('process.exit() closes the log; after SIGKILL every flushed record is still covered (real child processes)', async () => {
    const repo = resolve('.')
    const dir = tmp()
    const keyFile = join(dir, 'private.pem')
    writeFileSync(keyFile, A.privatePem)
    mkdirSync(TMP, { recursive: true })
    const script = join(TMP, 'signing-child.mts')
    writeFileSync(script, `
      import { readFileSync } from 'node:fs'
      import { createFileSink, createGuard } from ${JSON.stringify(join(repo, 'src/index.ts'))}
      import { compileModule } from ${JSON.stringify(join(repo, 'test/support/compiled.ts'))}
      const [mode, log, key] = process.argv.slice(2)
      const { module } = await compileModule(readFileSync(${JSON.stringify(join(repo, 'policies/groq-tools.policy.yaml'))}, 'utf8'), 'groq-tools.policy.yaml')
      const guard = createGuard(module, { sink: createFileSink(log, { flushMs: 60_000, signingKey: readFileSync(key, 'utf8') }) })
      const call = (i) => guard('fetch_external_api', { url: 'https://evil.invalid/' + i })
      for (let i = 0; i < 3; i++) await call(i)
      if (mode === 'exit') process.exit(0)
      await guard.flush()
      for (let i = 3; i < 5; i++) await call(i)
      process.kill(process.pid, 'SIGKILL')
    `)
    const child = (mode: string): Promise<void> => new Promise(done => {
      spawn(process.execPath, ['--import', 'tsx', script, mode, join(dir, `${mode}.jsonl`), keyFile], { cwd: repo, stdio: 'ignore' }).on('exit', () => done())
    })
    await Promise.all([child('exit'), child('kill')])
    expect(verifyLog(readFileSync(join(dir, 'exit.jsonl'), 'utf8'), { keys, requireClosed: true })).toMatchObject({ ok: true, count: 3, closed: true })
    expect(verifyLog(readFileSync(join(dir, 'kill.jsonl'), 'utf8'), { keys })).toMatchObject({ ok: true, count: 3, closed: false })
    rmSync(script, { force: true })
  }, 120_000)
})

describe('vetoc log keygen and verify --key', () => {
  const cli = async (...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> => {
    let stdout = ''
    let stderr = ''
    const status = await run(args, { stdout: s => void (stdout += s), stderr: s => void (stderr += s) })
    return { status, stdout, stderr }
  }

  it('keygen writes a private key only its owner can read, never overwrites, and verify --key uses the public half', async () => {
    const dir = join(tmp(), 'keys')
    const made = await cli('log', 'keygen', '--out', dir)
    expect(made).toMatchObject({ status: 0, stderr: '' })
    expect(statSync(join(dir, 'private.pem')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'public.pem')).mode & 0o777).toBe(0o644)
    expect(statSync(dir).mode & 0o077).toBe(0)
    const privatePem = readFileSync(join(dir, 'private.pem'), 'utf8')
    expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    const again = await cli('log', 'keygen', '--out', dir)
    expect(again).toMatchObject({ status: 1, stderr: expect.stringMatching(/private\.pem` exists \(vetoc never overwrites a key\)/) })
    expect(readFileSync(join(dir, 'private.pem'), 'utf8')).toBe(privatePem)

    const file = join(dir, '..', 'decisions.jsonl')
    const text = await signedLog(10, privatePem)
    writeFileSync(file, text)
    const keyId = /key id ([0-9a-f]{64})/.exec(made.stdout)![1]!
    const ok = await cli('log', 'verify', file, '--key', join(dir, 'public.pem'), '--key', join(dir, 'public.pem'))
    expect(ok).toMatchObject({ status: 0, stderr: '', stdout: `${file}: 10 records, chain intact and every record covered by 3 checkpoints signed by ${keyId.slice(0, 12)}… (last hash ${JSON.parse(split(text)[11]!).hash}); ends with its closing checkpoint\n` })
    const chainOnly = await cli('log', 'verify', file)
    expect(chainOnly.stdout).toMatch(/chain intact .*; 3 signed checkpoints not checked\n.*note: no --key given, so this proves nothing against anyone who can rewrite the file/)

    writeFileSync(file, joined(forgeAppend(split(text))))
    expect(await cli('log', 'verify', file, '--key', join(dir, 'public.pem'))).toMatchObject({ status: 1, stdout: '', stderr: expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:14: error: the log cannot be trusted from line 14 on: the records from line 14 on are not covered by a signed checkpoint`)) })
    writeFileSync(file, joined(split(text).slice(0, 10)))
    expect(await cli('log', 'verify', file, '--key', join(dir, 'public.pem'))).toMatchObject({ status: 0, stdout: expect.stringMatching(/; not closed: it ends at a checkpoint that is not a closing one/) })
    expect(await cli('log', 'verify', file, '--key', join(dir, 'public.pem'), '--require-closed')).toMatchObject({ status: 1, stderr: expect.stringMatching(/:10: error: the log cannot be trusted from line 10 on: the log ends with the checkpoint at line 10/) })
  })

  it('usage errors exit 2', async () => {
    const dir = tmp()
    const file = join(dir, 'd.jsonl')
    writeFileSync(file, '')
    writeFileSync(join(dir, 'not-a-key.pem'), 'hello')
    expect(await cli('log', 'verify', file, '--require-closed')).toMatchObject({ status: 2, stderr: expect.stringMatching(/--require-closed needs --key/) })
    expect(await cli('log', 'verify', file, '--key', join(dir, 'missing.pem'))).toMatchObject({ status: 2, stderr: expect.stringMatching(/cannot read the key .*ENOENT/) })
    expect(await cli('log', 'verify', file, '--key', join(dir, 'not-a-key.pem'))).toMatchObject({ status: 2, stderr: expect.stringMatching(/^vetoc: --key: not a public key/) })
    expect(await cli('log', 'keygen', 'extra')).toMatchObject({ status: 2 })
    expect(await cli('log', 'export', file, '--key', 'x')).toMatchObject({ status: 2, stderr: expect.stringMatching(/`log export` does not take --key/) })
  })
})
