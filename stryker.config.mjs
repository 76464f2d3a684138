// @ts-check
/**
 * Mutation testing: `npm run mutate` (see DEVELOPERS.md). Not part of `npm test`; run it before a
 * release and whenever the emitter or the lowering changes.
 *
 * StrykerJS 10 refuses to start on Node < 22 (a hard check in its CLI, no flag), while vetoc supports
 * Node 20, so the script runs Stryker under the `node@22` binary from the npm registry (`npx -y node@22`);
 * the test runner workers it spawns use that same binary.
 *
 * Two runs, each with its own incremental file (committed), so that a rerun only tests mutants whose
 * code or covering tests changed: `npm run mutate:compiler` (compiler/, reports/stryker-incremental.json)
 * and `npm run mutate:runtime` (src/limits, src/records, src/guard.ts, src/approvals/review-step.ts,
 * reports/stryker-incremental-runtime.json); `npm run mutate` runs both. They are separate because a
 * compiler mutant's covering tests are most of the selection and a survivor there costs half a minute:
 * in one run, the runtime files (tested last, in path order) waited hours behind them. Add `--force`
 * to retest everything.
 *
 * Equivalent mutants (changes no test can see because behaviour cannot change) are marked where they
 * live, with `// Stryker disable ...: <why>` (e.g. the evaluation-order `cost` in compiler/emit/expr.ts).
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  // `forks`: each mutant's run gets a process of its own. With the runner's default (`threads`) every
  // run shares one process id, and `vetoc test` and `vetoc eval` import the emitted module from a
  // file named by the policy digest and the process id (src/testing/run.ts, src/cli.ts): a later
  // mutant's run got the module of an earlier run from Vite's cache of that path, so the mutant
  // was never seen by those tests (an emitter mutant the coverage tests kill survived).
  vitest: { configFile: 'vitest.mutate.config.ts', related: true, pool: 'forks' },
  // No TypeScript checker: vetoc builds with TypeScript 7 (the native compiler), which has no JS
  // compiler API. Stryker's sandbox step that rewrites `tsconfigFile` calls that API
  // (`ts.parseConfigFileTextToJson`) and crashes, and the checker's native preview needs a second
  // copy of TypeScript under the `@typescript/native` alias. Pointing `tsconfigFile` at a file that
  // does not exist turns the rewrite off (nothing here needs it: no `extends`/`references` outside the
  // project). A mutant that only breaks types therefore runs; the vitest transform strips types, so
  // it is judged by the tests like any other.
  tsconfigFile: 'tsconfig.mutate-none.json',
  // every file either run mutates (`npm run mutate:summary` reads this list); package.json narrows it per run
  mutate: [
    'compiler/**/*.ts',
    'src/limits/**/*.ts',
    'src/records/**/*.ts',
    'src/guard.ts',
    // the guard's review step, moved out of guard.ts
    'src/approvals/review-step.ts',
  ],
  // each mutant runs only the tests that executed its code in the dry run
  coverageAnalysis: 'perTest',
  // Static mutants (code that runs only while a module loads or a test file is collected, never inside
  // a test) are left out and reported as ignored: each would need the whole selection per mutant
  // (about a minute here). What that leaves untested by this run:
  // - module-level tables: the key, operator and action lists of compiler/lower/lowerer.ts,
  //   compiler/lower/lang.ts, compiler/lower/expr.ts and compiler/lower/schema.ts, the emitted helper
  //   text (compiler/emit/runtime.ts, net.ts, normalize.ts: one string literal each to Stryker);
  //   the corpus and the differential test hold the helpers, diagnostic-text.test.ts the key lists;
  // - compiler code reached only by tests that compile at collection time or in `beforeAll` (the
  //   corpus, the runtime and limit suites); a test that compiles inside `it` makes that code count.
  ignoreStatic: true,
  // the machine is shared: two workers at most
  concurrency: 2,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // on top of 1.5 × the covering tests' dry-run time: a mutant that hangs costs this much
  timeoutMS: 20_000,
  // the dry run measures per-test coverage of the whole selection once; slow on a busy machine
  dryRunTimeoutMinutes: 30,
  ignorePatterns: ['dist', 'test/.tmp', 'reports', '.stryker-tmp', '.stryker-tmp-runtime', 'bench/results.json'],
}
