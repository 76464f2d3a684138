/**
 * Runs once before the suite. Where `redis-server` is missing, says so in one line (the Redis suites
 * skip themselves); under CI the same absence fails the run, so CI always runs them.
 */
import { inCI, redisMissing } from './redis-available.js'

export default function setup(): void {
  if (redisMissing === undefined) return
  if (inCI) throw new Error(`CI=true but ${redisMissing}`)
  process.stderr.write(`vetoc tests: ${redisMissing}\n`)
}
