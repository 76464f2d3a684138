/**
 * Decision records: redaction, the hash chain, the buffered file sink (a decision never waits for the
 * disk; flush/close/exit/signals write the tail; a crash loses at most the unflushed tail) and export.
 */
import fc from 'fast-check'
import { spawn, execFileSync } from 'node:child_process'
import { appendFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createGuard } from '../../src/guard.js'
import { Chain, createFileSink, createMemorySink, exportLog, looksSecret, redact, REDACTED, verifyLog, type UnsignedRecord } from '../../src/records/index.js'
import { KEY_VALUE, redactText, TOKENS as TOKEN_SCAN, URL_USERINFO } from '../../src/records/redact.js'
import type { CompiledPolicy } from '../../src/types.js'
import { compileModule, TMP } from '../support/compiled.js'
import { shipped } from '../support/policies.js'

let groq: CompiledPolicy
beforeAll(async () => {
  groq = await shipped('groq-tools')
})

const tmp = (): string => mkdtempSync(join(tmpdir(), 'vetoc-records-'))
const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms))
const EVIL = (i: number): [string, unknown] => ['fetch_external_api', { url: `https://evil.invalid/${i}` }]

describe('redaction', () => {
  const TOKENS = [
    'sk-proj-4fJ9aQ2LmN7pR3sT6vW8xY1zB5cD0eF',
    'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv-0123456789',
    'sk_live_51HabcdefGHIJKLmnopQRSTuvwx',
    'rk_test_0123456789abcdefABCDEF',
    'gsk_0123456789abcdefghijKLMNOP',
    'ghp_0123456789abcdefghijABCDEFGHIJ',
    'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
    'glpat-0123456789abcdefghij',
    'xoxb-123456789012-1234567890123-AbCdEfGhIjKl',
    'AIzaSyD-0123456789abcdefghijklmnopqrstu',
    'AKIAIOSFODNN7EXAMPLE',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk',
    'Bearer 0123456789abcdef.ghij',
    'Basic dXNlcjpwYXNzd29yZA==',
    'hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
    'SG.abcdefghijklmnop_1234.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg',
  ]
  it('replaces credential-looking values, whole or inside longer text, under any key', () => {
    for (const t of TOKENS) {
      expect(redact({ note: t }), t).toEqual({ note: REDACTED })
      const text = `please use ${t} for the call, thanks`
      expect(redact({ note: text }), t).toEqual({ note: `please use ${REDACTED} for the call, thanks` })
    }
    expect(redact({ h: 'Authorization: Bearer abc.def-0123456789' })).toEqual({ h: `Authorization: ${REDACTED}` })
    expect(redact({ key: '-----BEGIN RSA PRIVATE KEY-----\nMIIEow0123\nabc=\n-----END RSA PRIVATE KEY-----\n' })).toEqual({ key: `${REDACTED}\n` })
    expect(redact({ url: 'https://api.x.invalid/v1?api_key=abc123&q=1' })).toEqual({ url: `https://api.x.invalid/v1?api_key=${REDACTED}&q=1` })
    expect(redact({ url: 'postgres://admin:hunter2@db.internal:5432/app' })).toEqual({ url: `postgres://${REDACTED}@db.internal:5432/app` })
    expect(redact({ env: 'OPENAI_API_KEY=abc\nAWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG"\nDEBUG=1' })).toEqual({ env: `OPENAI_API_KEY=${REDACTED}\nAWS_SECRET_ACCESS_KEY="${REDACTED}"\nDEBUG=1` })
    // broken JSON a model sent (the raw text is what gets recorded)
    expect(redact('{"to": "+1", "password": "hunter2", ')).toBe(`{"to": "+1", "password": "${REDACTED}", `)
  })

  it('replaces values under keys that name credentials, in any casing', () => {
    const out = redact({ apiKey: 'x', 'x-api-key': 'x', OPENAI_API_KEY: 'x', aws_secret_access_key: 'x', password: 1234, Authorization: 'x', githubToken: 'x', clientSecret: 'x', credentials: { user: 'u', pass: 'p' }, cookie: 'x', sessionId: 'x' })
    expect(Object.values(out as object).every(v => v === REDACTED)).toBe(true)
  })

  it('leaves ordinary values alone', () => {
    const plain = { max_tokens: 256, token_count: 3, author: 'ana', key: 'reports/2026.csv', description: 'Basic functionality; Bearer of good news', slug: 'sk-learn-tips', to: '+15550100', url: 'https://api.stripe.invalid/v1/charges', empty_password: '' }
    expect(redact(plain)).toEqual({ ...plain, empty_password: '' })
    for (const s of ['tokenizer', 'password reset link sent', 'AKIA', 'the basic plan', 'gsk_']) expect(looksSecret(s), s).toBe(false)
  })

  it('the pre-checks that skip scans never change what is redacted: the three scans run unconditionally agree (property)', () => {
    const unconditional = (text: string): string =>
      text
        .replace(TOKEN_SCAN, REDACTED)
        .replace(URL_USERINFO, `$1${REDACTED}@`)
        .replace(KEY_VALUE, (_m: string, name: string, value: string) => (value === REDACTED ? `${name}${value}` : `${name}${REDACTED}`))
    const parts = ['https://', 'ftp://', 'user', ':', 'p4ss', '@', 'host', '/x', '?', '&', '=', 'api_key', 'API-KEY', 'Token', 'secret', 'PASSWD', 'pwd', 'passphrase', 'auth_token', 'Bearer ', ' ', '"', "'", 'x', 'sk-', 'abcdefghijklmnopqrstu', '\n']
    fc.assert(fc.property(fc.array(fc.constantFrom(...parts), { maxLength: 24 }), ps => {
      const text = ps.join('')
      expect(redactText(text)).toBe(unconditional(text))
    }), { numRuns: 3000 })
  })

  it('applies nested policy `redact:` paths (dotted, `*`, `[n]`) and guard-level paths to the record', async () => {
    const { module } = await compileModule([
      'tools:',
      '  call_api:',
      '    redact: [account.user, "headers.*", "items.*.card", "items[0].note"]',
      'rules: []',
      '',
    ].join('\n'))
    const sink = createMemorySink()
    const guard = createGuard(module, { sink, redact: { '*': ['trace.id'] } })
    const args = { account: { user: 'ana', realm: 'prod' }, headers: { 'x-a': '1', 'x-b': '2' }, items: [{ card: '4111', note: 'n0' }, { card: '5500', note: 'n1' }], trace: { id: 't-1', span: 's' }, body: 'hello' }
    expect((await guard('call_api', args)).decision).toBe('allow')
    expect(sink.records[0]!.args).toEqual({ account: { user: REDACTED, realm: 'prod' }, headers: { 'x-a': REDACTED, 'x-b': REDACTED }, items: [{ card: REDACTED, note: REDACTED }, { card: REDACTED, note: 'n1' }], trace: { id: REDACTED, span: 's' }, body: 'hello' })
    expect(args.account.user).toBe('ana') // the caller's object is not touched
  })

  it('runs in linear time on hostile text (no super-linear backtracking)', () => {
    const n = 200_000
    const hostile = ['sk-'.repeat(n / 3), 'eyJ'.repeat(n / 3), 'Bearer '.repeat(n / 7), 'a://a:'.repeat(n / 6), 'password='.repeat(n / 9), `Basic ${'a'.repeat(n)}`, '-----BEGIN PRIVATE KEY-----'.repeat(n / 27), `ghp_${'A'.repeat(n)}!`, 'x_'.repeat(n / 2)]
    const t0 = performance.now()
    for (const h of hostile) redact({ h })
    expect(performance.now() - t0).toBeLessThan(2000)
  })

  it('survives cycles, throwing getters and shared (non-cyclic) references', () => {
    const shared = { a: 1 }
    const cyc: Record<string, unknown> = { shared, again: shared }
    cyc['self'] = cyc
    Object.defineProperty(cyc, 'bad', { enumerable: true, get() { throw new Error('no') } })
    expect(redact(cyc)).toEqual({ shared: { a: 1 }, again: { a: 1 }, self: '[CIRCULAR]', bad: '[UNREADABLE]' })
  })
})

describe('the hash chain', () => {
  const log = (n: number): string => {
    const chain = new Chain()
    return Array.from({ length: n }, (_, i) => JSON.stringify(chain.seal({ time: `2026-11-24T12:00:0${i}.000Z`, policy: 'p', digest: 'd', tool: 't', decision: 'allow', args: { i } }))).join('\n') + '\n'
  }
  it('verifies, and names the first edited, removed or reordered record by line and seq', () => {
    const text = log(4)
    const lines = text.trim().split('\n')
    expect(verifyLog(text)).toEqual({ ok: true, count: 4, last: JSON.parse(lines[3]!).hash, checkpoints: 0, signed: false })
    for (let i = 0; i < lines.length; i++) {
      // one byte changed anywhere in a record's content
      const edited = [...lines]
      edited[i] = edited[i]!.replace(`"i":${i}`, `"i":${i + 5}`)
      expect(verifyLog(edited.join('\n')), `line ${i + 1}`).toEqual({ ok: false, line: i + 1, seq: i, reason: 'its content does not match its hash (the record was edited)' })
    }
    expect(verifyLog([lines[0], lines[2], lines[3]].join('\n'))).toMatchObject({ ok: false, line: 2, seq: 2, reason: expect.stringMatching(/^does not link/) })
    expect(verifyLog([lines[1], lines[0]].join('\n'))).toMatchObject({ ok: false, line: 1, reason: expect.stringMatching(/^the log does not start its chain/) })
    expect(verifyLog(lines.slice(1).join('\n'))).toMatchObject({ ok: false, line: 1, seq: 1 })
    expect(verifyLog(`${lines[0]}\n{"oops"\n`)).toEqual({ ok: false, line: 2, reason: 'not valid JSON (a line cut short or corrupted)' })
  })
})

describe('the file sink', () => {
  it('a decision does not wait for the disk: while a write is stuck (a FIFO without reader), decisions keep returning', async () => {
    const fifo = join(tmp(), 'decisions.fifo')
    execFileSync('mkfifo', [fifo])
    const sink = createFileSink(fifo, { flushMs: 60_000, handleSignals: false })
    const guard = createGuard(groq, { sink })
    await guard(...EVIL(0))
    let flushed = false
    const flushing = sink.flush().then(() => (flushed = true)) // the write blocks opening the FIFO
    await sleep(30)
    const t0 = performance.now()
    for (let i = 1; i < 6; i++) expect((await guard(...EVIL(i))).decision).toBe('deny')
    expect(performance.now() - t0).toBeLessThan(1000)
    expect(flushed).toBe(false)
    const read = (): Promise<string> => new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      createReadStream(fifo).on('data', c => chunks.push(c as Buffer)).on('end', () => resolve(Buffer.concat(chunks).toString('utf8'))).on('error', reject)
    })
    const first = await read() // a reader arrives: the stuck write completes
    await flushing
    expect(first.trim().split('\n').map(l => JSON.parse(l).seq)).toEqual([0])
    const second = read()
    await sink.close!() // the records decided meanwhile were buffered, and are written now
    const rest = await second
    expect(rest.trim().split('\n').map(l => JSON.parse(l).seq)).toEqual([1, 2, 3, 4, 5])
    expect(verifyLog(first + rest)).toMatchObject({ ok: true, count: 6 })
  })

  it('buffers records until flushMs, maxBuffered, flush() or close()', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    const sink = createFileSink(file, { flushMs: 60_000, maxBuffered: 3, handleSignals: false })
    const guard = createGuard(groq, { sink })
    await guard(...EVIL(0))
    await guard(...EVIL(1))
    await sleep(20)
    expect(existsSync(file)).toBe(false) // decided, not yet on disk
    await guard(...EVIL(2)) // the third record reaches maxBuffered
    await sleep(50)
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3)
    await guard(...EVIL(3))
    await guard.flush()
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(4)
    await guard(...EVIL(4))
    await guard.close()
    expect(verifyLog(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, count: 5 })
    const timed = createGuard(groq, { sink: createFileSink(file, { flushMs: 5, handleSignals: false }) })
    await timed(...EVIL(5))
    await sleep(100)
    expect(verifyLog(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, count: 6 })
    await timed.close()
  })

  it('guards opened on the same path share one chain; reopening continues it', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    const a = createGuard(groq, { sink: file })
    const b = createGuard(groq, { sink: file })
    await Promise.all([a(...EVIL(0)), b(...EVIL(1)), a(...EVIL(2)), b(...EVIL(3))])
    await a.close()
    await b(...EVIL(4)) // still open for b
    await b.close()
    const c = createGuard(groq, { sink: createFileSink(file) })
    await c(...EVIL(5))
    await c.close()
    const text = readFileSync(file, 'utf8')
    expect(verifyLog(text)).toMatchObject({ ok: true, count: 6 })
    expect(text.trim().split('\n').map(l => JSON.parse(l).seq)).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('cuts an incomplete last line left by a crash, and continues after a last line without newline', async () => {
    const file = join(tmp(), 'decisions.jsonl')
    const g = createGuard(groq, { sink: file })
    for (let i = 0; i < 2; i++) await g(...EVIL(i))
    await g.close()
    appendFileSync(file, '{"time":"2026-11-24T12:00:00.000Z","policy":"groq-to')
    const errors: string[] = []
    const g2 = createGuard(groq, { sink: createFileSink(file, { onError: e => void errors.push(e.message) }) })
    await g2(...EVIL(2))
    await g2.close()
    expect(errors).toEqual([expect.stringMatching(/^dropped an incomplete last line \(\d+ bytes\)/)])
    expect(verifyLog(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, count: 3 })
    writeFileSync(file, readFileSync(file, 'utf8').trimEnd())
    const g3 = createGuard(groq, { sink: file })
    await g3(...EVIL(3))
    await g3.close()
    expect(verifyLog(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, count: 4 })
  })

  it('a failing disk never fails a decision; the records are kept and written once the disk recovers', async () => {
    const dir = join(tmp(), 'not-yet')
    const file = join(dir, 'decisions.jsonl')
    const errors: string[] = []
    const guardErrors: string[] = []
    const sink = createFileSink(file, { flushMs: 1, handleSignals: false, onError: e => void errors.push(e.message) })
    const guard = createGuard(groq, { sink, onError: e => void guardErrors.push(e.message) })
    expect((await guard(...EVIL(0))).decision).toBe('deny')
    await sleep(30)
    expect(errors[0]).toMatch(/^cannot write: ENOENT.*records kept in memory/)
    await expect(sink.flush()).rejects.toThrow(/ENOENT/)
    await guard.flush() // never rejects: reported through onError
    expect(guardErrors[0]).toMatch(/^decision log flush failed: ENOENT/)
    expect((await guard(...EVIL(1))).decision).toBe('deny')
    mkdirSync(dir)
    await guard.close()
    expect(verifyLog(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, count: 2 })
  })
})

describe('the file sink at process end (real child processes)', () => {
  const repo = resolve('.')
  const script = join(TMP, 'records-child.mts')
  const run = (mode: string, log: string): Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }> => {
    mkdirSync(TMP, { recursive: true })
    writeFileSync(script, `
      import { readFileSync } from 'node:fs'
      import { createFileSink, createGuard } from ${JSON.stringify(join(repo, 'src/index.ts'))}
      import { compileModule } from ${JSON.stringify(join(repo, 'test/support/compiled.ts'))}
      const [mode, log] = process.argv.slice(2)
      const { module } = await compileModule(readFileSync(${JSON.stringify(join(repo, 'policies/groq-tools.policy.yaml'))}, 'utf8'), 'groq-tools.policy.yaml')
      const guard = createGuard(module, { sink: createFileSink(log, { flushMs: 60_000, maxBuffered: 100_000 }) })
      const call = (i) => guard('fetch_external_api', { url: 'https://evil.invalid/' + i })
      if (mode === 'kill') {
        for (let i = 0; i < 3; i++) await call(i)
        await guard.flush()
        for (let i = 3; i < 5; i++) await call(i)
        process.kill(process.pid, 'SIGKILL')
      }
      if (mode === 'exit-in-flight') {
        // 3 records on disk, then 2,000 whose write has started (not finished) when the process exits
        for (let i = 0; i < 3; i++) await call(i)
        await guard.flush()
        for (let i = 3; i < 2003; i++) await call(i)
        void guard.flush()
        queueMicrotask(() => queueMicrotask(() => process.exit(0)))
        await new Promise(() => {})
      }
      if (mode === 'sigterm-app') process.on('SIGTERM', () => setTimeout(() => process.exit(0), 100))
      for (let i = 0; i < 3; i++) await call(i)
      if (mode === 'exit') process.exit(3)
      if (mode.startsWith('sigterm')) { setInterval(() => {}, 1000); process.kill(process.pid, 'SIGTERM') }
    `)
    return new Promise(resolve => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, mode, log], { cwd: repo })
      let stderr = ''
      child.stderr.on('data', d => (stderr += d))
      child.on('exit', (status, signal) => resolve({ status, signal, stderr }))
    })
  }

  it('process.exit() while a write is in flight leaves each record once, in order', async () => {
    const file = join(tmp(), 'in-flight.jsonl')
    expect(await run('exit-in-flight', file)).toMatchObject({ status: 0, stderr: '' })
    expect(verifyLog(readFileSync(file, 'utf8'))).toMatchObject({ ok: true, count: 2003 })
  }, 60_000)

  it('process.exit(), SIGTERM (alone or beside the app\'s handler) and a dry event loop write the buffered tail; SIGKILL loses only the unflushed tail', async () => {
    const dir = tmp()
    const modes = ['exit', 'sigterm', 'sigterm-app', 'end', 'kill'] as const
    const results = await Promise.all(modes.map(m => run(m, join(dir, `${m}.jsonl`))))
    const by = Object.fromEntries(modes.map((m, i) => [m, results[i]!]))
    expect(by['exit']).toMatchObject({ status: 3, stderr: '' })
    expect(by['sigterm']).toMatchObject({ status: null, signal: 'SIGTERM', stderr: '' }) // the default action still happens
    expect(by['sigterm-app']).toMatchObject({ status: 0, stderr: '' }) // the app's own handler decides the exit
    expect(by['end']).toMatchObject({ status: 0, stderr: '' })
    expect(by['kill']).toMatchObject({ signal: 'SIGKILL' })
    for (const m of ['exit', 'sigterm', 'sigterm-app', 'end', 'kill']) expect(verifyLog(readFileSync(join(dir, `${m}.jsonl`), 'utf8')), m).toMatchObject({ ok: true, count: 3 })
    // after the crash the log reopens and its chain continues
    const g = createGuard(groq, { sink: join(dir, 'kill.jsonl') })
    await g(...EVIL(9))
    await g.close()
    expect(verifyLog(readFileSync(join(dir, 'kill.jsonl'), 'utf8'))).toMatchObject({ ok: true, count: 4 })
    rmSync(script, { force: true })
  })
})

describe('export', () => {
  const records = (): string => {
    const chain = new Chain()
    const base: UnsignedRecord = { time: '2026-11-24T12:00:00.000Z', policy: 'p', digest: 'd', tool: 'send_sms', decision: 'deny', args: {} }
    return [
      { ...base, rule: 'r1', reason: 'has, comma and "quotes"\nand a newline', args: { to: '+1555' } },
      { ...base, time: '2026-11-24T13:00:00.000Z', tool: 'fetch', decision: 'allow', reason: '=HYPERLINK("http://evil.invalid","x")', args: '@SUM(A1)' },
      { ...base, time: '2026-11-25T09:00:00.000Z', decision: 'review', reason: '-2+3', approvalId: 'id-1', resolvedBy: '+ops', context: { local_hour: 9 } },
    ].map(r => `${JSON.stringify(chain.seal(r as UnsignedRecord))}\n`).join('')
  }
  it('CSV quotes commas, quotes and newlines, and defuses formula prefixes', () => {
    const csv = exportLog(records(), { format: 'csv' })
    const lines = csv.split('\r\n')
    expect(lines[0]).toBe('seq,time,policy,digest,tool,decision,rule,reason,severity,warnings,approvalId,resolvedBy,args,context,prev,hash')
    expect(csv).toContain(',r1,"has, comma and ""quotes""\nand a newline",,,,,"{""to"":""+1555""}",,')
    expect(csv).toContain(`,allow,,"'=HYPERLINK(""http://evil.invalid"",""x"")",,,,,'@SUM(A1),,`)
    expect(csv).toContain(",review,,'-2+3,,,id-1,'+ops,{},\"{\"\"local_hour\"\":9}\",")
  })
  it('filters by tool, decision, rule and time window', () => {
    const text = records()
    const seqs = (o: Parameters<typeof exportLog>[1]): number[] => exportLog(text, { ...o, format: 'jsonl' }).trim().split('\n').filter(Boolean).map(l => JSON.parse(l).seq)
    expect(seqs({ format: 'jsonl', tool: 'send_sms' })).toEqual([0, 2])
    expect(seqs({ format: 'jsonl', decision: 'allow' })).toEqual([1])
    expect(seqs({ format: 'jsonl', rule: 'r1' })).toEqual([0])
    expect(seqs({ format: 'jsonl', since: '2026-11-24T13:00:00Z' })).toEqual([1, 2])
    expect(seqs({ format: 'jsonl', since: '2026-11-24T14:00:00+01:00', until: '2026-11-25' })).toEqual([1])
    expect(() => exportLog(text, { format: 'csv', since: 'yesterday' })).toThrow('since is not a date: `yesterday`')
    expect(() => exportLog(`${text}nope\n`, { format: 'csv' })).toThrow('line 4 is not valid JSON')
  })
})
