/** One worker process of the session fleet test: a guard on the shared Redis session store, driven over IPC. */
import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import { createGuard } from '../../src/guard.js'
import { createRedisSessionStore } from '../../src/sessions/redis.js'
import { compileModule } from '../support/compiled.js'

const [url] = process.argv.slice(2)
const { module } = await compileModule(readFileSync(new URL('./session.policy.yaml', import.meta.url), 'utf8'), 'session.policy.yaml')
const redis = new Redis(url!, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 20_000 })
redis.on('error', () => {})
await new Promise(resolve => redis.once('ready', resolve))
const guard = createGuard(module, { sessions: createRedisSessionStore({ redis }), storeTimeoutMs: 30_000 })
type Op = { op: 'call' | 'result' | 'labels' | 'quit'; tool?: string; args?: unknown; result?: unknown; session?: string }
process.on('message', async (m: Op) => {
  if (m.op === 'quit') {
    redis.disconnect()
    process.exit(0)
  }
  const s = guard.session(m.session!)
  const reply = m.op === 'call' ? await s.call(m.tool!, m.args) : m.op === 'result' ? await s.result(m.tool!, m.args, m.result) : await s.labels()
  process.send!(reply)
})
process.send!('ready')
