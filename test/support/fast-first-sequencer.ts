/**
 * Test file order for `npm run mutate` only. Vitest's own order runs the slowest files first, which
 * suits a full run on many workers. A mutant's run stops at its first failing test (Stryker sets
 * `bail: 1`), so there the order decides the cost of a kill: a mutant that a 50 ms test kills waited
 * behind the 11 s differential test. Files that failed last time still go first (the mutant next to a
 * killed one is usually killed by the same file), then the fastest.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node'
import { relative } from 'node:path'

export class FastFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache
    const known = (spec: TestSpecification) => {
      const key = `${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`
      const result = cache.getFileTestResults(key)
      return { failed: result?.failed === true, duration: result?.duration, size: cache.getFileStats(key)?.size ?? 0 }
    }
    return files
      .map(spec => ({ spec, ...known(spec) }))
      .sort((a, b) => {
        if (a.failed !== b.failed) return a.failed ? -1 : 1
        // a file never timed is placed by its size, as vitest does
        if (a.duration === undefined || b.duration === undefined) return a.size - b.size
        return a.duration - b.duration
      })
      .map(entry => entry.spec)
  }
}
