/**
 * Regex analysis fails closed, and polynomial regexes run behind an input-length bound:
 * - a verdict other than `safe` / `vulnerable` (timeout, cancel, unsupported, unexpected) is an error;
 * - a polynomial regex compiles with a warning that names its bound (`regex_input_limit`); a longer
 *   input never runs the regex and goes to the fail mode with a reason;
 * - exponential regexes, and polynomial ones in a tool schema (no bound can guard the validator),
 *   stay errors.
 */
import { checkSync, type Diagnostics } from 'recheck'
import { describe, expect, it } from 'vitest'
import { analyze } from '../../compiler/analyze.js'
import { boundFor, judge } from '../../compiler/check/regex.js'
import type { Diagnostic } from '../../compiler/diagnostic.js'
import type { RegexLit } from '../../compiler/ir.js'
import { DEFAULT_REGEX_INPUT_LIMIT } from '../../compiler/lower/lowerer.js'
import { compileModule } from '../support/compiled.js'
import { expectDiagnostic } from '../support/diagnostics.js'

const S = { start: 0, end: 1 }

describe('a regex the analyser could not judge is refused', () => {
  const unknown: Diagnostics[] = [
    { source: 'x', flags: '', status: 'unknown', error: { kind: 'timeout' } },
    { source: 'x', flags: '', status: 'unknown', error: { kind: 'cancel' } },
    { source: 'x', flags: '', status: 'unknown', error: { kind: 'unsupported', message: 'lookbehind' } },
    { source: 'x', flags: '', status: 'unknown', error: { kind: 'unexpected', message: 'internal' } },
  ]
  for (const v of unknown) {
    it(`a \`${(v as { error: { kind: string } }).error.kind}\` verdict is an error, never safe`, () => {
      const out: Diagnostic[] = []
      const rx: RegexLit = { kind: 'regex', source: 'x', flags: '', span: S }
      judge(rx, v, out, 4096)
      expect(out.map(d => [d.code, d.severity])).toEqual([['regex-unanalysed', 'error']])
      expect(out[0]!.message).toMatch(/could not be checked for catastrophic backtracking/)
      expect(rx.inputLimit).toBeUndefined()
    })
  }

  it('a real timeout from the analyser (1 ms budget on a slow pattern) is refused', () => {
    const v = checkSync('chmod\\s+.*777', '', { timeout: 1 })
    expect(v.status).toBe('unknown')
    const out: Diagnostic[] = []
    judge({ kind: 'regex', source: 'chmod\\s+.*777', flags: '', span: S }, v, out, 4096)
    expect(out.map(d => d.code)).toEqual(['regex-unanalysed'])
  })

  it('a safe verdict passes with nothing to say', () => {
    const out: Diagnostic[] = []
    judge({ kind: 'regex', source: '^a', flags: '', span: S }, checkSync('^a', ''), out, 4096)
    expect(out).toEqual([])
  })
})

const rule = (pattern: string, extra = ''): string => `${extra}tools:\n  shell: {}\nrules:\n  - id: no-chmod\n    tool: shell\n    action: deny\n    conditions: [{ field: arguments.cmd, operator: matches, value: '${pattern}' }]\n`

describe('polynomial regexes run behind an input bound', () => {
  it('Veto\'s `chmod\\s+.*777` and `^\\s+|\\s+$` compile, with a warning naming the bound', () => {
    for (const p of ['chmod\\s+.*777', '^\\s+|\\s+$']) {
      const d = expectDiagnostic(rule(p), { code: 'regex-bounded', underline: `'${p}'` })
      expect(d.severity).toBe('warning')
      expect(d.message).toContain(`up to ${DEFAULT_REGEX_INPUT_LIMIT} characters`)
      expect(d.message).toContain('degree 2')
      expect(d.help).toContain(`regex_input_limit: ${DEFAULT_REGEX_INPUT_LIMIT}`)
      expect(analyze(rule(p), { filename: 'p.policy.yaml' }).policy).not.toBeNull()
    }
  })

  it('a longer input does not run the regex: the fail mode decides, and says why', async () => {
    const { module } = await compileModule(rule('chmod\\s+.*777', 'regex_input_limit: 100\n'))
    expect(module.evaluate('shell', { cmd: 'chmod  777 /' })).toMatchObject({ decision: 'deny', rule: 'no-chmod' })
    expect(module.evaluate('shell', { cmd: 'ls'.padEnd(100) }).decision).toBe('allow')
    const long = `chmod${'\t'.repeat(200)}`
    const d = module.evaluate('shell', { cmd: long })
    expect(d).toMatchObject({ decision: 'deny', ruleIndex: -1 })
    expect(d.reason).toBe('evaluation error: the input (205 characters) is longer than the 100 characters regex `/chmod\\s+.*777/` may run on (regex_input_limit): not tested')
    // the adversarial input the issue timed: far past the bound, it is refused without running
    expect(module.evaluate('shell', { cmd: `chmod\t${'\t'.repeat(50_000)}chmod\n777` }).decision).toBe('deny')
  })

  it('under fail_mode open the bounded rule is skipped, and another rule still denies', async () => {
    const { module } = await compileModule(`fail_mode: open\n${rule('chmod\\s+.*777')}  - id: no-rm\n    tool: shell\n    action: deny\n    when: "args.cmd.startsWith('rm')"\n`)
    const long = `rm ${'x'.repeat(DEFAULT_REGEX_INPUT_LIMIT)}`
    expect(module.evaluate('shell', { cmd: long })).toMatchObject({ decision: 'deny', rule: 'no-rm', errors: [expect.stringMatching(/^rule `no-chmod` skipped: the input/)] })
  })

  it('the bound applies to `match` and `test` in `when` too', async () => {
    const { module } = await compileModule(`regex_input_limit: 50\ntools:\n  shell: {}\nrules:\n  - id: a\n    tool: shell\n    action: deny\n    when: "args.cmd.match(/^\\\\s+|\\\\s+$/) != null || /chmod\\\\s+.*777/.test(args.other ?? '')"\n`)
    expect(module.evaluate('shell', { cmd: ' x' }).rule).toBe('a')
    expect(module.evaluate('shell', { cmd: 'x' }).decision).toBe('allow')
    expect(module.evaluate('shell', { cmd: 'x'.repeat(51) }).reason).toMatch(/longer than the 50 characters regex `\/\^\\s\+\|\\s\+\$\/`/)
    expect(module.evaluate('shell', { cmd: 'x', other: 'y'.repeat(51) }).reason).toMatch(/longer than the 50 characters regex `\/chmod/)
  })

  it('the bound holds where the argument is a schema-proved string (the forms that call the regex directly)', async () => {
    const tools = 'regex_input_limit: 50\ntools:\n  shell:\n    parameters: { type: object, properties: { cmd: { type: string } }, required: [cmd] }\nrules:\n'
    for (const r of [
      '  - id: a\n    tool: shell\n    action: deny\n    when: "/chmod\\\\s+.*777/.test(args.cmd)"\n',
      '  - id: a\n    tool: shell\n    action: deny\n    when: "args.cmd.match(/chmod\\\\s+.*777/) != null"\n',
      '  - id: a\n    tool: shell\n    action: deny\n    when: "args.cmd.match(/chmod\\\\s+.*777/)"\n',
      "  - id: a\n    tool: shell\n    action: deny\n    conditions: [ { field: args.cmd, operator: matches, value: 'chmod\\s+.*777' } ]\n",
    ]) {
      const { module } = await compileModule(tools + r)
      expect(module.evaluate('shell', { cmd: 'chmod  777' }).rule, r).toBe('a')
      expect(module.evaluate('shell', { cmd: 'chmod 644' }).decision, r).toBe('allow')
      expect(module.evaluate('shell', { cmd: `chmod ${'7'.repeat(60)}` }).reason, r).toMatch(/^evaluation error: the input \(66 characters\) is longer than the 50 characters regex `\/chmod\\s\+\.\*777\/`/)
    }
  })

  it('higher degrees get a smaller bound: limit^(2/d)', () => {
    expect(boundFor(4096, 2)).toBe(4096)
    expect(boundFor(4096, 3)).toBe(256)
    expect(boundFor(4096, 4)).toBe(64)
    const d = expectDiagnostic(rule('a.*b.*c'), { code: 'regex-bounded', underline: "'a.*b.*c'" })
    expect(d.message).toContain('degree 3')
    expect(d.message).toContain('up to 256 characters')
  })

  it('a linear regex has no bound', async () => {
    const { module, result } = await compileModule(rule('^chmod 777'))
    expect(result.diagnostics.filter(d => d.code === 'regex-bounded')).toEqual([])
    expect(module.evaluate('shell', { cmd: `ls${'x'.repeat(100_000)}` }).decision).toBe('allow')
  })

  it('`regex_input_limit` must be a positive whole number', () => {
    for (const bad of ['0', '-5', '1.5', '"100"', '[1]']) {
      expectDiagnostic(rule('^a', `regex_input_limit: ${bad}\n`), { code: 'invalid-value', underline: bad, help: /the default is/ })
    }
  })

  it('exponential patterns stay errors', () => {
    expectDiagnostic(rule('^(a+)+$'), { code: 'regex-super-linear', underline: "'^(a+)+$'", message: /exponential/ })
  })

  it('a polynomial `pattern` in a tool schema stays an error: no bound guards the validator', () => {
    const src = `tools:\n  shell:\n    parameters: { type: object, properties: { cmd: { type: string, pattern: '^\\s+|\\s+$' } } }\nrules: [{ id: r, tool: shell, action: allow }]\n`
    expectDiagnostic(src, { code: 'regex-super-linear', underline: "'^\\s+|\\s+$'", help: /no input bound applies/ })
  })
})
