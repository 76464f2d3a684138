/**
 * One corpus, several implementations: each case runs against the emitted module (written to disk
 * and imported) and against the reference interpreter. The CLI and the bundler tests run it too.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { interpret } from './oracle/interpret.js'
import { compileModule, readPolicyFile } from './support/compiled.js'
import { argsOf, expected, loadCorpus, nowOf, observed } from './support/corpus.js'
import { compile } from '../compiler/index.js'

for (const c of loadCorpus()) {
  describe(`corpus ${c.name}`, async () => {
    const source = readFileSync(c.policyPath, 'utf8')
    const result = compile(source, { filename: c.policyPath, resolve: readPolicyFile })
    it('compiles as the case says', () => {
      expect(result.diagnostics.filter(d => d.severity === 'error')).toHaveLength(c.compiles ? 0 : 1)
    })
    if (!c.compiles) return
    const { module } = await compileModule(source, c.policyPath)
    const oracle = interpret(result.policy!)
    for (const call of c.calls) {
      it(call.description, () => {
        const options = { now: nowOf(call) ?? Date.UTC(2026, 10, 24, 17) }
        const compiled = module.evaluate(call.tool, argsOf(call), call.context, options)
        expect(observed(compiled, call)).toEqual(expected(call))
        const reference = oracle.evaluate(call.tool, argsOf(call), call.context, options)
        expect(observed(reference, call)).toEqual(expected(call))
      })
    }
  })
}
