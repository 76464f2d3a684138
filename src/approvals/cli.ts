/**
 * `vetoc serve`: the approval page as its own process, over the Redis store a fleet of guards shares
 * (`createRedisPendingStore` with the same prefix). Prints one sign-in URL per reviewer and runs
 * until it is interrupted. Exit status: 0 after a clean stop, 1 when it cannot start, 2 usage errors.
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { createRedisPendingStore } from './redis.js'
import { startApprovalServer } from './page.js'

const USAGE = 'vetoc: usage: vetoc serve --redis <url> [--prefix vetoc] [--host 127.0.0.1] [--port 0] [--reviewer <name> ...] [--webhook-secret-env <VAR>]\n'

export async function runServeCommand(argv: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }, stop?: Promise<void>): Promise<number> {
  let values
  try {
    ({ values } = parseArgs({ args: argv, options: { redis: { type: 'string' }, prefix: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, reviewer: { type: 'string', multiple: true }, 'webhook-secret-env': { type: 'string' } } }))
  } catch (e) {
    io.stderr(`vetoc: ${(e as Error).message}\n${USAGE}`)
    return 2
  }
  if (values.redis === undefined) {
    io.stderr(`vetoc: serve needs --redis: the guards and the page meet in a shared store\n${USAGE}`)
    return 2
  }
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`vetoc: --port must be a port number\n${USAGE}`)
    return 2
  }
  const secretVar = values['webhook-secret-env']
  const webhookSecret = secretVar === undefined ? undefined : process.env[secretVar]
  if (secretVar !== undefined && (webhookSecret === undefined || webhookSecret.length < 32)) {
    io.stderr(`vetoc: the environment variable ${secretVar} must hold a webhook secret of at least 32 characters\n`)
    return 2
  }
  const reviewers = Object.fromEntries((values.reviewer ?? ['reviewer']).map(name => [name, randomBytes(24).toString('base64url')]))
  let Redis: typeof import('ioredis').Redis
  try {
    ({ Redis } = await import('ioredis'))
  } catch {
    io.stderr('vetoc: serve needs the `ioredis` package: npm install ioredis\n')
    return 1
  }
  const redis = new Redis(values.redis, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000, connectTimeout: 2000 })
  redis.on('error', () => {})
  try {
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve())
      setTimeout(() => reject(new Error(`cannot reach redis at ${values.redis}`)), 3000).unref()
    })
    const server = await startApprovalServer({
      pending: createRedisPendingStore({ redis, ...(values.prefix !== undefined ? { prefix: values.prefix } : {}) }),
      reviewers,
      ...(webhookSecret !== undefined ? { webhookSecret } : {}),
      host: values.host ?? '127.0.0.1',
      port,
    })
    io.stdout(`vetoc approvals page: ${server.url}\n`)
    for (const [name, url] of Object.entries(server.loginUrls)) io.stdout(`sign in as ${name}: ${url}\n`)
    if (webhookSecret !== undefined) io.stdout(`webhook answers: ${server.url}webhook\n`)
    await (stop ?? new Promise<void>(resolve => {
      process.once('SIGINT', () => resolve())
      process.once('SIGTERM', () => resolve())
    }))
    await server.close()
    return 0
  } catch (e) {
    io.stderr(`vetoc: ${(e as Error).message}\n`)
    return 1
  } finally {
    redis.disconnect()
  }
}
