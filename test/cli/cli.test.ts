import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { run } from '../../src/cli.js'
import { Chain, type UnsignedRecord } from '../../src/records/index.js'
import type { CompiledPolicy } from '../../src/types.js'
import { argsOf, expected, loadCorpus, observed } from '../support/corpus.js'

/** The real binary entry, as a user runs it (through tsx, so no build is needed). */
function vetoc(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function vetocAsync(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args])
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    child.on('close', status => resolve({ status, stdout, stderr }))
  })
}

async function inProcess(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const status = await run(args, { stdout: s => void (stdout += s), stderr: s => void (stderr += s) })
  return { status, stdout, stderr }
}

describe('vetoc basics', () => {
  it('--version prints the version in package.json', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
    for (const flag of ['--version', '-v']) expect(vetoc(flag)).toMatchObject({ status: 0, stdout: `${pkg.version}\n`, stderr: '' })
  })
  it('a mistyped flag gets a did-you-mean, not parseArgs text (exit 2)', async () => {
    const cases: [string[], string][] = [
      [['compile', 'p.yaml', '--otu', 'x'], 'vetoc: `vetoc compile` has no option `--otu`; did you mean `--out`?\n'],
      [['eval', 'p.yaml', '--tool', 't', '--agrs', '{}'], 'vetoc: `vetoc eval` has no option `--agrs`; did you mean `--args`?\n'],
      [['check', 'p.yaml', '--zzzzzz'], 'vetoc: `vetoc check` has no option `--zzzzzz`\n'],
      [['check', 'p.yaml', '--ts=yes'], 'vetoc: `--ts` takes no value\n'],
      [['compile', 'p.yaml', '--out'], 'vetoc: `--out` needs a value\n'],
      [['compile', 'p.yaml', '--out', '--ts'], 'vetoc: `--out` needs a value\n'],
      [['comple', 'p.yaml'], 'vetoc: unknown command `comple`; did you mean `compile`?\n'],
    ]
    for (const [args, first] of cases) {
      const r = await inProcess(...args)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr.split('\n')[0] + '\n').toBe(first)
      expect(r.stderr).not.toMatch(/positional|ERR_PARSE_ARGS|Unknown option/)
    }
    const log = await inProcess('log', 'export', 'x.jsonl', '--decison', 'review')
    expect(log.status).toBe(2)
    expect(log.stderr).toMatch(/^vetoc: `vetoc log export` has no option `--decison`; did you mean `--decision`\?\n/)
  })
  it('`vetoc eval` without --args is a usage error, not a silent `{}`', async () => {
    const r = await inProcess('eval', 'policies/gemini-safety.policy.yaml', '--tool', 'delete_file')
    expect(r).toMatchObject({ status: 2, stdout: '' })
    expect(r.stderr).toMatch(/^vetoc: `vetoc eval` needs `--args '<json>'`/)
    expect((await inProcess('eval', 'policies/gemini-safety.policy.yaml', '--tool', 'delete_file', '--args', '{}')).status).toBe(0)
  })
})

describe('vetoc check', () => {
  it('reports no errors on the shipped policies (exit 0)', () => {
    const r = vetoc('check', 'policies/groq-tools.policy.yaml', 'policies/groq-tools-context.policy.yaml', 'policies/gemini-safety.policy.yaml')
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('checked 3 policies: no errors\n')
    expect(r.status).toBe(0)
  })
  it('reports every diagnostic as file:line:col with a frame, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vetoc-cli-'))
    const bad = join(dir, 'bad.policy.yaml')
    writeFileSync(bad, 'rules:\n  - id: a\n    tool: t\n    actoin: deny\n  - id: b\n    tool: t\n    action: deny\n    when: "args.x = 1"\n')
    const r = vetoc('check', bad)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`${bad}:4:5: error: unknown key \`actoin\` in rule \`a\``)
    expect(r.stderr).toContain('= help: did you mean `action`?')
    expect(r.stderr).toContain(`${bad}:8:12: error: assignment is not allowed in a \`when\` expression`)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
  it('a missing file and a bad flag are usage errors (exit 2), not stack traces', () => {
    const r = vetoc('check', 'nope.yaml')
    expect(r.status).toBe(2)
    expect(r.stderr).toBe('vetoc: cannot read `nope.yaml`: ENOENT\nrun `vetoc --help` for usage\n')
    expect(vetoc('eval', 'policies/gemini-safety.policy.yaml', '--tool', 'delete_file', '--args', '{nope').stderr).toMatch(/^vetoc: --args is not valid JSON/)
  })
})

describe('vetoc compile', () => {
  it('--js writes an importable module, its types and a source map', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vetoc-out-'))
    const r = vetoc('compile', 'policies/gemini-safety.policy.yaml', '--out', out, '--js')
    expect(r.status).toBe(0)
    for (const f of ['gemini-safety.policy.js', 'gemini-safety.policy.d.ts', 'gemini-safety.policy.js.map']) expect(existsSync(join(out, f))).toBe(true)
    expect(existsSync(join(out, 'gemini-safety.policy.ts'))).toBe(false)
    const mod = (await import(pathToFileURL(join(out, 'gemini-safety.policy.js')).href)) as CompiledPolicy
    expect(mod.evaluate('delete_file', { path: '/etc/passwd' })).toMatchObject({ decision: 'review', rule: 'require-approval-deletes' })
    expect(JSON.parse(readFileSync(join(out, 'gemini-safety.policy.js.map'), 'utf8')).sources).toEqual(['policies/gemini-safety.policy.yaml'])
  })
  it('a folder governed by a tsconfig.json gets the .ts module; without one, the .js module; the other kind is removed', async () => {
    const app = mkdtempSync(join(tmpdir(), 'vetoc-kind-'))
    writeFileSync(join(app, 'package.json'), '{"type":"module"}')
    const out = join(app, 'src', 'generated')
    const files = (): string[] => readdirSync(out).sort()
    expect((await inProcess('compile', 'policies/gemini-safety.policy.yaml', '--out', out)).status).toBe(0)
    expect(files()).toEqual(['gemini-safety.policy.d.ts', 'gemini-safety.policy.js', 'gemini-safety.policy.js.map'])
    writeFileSync(join(app, 'tsconfig.json'), '{}')
    const ts = await inProcess('compile', 'policies/gemini-safety.policy.yaml', '--out', out)
    expect(ts.status).toBe(0)
    expect(ts.stdout).toContain(`TypeScript project (${join(app, 'tsconfig.json')}): writing .ts modules; --js writes .js + .d.ts instead`)
    expect(files()).toEqual(['gemini-safety.policy.ts'])
    expect(readFileSync(join(out, 'gemini-safety.policy.ts'), 'utf8')).toMatch(/^\/\/ @ts-nocheck[\s\S]*export function evaluate[<(]/)
    expect((await inProcess('compile', 'policies/gemini-safety.policy.yaml', '--out', out, '--js')).status).toBe(0)
    expect(files()).toEqual(['gemini-safety.policy.d.ts', 'gemini-safety.policy.js', 'gemini-safety.policy.js.map'])
    expect((await inProcess('compile', 'policies/gemini-safety.policy.yaml', '--out', out, '--ts', '--js')).status).toBe(2)
  })
})

describe('vetoc eval', () => {
  it('prints the Decision as JSON (real process)', () => {
    const r = vetoc('eval', 'policies/groq-tools.policy.yaml', '--tool', 'send_sms', '--args', '{"to":"+1","body":"x"}', '--now', '2026-11-24T13:00:00Z')
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ decision: 'deny', rule: 'sms_business_hours', reason: 'SMS may only be sent between 09:00 and 20:00 New York time', severity: 'low' })
  })
  for (const c of loadCorpus().filter(c => c.policyPath.includes('/policies/'))) {
    it(`gives the corpus decisions for ${c.name}, every rule both ways and hostile arguments`, async () => {
      for (const call of c.calls) {
        const args = ['eval', c.policyPath, '--tool', call.tool, '--args', call.argsJson ?? JSON.stringify(argsOf(call) ?? null), '--now', call.now ?? '2026-11-24T17:00:00Z']
        if (call.context !== undefined) args.push('--context', JSON.stringify(call.context))
        const r = await inProcess(...args)
        expect(r.status, call.description).toBe(0)
        const d = JSON.parse(r.stdout)
        expect(observed(d, call), call.description).toEqual(expected(call))
      }
    })
  }
})

describe('vetoc log', () => {
  it('verify passes an intact log and names the first edited record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vetoc-log-'))
    const log = join(dir, 'decisions.jsonl')
    execFileSync(process.execPath, ['--import', 'tsx', '-e', `
      import { createGuard, createFileSink } from './src/index.ts'
      import { compile } from './compiler/index.ts'
      import { readFileSync, writeFileSync } from 'node:fs'
      const out = compile(readFileSync('policies/gemini-safety.policy.yaml', 'utf8'), { filename: 'g.yaml' })
      writeFileSync(${JSON.stringify(join(dir, 'g.mjs'))}, out.code)
      const mod = await import(${JSON.stringify(pathToFileURL(join(dir, 'g.mjs')).href)})
      const guard = createGuard(mod, { sink: createFileSink(${JSON.stringify(log)}) })
      for (const p of ['/tmp/a', '/etc/b', '/tmp/c']) await guard('delete_file', { path: p })
      await guard.close()
    `], { encoding: 'utf8' })
    const text = readFileSync(log, 'utf8')
    const last = JSON.parse(text.trim().split('\n')[2]!).hash
    expect(vetoc('log', 'verify', log)).toMatchObject({ status: 0, stdout: `${log}: 3 records, chain intact (last hash ${last})\n${log}: note: no --key given, so this proves nothing against anyone who can rewrite the file: they can cut it, append to it or edit it and recompute every hash. Verify with --key public.pem\n` })
    const lines = text.split('\n')
    lines[1] = lines[1]!.replace('/etc/b', '/etc/c') // one byte
    writeFileSync(log, lines.join('\n'))
    const r = vetoc('log', 'verify', log)
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(`${log}:2: error: record at line 2 (seq 1): its content does not match its hash (the record was edited)\n`)
    writeFileSync(log, text)
    const csv = vetoc('log', 'export', log, '--decision', 'review')
    expect(csv.stdout.trim().split('\r\n')).toHaveLength(2)
  })

  it('export writes RFC 4180 CSV with formula prefixes defused, and filters (real process)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vetoc-export-'))
    const log = join(dir, 'decisions.jsonl')
    const chain = new Chain()
    const base: UnsignedRecord = { time: '2026-11-24T12:00:00.000Z', policy: 'p', digest: 'd', tool: 'send_sms', decision: 'deny', args: {} }
    const rows: UnsignedRecord[] = [
      { ...base, rule: 'r1', reason: 'a, b and "c"\nnext line', args: { to: '+1555', body: '=1+1' } },
      { ...base, time: '2026-11-24T13:00:00.000Z', tool: 'fetch', decision: 'allow', reason: '=HYPERLINK("http://evil.invalid","click")', args: '@SUM(A1:A9)' },
      { ...base, time: '2026-11-25T09:00:00.000Z', decision: 'review', reason: '-1', approvalId: 'id-1', resolvedBy: '+ops' },
    ]
    writeFileSync(log, rows.map(r => `${JSON.stringify(chain.seal(r))}\n`).join(''))
    const [csv, jsonl, window, badDecision, badDate, verifyFlag] = await Promise.all([
      vetocAsync('log', 'export', log),
      vetocAsync('log', 'export', log, '--format', 'jsonl', '--tool', 'send_sms', '--decision', 'review'),
      vetocAsync('log', 'export', log, '--format', 'jsonl', '--since', '2026-11-24T12:30:00Z', '--until', '2026-11-25'),
      vetocAsync('log', 'export', log, '--decision', 'maybe'),
      vetocAsync('log', 'export', log, '--since', 'last tuesday'),
      vetocAsync('log', 'verify', log, '--tool', 'x'),
    ])
    expect(csv).toMatchObject({ status: 0, stderr: '' })
    const table = parseCsv(csv.stdout)
    expect(table[0]).toEqual(['seq', 'time', 'policy', 'digest', 'tool', 'decision', 'rule', 'reason', 'severity', 'warnings', 'approvalId', 'resolvedBy', 'args', 'context', 'prev', 'hash'])
    expect(table.slice(1).map(r => [r[0], r[7], r[11], r[12]])).toEqual([
      ['0', 'a, b and "c"\nnext line', '', '{"to":"+1555","body":"=1+1"}'],
      ['1', `'=HYPERLINK("http://evil.invalid","click")`, '', "'@SUM(A1:A9)"],
      ['2', "'-1", "'+ops", '{}'],
    ])
    // no cell of the output starts with a formula character
    expect(table.flat().filter(c => /^[=+\-@]/.test(c))).toEqual([])
    expect(jsonl).toMatchObject({ status: 0 })
    expect(jsonl.stdout.trim().split('\n').map(l => JSON.parse(l).seq)).toEqual([2])
    expect(window.stdout.trim().split('\n').map(l => JSON.parse(l).seq)).toEqual([1])
    expect(badDecision).toMatchObject({ status: 2, stdout: '', stderr: 'vetoc: --decision must be allow, review or deny, got `maybe`\n' })
    expect(badDate).toMatchObject({ status: 2, stderr: 'vetoc: --since is not a date: `last tuesday`\n' })
    expect(verifyFlag.status).toBe(2)
    // a tampered log still exports, with a warning naming the first bad record
    writeFileSync(log, readFileSync(log, 'utf8').replace('"+1555"', '"+1556"'))
    const tampered = await vetocAsync('log', 'export', log, '--format', 'jsonl')
    expect(tampered.status).toBe(0)
    expect(tampered.stderr).toBe(`${log}:1: warning: the log does not verify (its content does not match its hash (the record was edited)); exported anyway\n`)
  })
})

/** RFC 4180 reader, to check the CLI's quoting round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++ }
      else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') { row.push(cell); cell = '' }
    else if (ch === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++ }
    else cell += ch
  }
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row) }
  return rows
}
