/** One worker process of the fleet test: N concurrent guarded calls against a shared Redis budget. */
import { readFileSync } from 'node:fs'
import { createGuard } from '../../src/guard.js'
import { createRedisStore } from '../../src/limits/redis.js'
import { compileModule } from '../support/compiled.js'
import { Redis } from 'ioredis'

const [url, countText] = process.argv.slice(2)
const policy = readFileSync(new URL('./fleet.policy.yaml', import.meta.url), 'utf8')
const { module } = await compileModule(policy, 'fleet.policy.yaml')
// this test is about exactness under concurrency, not timeouts: generous bounds, so a loaded
// machine slows the run down instead of turning calls into fail-mode denials
const redis = new Redis(url!, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 20_000 })
redis.on('error', () => {})
await new Promise(resolve => redis.once('ready', resolve))
const guard = createGuard(module, { store: createRedisStore({ redis }), storeTimeoutMs: 30_000 })
process.send!('ready')
await new Promise(resolve => process.once('message', resolve))
const decisions = await Promise.all(Array.from({ length: Number(countText) }, (_, i) => guard('call_vendor', { n: i })))
process.send!({
  allowed: decisions.filter(d => d.decision === 'allow').length,
  denied: decisions.filter(d => d.decision === 'deny').length,
  reasons: [...new Set(decisions.map(d => d.reason ?? ''))],
})
redis.disconnect()
