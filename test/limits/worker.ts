/** One worker process of the fleet test: N concurrent guarded calls against a shared Redis budget. */
import { readFileSync } from 'node:fs'
import { createGuard } from '../../src/guard.js'
import { createRedisStore } from '../../src/limits/redis.js'
import { compileModule } from '../support/compiled.js'
import { fastFailClient } from '../support/redis.js'

const [url, countText] = process.argv.slice(2)
const policy = readFileSync(new URL('./fleet.policy.yaml', import.meta.url), 'utf8')
const { module } = await compileModule(policy, 'fleet.policy.yaml')
const redis = fastFailClient(url!)
await new Promise(resolve => redis.once('ready', resolve))
const guard = createGuard(module, { store: createRedisStore({ redis }), storeTimeoutMs: 2000 })
process.send!('ready')
await new Promise(resolve => process.once('message', resolve))
const decisions = await Promise.all(Array.from({ length: Number(countText) }, (_, i) => guard('call_vendor', { n: i })))
process.send!({ allowed: decisions.filter(d => d.decision === 'allow').length, denied: decisions.filter(d => d.decision === 'deny').length })
redis.disconnect()
