/**
 * One corpus, several implementations: each case runs against the emitted module (written to disk
 * and imported) and against the reference interpreter. The CLI and the bundler tests run it too.
 *
 * One test per case compiles its policy and checks every call, inside the test rather than while
 * the file is collected: `npm run mutate` counts the compiler code a test reaches only while that
 * test runs, and runs a compiler mutant against the tests that reached it.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { interpret } from './oracle/interpret.js'
import { compileModule, readPolicyFile } from './support/compiled.js'
import { argsOf, expected, loadCorpus, nowOf, observed } from './support/corpus.js'
import { compile } from '../compiler/index.js'

describe('corpus', () => {
  for (const c of loadCorpus()) {
    it(`${c.name}: compiles as the case says${c.compiles ? `, and decides its ${c.calls.length} calls as written` : ''}`, async () => {
      const source = readFileSync(c.policyPath, 'utf8')
      if (!c.compiles) {
        const result = compile(source, { filename: c.policyPath, resolve: readPolicyFile })
        expect(result.diagnostics.filter(d => d.severity === 'error')).toHaveLength(1)
        return
      }
      const { module, result } = await compileModule(source, c.policyPath)
      const oracle = interpret(result.policy!)
      for (const call of c.calls) {
        const options = { now: nowOf(call) ?? Date.UTC(2026, 10, 24, 17) }
        const compiled = module.evaluate(call.tool, argsOf(call), call.context, options)
        expect(observed(compiled, call), `emitted: ${call.description}`).toEqual(expected(call))
        const reference = oracle.evaluate(call.tool, argsOf(call), call.context, options)
        expect(observed(reference, call), `oracle: ${call.description}`).toEqual(expected(call))
      }
    })
  }
})
