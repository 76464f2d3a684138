/**
 * Runs a store's Lua script by EVALSHA when the client can, and by EVAL when the server does not hold
 * it yet (a fresh or flushed server; EVAL also loads it, so the next EVALSHA finds it). A NOSCRIPT
 * reply means the script did not run, so running it then cannot apply a call twice. Sending a
 * script's text with every call was the largest part of a guard call's CPU with a Redis store.
 */
import { createHash } from 'node:crypto'
import type { RedisLike } from './limits/redis.js'

/** SHA-1 of each script text (the stores' scripts are a handful of constants). */
const shas = new Map<string, string>()

function shaOf(script: string): string {
  let sha = shas.get(script)
  if (sha === undefined) shas.set(script, (sha = createHash('sha1').update(script).digest('hex')))
  return sha
}

export async function runScript(redis: RedisLike, script: string, numKeys: number, args: readonly (string | number)[]): Promise<unknown> {
  if (redis.evalsha === undefined) return redis.eval(script, numKeys, ...args)
  try {
    return await redis.evalsha(shaOf(script), numKeys, ...args)
  } catch (e) {
    if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e
    return redis.eval(script, numKeys, ...args)
  }
}
