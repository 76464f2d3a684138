/**
 * `vetoc/testing`: run policy test files from a project's own test runner (vitest, `node:test`).
 * Compiles policies, so it is a separate entry from the runtime.
 */
import { runPolicyTests, type RunOptions } from './run.js'

export { runPolicyTests, defaultPolicyPath, type CaseResult, type RunOptions, type TestFileReport } from './run.js'
export { findTestFiles } from './cli.js'
export { coverageJson, coverageLcov, coverageTable, type ConditionCoverage, type PolicyCoverage, type RuleCoverage } from './coverage.js'
export { parseTestFile, type TestSpec } from './spec.js'

/**
 * Runs a test file and throws one Error listing every failure (or the diagnostics of an invalid
 * file), so `it('sms policy', () => assertPolicyTests('sms.policy.test.yaml'))` fails with them.
 */
export async function assertPolicyTests(testFile: string, options: RunOptions = {}): Promise<void> {
  const r = await runPolicyTests(testFile, options)
  if (r.status === 'invalid') throw new Error(`invalid policy test file ${r.file}:\n${r.diagnostics}`)
  const failures = r.results.filter(c => !c.passed)
  if (failures.length > 0) throw new Error(`${failures.length} of ${r.results.length} policy test cases failed:\n\n${failures.map(f => f.message).join('\n\n')}`)
}
