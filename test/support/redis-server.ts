/**
 * Starts a real `redis-server` on a free loopback port and stops it (no vitest import, so the bench
 * uses it too: `bench/fleet.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import { inCI, redisMissing } from './redis-available.js'

export interface RedisProcess {
  port: number
  url: string
  process: ChildProcess
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export async function startRedis(): Promise<RedisProcess> {
  if (redisMissing !== undefined) throw new Error(`${redisMissing}${inCI ? ' (CI=true: the Redis suites must run)' : ''}`)
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  probe.on('error', () => {})
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      await probe.connect()
      await probe.ping()
      break
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`)
      await new Promise(r => setTimeout(r, 50))
    }
  }
  probe.disconnect()
  return {
    port,
    url,
    process: child,
    stop: () => new Promise(resolve => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    }),
  }
}
