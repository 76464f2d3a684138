/** The shipped policies, compiled and imported once per test file. */
import { readFileSync } from 'node:fs'
import type { CompiledPolicy } from '../../src/types.js'
import { compileModule } from './compiled.js'

export async function shipped(name: 'groq-tools' | 'gemini-safety' | 'agent-session'): Promise<CompiledPolicy> {
  const file = `policies/${name}.policy.yaml`
  return (await compileModule(readFileSync(file, 'utf8'), file)).module
}
