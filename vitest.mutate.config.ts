/**
 * The tests `npm run mutate` runs against each mutant: the ones that exercise compiler/, the limit
 * stores, the records and the guard in process, including the approval, adapter and shadow suites
 * (they reach the guard's review, result and shadow paths, which no other suite decides). The plugin
 * and CLI suites, the agent runtimes and the suites that spawn processes drive dist/ or a child
 * process and never see a mutant, so they are left out.
 */
import { defineConfig } from 'vitest/config'
import { FastFirstSequencer } from './test/support/fast-first-sequencer.js'

export default defineConfig({
  test: {
    include: ['test/compiler/**/*.test.ts', 'test/property/**/*.test.ts', 'test/corpus.test.ts', 'test/readme.test.ts', 'test/runtime/**/*.test.ts', 'test/limits/**/*.test.ts', 'test/lang/quantifiers-urls.test.ts', 'test/testing/policy-tests.test.ts', 'test/sessions/guard.test.ts', 'test/sessions/labels.test.ts', 'test/approvals/binding.test.ts', 'test/approvals/elicitation.test.ts', 'test/approvals/page.test.ts', 'test/adapters/*.test.ts', 'test/testing/shadow.test.ts', 'test/testing/schema.test.ts', 'test/lang/extends.test.ts'],
    // Left out: the shape test (test/compiler/shape.test.ts: every hostile string in every position
    // of a policy, 1,720 compiles, 32 s). Every emitter mutant reran all of it, a third of the whole
    // selection's time, and what it holds the emitter to (one quoting path) is held in the mutation
    // run by test/compiler/code.test.ts, which tests compiler/emit/code.ts directly. `npm test` runs it.
    exclude: ['**/node_modules/**', 'test/fixtures/**', 'test/.tmp/**', 'test/compiler/shape.test.ts'],
    // One module graph for all files of a run: a file's own import of the compiler, Ajv, acorn and
    // recheck cost about a second each, 40 of the 100 s of the selection on one worker (55 s without).
    // Stryker switches mutants at run time (the active mutant is read when the mutated code runs),
    // so a module loaded once serves every mutant. What this shares between files: the compiler's
    // in-process memories (recheck verdicts in compiler/check/regex.ts, generated validators in
    // compiler/emit/validate.ts); a mutant in the code that fills them is tested by the first test
    // that fills them under it, as it already was within one file.
    isolate: false,
    // a killed mutant needs one counterexample, not a shrunk one
    setupFiles: ['test/support/mutate-setup.ts'],
    // Left out: the check of the detector patterns against the super-linear regex analyser. The
    // analyser has a wall-clock budget (compiler/check/regex.ts) that runs out under the dry run's
    // coverage instrumentation on a busy machine, and one failed test aborts the whole run. The
    // patterns are constants (no mutant changes them); `npm test` still runs that check.
    // Also left out: the file sink's process-end tests, which run real child processes (code there
    // runs without the active mutant, so they can kill none) and failed the dry run under load.
    // Also left out: the `extends:` test that runs the built CLI (dist/, which a mutant never reaches),
    // and the tests whose work happens in child processes (the limit store's four worker processes,
    // the signed log's process end): the active mutant lives in the test's own process, so they
    // cannot kill one, and every guard or store mutant that survived paid seconds for each.
    // Also left out: the 1 MB policies and the thousands of anchors of test/compiler/yaml-bounds.test.ts
    // (5 s, bounds of the parser, which no compiler/emit or compiler/lower mutant changes, but every
    // one of those reran them since they compile).
    testNamePattern: /^(?!.*(pass the compiler regex checker|the file sink at process end|every 1 MB shape compiles or ends in a diagnostic|2,500 and 5,000 anchors|vetoc check and compile read the extended files|worker processes × 250 concurrent calls|real child processes))/,
    sequence: { sequencer: FastFirstSequencer },
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
})
