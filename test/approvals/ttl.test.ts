/** `approval_ttl`: a duration at policy level, carried to the guard; anything else is an error at its line. */
import { describe, expect, it } from 'vitest'
import { compileModule } from '../support/compiled.js'
import { expectDiagnostic } from '../support/diagnostics.js'

describe('approval_ttl', () => {
  it('defaults to 15 minutes and takes a duration', async () => {
    expect((await compileModule('rules: []\n')).module.policy.approvalTtlMs).toBe(15 * 60_000)
    expect((await compileModule('approval_ttl: 90s\nrules: []\n')).module.policy.approvalTtlMs).toBe(90_000)
  })
  it('is an error at its line when it is not a duration', () => {
    expectDiagnostic('rules: []\napproval_ttl: soon\n', { code: 'invalid-value', underline: 'soon', line: 2 })
    expectDiagnostic('rules: []\napproval_ttl: 0m\n', { code: 'invalid-value', underline: '0m', line: 2 })
    expectDiagnostic('approval_tl: 1m\nrules: []\n', { code: 'unknown-key', underline: 'approval_tl', help: 'did you mean `approval_ttl`?' })
  })
})
