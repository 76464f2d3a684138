/** Whether this machine can run the Redis suites; no vitest import, so the global setup can read it. */
import { spawnSync } from 'node:child_process'

/** `CI=true` (set by `.ci/run`) turns a missing `redis-server` from a skip into a failure. */
export const inCI: boolean = process.env.CI === 'true' || process.env.CI === '1'

/** Why the Redis suites cannot run here, or undefined when `redis-server` is on the PATH. */
export const redisMissing: string | undefined = spawnSync('redis-server', ['--version']).error
  ? 'redis-server is not on the PATH, so the Redis suites are skipped; install it (`apt-get install -y redis-server` or `brew install redis`) to run them'
  : undefined
