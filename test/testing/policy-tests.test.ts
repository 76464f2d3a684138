import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'
import { run } from '../../src/cli.js'
import { assertPolicyTests, findTestFiles, runPolicyTests } from '../../src/testing/index.js'

async function vetoc(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const status = await run(args, { stdout: s => (stdout += s), stderr: s => (stderr += s) })
  return { status, stdout, stderr }
}

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'vetoc-policy-tests-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(d, name)), { recursive: true })
    writeFileSync(join(d, name), text)
  }
  return d
}

const POLICY = `version: "1.0"
name: sms
default: allow
tools:
  send_sms:
    parameters: { type: object, properties: { to: { type: string }, body: { type: string } }, required: [to, body] }
rules:
  - id: no_links
    tool: send_sms
    when: "args.body.includes('http') || args.body.includes('www.')"
    action: review
    message: links need a person
  - id: per_recipient
    tool: send_sms
    limit: { max: 1, per: 1h, key: args.to }
    action: deny
`

describe('the shipped policies', () => {
  const files = findTestFiles('policies')
  it('each has a test file', () => {
    expect(files.map(f => f.replace(/\.test\.yaml$/, '.yaml')).sort()).toEqual(['policies/agent-session.policy.yaml', 'policies/gemini-safety.policy.yaml', 'policies/groq-tools-context.policy.yaml', 'policies/groq-tools.policy.yaml', 'policies/web-fetch.policy.yaml', 'policies/workspace.policy.yaml'])
  })
  for (const f of files) {
    it(`${f} holds and covers every rule and condition`, async () => {
      await assertPolicyTests(f)
      const r = await runPolicyTests(f, { coverage: true })
      expect(r.coverage!.percent).toBe(100)
      expect(r.coverage!.conditions.length).toBeGreaterThan(0)
    })
  }
})

describe('vetoc test', () => {
  it('passes, and a failing case names its line, the expected and the actual decision, rule and reason', async () => {
    const d = dir({
      'sms.policy.yaml': POLICY,
      'sms.policy.test.yaml': `cases:
  - { tool: send_sms, args: { to: "1", body: hi }, expect: allow }
  - name: wrong on purpose
    tool: send_sms
    args: { to: "1", body: "see http://x.invalid" }
    expect: { decision: deny, rule: per_recipient }
`,
    })
    const r = await vetoc('test', d)
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(`sms.policy.test.yaml:3:5: fail: \`wrong on purpose\` failed`)
    expect(r.stdout).toContain('expected: deny (rule `per_recipient`)')
    expect(r.stdout).toContain('actual:   review (rule `no_links`): links need a person')
    expect(r.stdout).toContain('1 passed, 1 failed')
    await expect(assertPolicyTests(join(d, 'sms.policy.test.yaml'))).rejects.toThrow(/1 of 2 policy test cases failed/)
  })

  it('sessions share one clock and one limit store; approved reviews count against limits', async () => {
    const d = dir({
      'sms.policy.yaml': POLICY,
      'sms.policy.test.yaml': `sessions:
  - name: one per hour
    steps:
      - { tool: send_sms, args: { to: "1", body: "http://a" }, approve: true, now: "2026-01-01T10:00:00Z", expect: review }
      - { tool: send_sms, args: { to: "1", body: hi }, now: "2026-01-01T10:30:00Z", expect: { decision: deny, rule: per_recipient } }
      - { tool: send_sms, args: { to: "1", body: hi }, now: "2026-01-01T11:00:01Z", expect: allow }
  - name: a refused review does not count
    steps:
      - { tool: send_sms, args: { to: "1", body: "http://a" }, expect: review }
      - { tool: send_sms, args: { to: "1", body: hi }, expect: allow }
cases:
  - { tool: send_sms, args: { to: "1", body: hi }, expect: allow }
  - { tool: send_sms, args: { to: "1", body: hi }, expect: allow }
`,
    })
    const r = await runPolicyTests(join(d, 'sms.policy.test.yaml'))
    expect(r.results.filter(c => !c.passed).map(c => c.message)).toEqual([])
    expect(r.status).toBe('passed')
    expect(r.results).toHaveLength(7)
  })

  it('an invalid test file is a diagnostic with a code frame and a did-you-mean (exit 2)', async () => {
    const d = dir({
      'sms.policy.yaml': POLICY,
      'sms.policy.test.yaml': `cases:
  - { tool: send_sms, args: { to: "1", body: hi }, expct: allow }
`,
    })
    const r = await vetoc('test', join(d, 'sms.policy.test.yaml'))
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('sms.policy.test.yaml:2:52: error: unknown key `expct` in a case')
    expect(r.stderr).toContain('help: did you mean `expect`?')
    expect(r.stderr).toMatch(/\n2 \|   - \{ tool: send_sms.*\n {2}\| +\^{5}/)
  })

  it('an unknown tool or rule in a test is an error at its place, with the policy’s names', async () => {
    const d = dir({
      'sms.policy.yaml': POLICY,
      'sms.policy.test.yaml': `cases:
  - { tool: send_smss, args: {}, expect: allow }
  - { tool: send_sms, args: { to: "1", body: hi }, expect: { decision: deny, rule: no_link } }
  - { tool: __proto__, args: {}, expect: { decision: deny, rule: constructor } }
`,
    })
    const r = await vetoc('test', d)
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('sms.policy.test.yaml:2:13: error: unknown tool `send_smss` in a test')
    expect(r.stderr).toContain('did you mean `send_sms`?')
    expect(r.stderr).toContain('error: unknown rule `no_link` in an expectation')
    expect(r.stderr).toContain('did you mean `no_links`?')
    expect(r.stderr).toContain('unknown tool `__proto__`')
    expect(r.stderr).toContain('unknown rule `constructor`')
  })

  it('a broken policy, a missing policy and bad values are invalid, not passing', async () => {
    const d = dir({
      'bad.policy.yaml': 'version: "1.0"\nname: x\nrules:\n  - id: a\n    action: nope\n',
      'bad.policy.test.yaml': 'cases:\n  - { tool: t, expect: allow }\n',
      'lonely.policy.test.yaml': 'cases:\n  - { tool: t, expect: allow }\n',
      'values.policy.test.yaml': 'policy: ./bad.policy.yaml\ncases:\n  - { tool: t, now: yesterday, expect: maybe }\n',
    })
    expect((await runPolicyTests(join(d, 'bad.policy.test.yaml'))).status).toBe('invalid')
    const lonely = await runPolicyTests(join(d, 'lonely.policy.test.yaml'))
    expect(lonely.diagnostics).toContain('cannot read the policy')
    const values = await runPolicyTests(join(d, 'values.policy.test.yaml'))
    expect(values.diagnostics).toContain('`now` must be an ISO 8601 time')
    expect(values.diagnostics).toContain('unknown expected decision `maybe`')
    expect((await vetoc('test', d)).status).toBe(2)
  })

  it('--coverage counts each || operand both ways, writes JSON and lcov at YAML lines, and --min-coverage fails below', async () => {
    const d = dir({
      'sms.policy.yaml': POLICY,
      'sms.policy.test.yaml': `cases:
  - { tool: send_sms, args: { to: "1", body: "see http://x" }, expect: review }
  - { tool: send_sms, args: { to: "1", body: hi }, expect: allow }
`,
    })
    const out = join(d, 'cov')
    const r = await vetoc('test', d, '--coverage', '--coverage-dir', out, '--min-coverage', '90')
    expect(r.status).toBe(1)
    expect(r.stdout).toContain('✗ rule per_recipient (line 13): matched 2, limit reached 0')
    // `args.body.includes('www.')` ran only when the first operand was false, and was never true
    expect(r.stdout).toMatch(/✗ \S*sms\.policy\.yaml:10:42 `args\.body\.includes\('www\.'\)`: true 0, false 1/)
    expect(r.stdout).toContain('below --min-coverage 90')
    const json = JSON.parse(readFileSync(join(out, 'vetoc-coverage.json'), 'utf8'))
    expect(json[0].rules.map((x: { id: string }) => x.id)).toEqual(['no_links', 'per_recipient'])
    const lcov = readFileSync(join(out, 'vetoc.lcov'), 'utf8')
    expect(lcov).toContain(`SF:${join(d, 'sms.policy.yaml')}`)
    expect(lcov).toContain('FN:8,no_links')
    expect(lcov).toMatch(/BRDA:10,\d+,1,1/)
    expect((await vetoc('test', d, '--coverage-dir', out, '--min-coverage', '50')).status).toBe(0)
  })

  it('a condition_groups group of one condition is counted once per call, not once as group and once as condition', async () => {
    const d = dir({
      'g.policy.yaml': 'tools:\n  t:\n    parameters: { type: object, properties: { a: { type: string }, b: { type: number } } }\nrules:\n  - id: r\n    tool: t\n    action: deny\n    condition_groups:\n      - [ { field: arguments.a, operator: equals, value: x } ]\n      - [ { field: arguments.b, operator: greater_than, value: 3 }, { field: arguments.a, operator: equals, value: y } ]\n',
      'g.policy.test.yaml': 'cases:\n  - { tool: t, args: { a: x }, expect: deny }\n  - { tool: t, args: { a: z, b: 1 }, expect: allow }\n',
    })
    const r = await runPolicyTests(join(d, 'g.policy.test.yaml'), { coverage: true })
    const single = r.coverage!.conditions.find(c => c.line === 9 && c.text.startsWith('{ field: arguments.a'))!
    expect(single).toMatchObject({ whenTrue: 1, whenFalse: 1 })
  })

  it('a policy that extends a pack: its tests run through `extends:`, and coverage points into the pack', async () => {
    const d = dir({
      'app.policy.yaml': 'version: "1.0"\nname: app\nextends: [./packs/sms.policy.yaml]\ndefault: allow\ntools:\n  send_sms:\n    parameters: { type: object, properties: { to: { type: string }, body: { type: string } }, required: [to, body] }\nrules:\n  - { id: own_rule, tool: send_sms, when: "args.to == \'0\'", action: deny }\n',
      'packs/sms.policy.yaml': 'name: sms-pack\nrules:\n  - id: no_links\n    tool: send_sms\n    when: "args.body.includes(\'http\')"\n    action: review\n',
      'app.policy.test.yaml': `cases:
  - { tool: send_sms, args: { to: "1", body: "see http://x" }, expect: { decision: review, rule: no_links } }
  - { tool: send_sms, args: { to: "1", body: hi }, expect: allow }
`,
    })
    const out = join(d, 'cov')
    const r = await vetoc('test', join(d, 'app.policy.test.yaml'), '--coverage', '--coverage-dir', out)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    // the pack's rule and condition are shown at the pack's own lines, the policy's at its own
    expect(r.stdout).toMatch(/✓ rule no_links \(\S*packs\/sms\.policy\.yaml:3\): matched 1/)
    expect(r.stdout).toMatch(/✓ \S*packs\/sms\.policy\.yaml:5:12 `args\.body\.includes\('http'\)`: true 1, false 1/)
    expect(r.stdout).toContain('✗ rule own_rule (line 9): matched 0')
    const lcov = readFileSync(join(out, 'vetoc.lcov'), 'utf8')
    const records = lcov.split('end_of_record\n').filter(Boolean)
    expect(records.map(x => x.match(/^SF:(.*)$/m)![1])).toEqual([join(d, 'app.policy.yaml'), join(d, 'packs/sms.policy.yaml')])
    expect(records[1]).toContain('FN:3,no_links')
    expect(records[1]).not.toContain('own_rule')
    expect(records[0]).toContain('FN:9,own_rule')

    // a mistake inside the pack is shown in the pack, not as "no way to read other files"
    writeFileSync(join(d, 'packs/sms.policy.yaml'), 'name: sms-pack\nrules:\n  - id: no_links\n    tool: send_sms\n    when: "args.body.inclodes(\'http\')"\n    action: review\n')
    const broken = await vetoc('test', join(d, 'app.policy.test.yaml'))
    expect(broken.status).toBe(2)
    expect(broken.stderr).toMatch(/packs\/sms\.policy\.yaml:5:\d+: error/)
    expect(broken.stderr).toContain('inclodes')
  })

  it('the instrumented build is separate: the normal build has no counters and does not change', () => {
    const source = readFileSync('policies/groq-tools-context.policy.yaml', 'utf8')
    const plain = compile(source, { filename: 'p.yaml' })
    const instrumented = compile(source, { filename: 'p.yaml', coverage: true })
    expect(compile(source, { filename: 'p.yaml' }).code).toBe(plain.code)
    expect(plain.code).not.toMatch(/\bcov\(|coverage/)
    expect(instrumented.code).toMatch(/export const coverage = /)
    expect(instrumented.code).not.toMatch(/\bimport\b|\beval\(|Function\(/)
  })
})
