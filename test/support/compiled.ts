/** Compiles a policy and imports the emitted module from disk, as an application would. */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { compile, type CompileResult, type Env } from '../../compiler/index.js'
import type { CompiledPolicy } from '../../src/types.js'

export const TMP: string = join(dirname(fileURLToPath(import.meta.url)), '..', '.tmp')

export async function importCode(code: string): Promise<CompiledPolicy> {
  mkdirSync(TMP, { recursive: true })
  const file = join(TMP, `${createHash('sha256').update(code).digest('hex').slice(0, 24)}.mjs`)
  // several processes may import the same policy at once: never let one read a half-written file
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`
    writeFileSync(partial, code)
    renameSync(partial, file)
  }
  return (await import(pathToFileURL(file).href)) as CompiledPolicy
}

/** The resolver the CLI and the plugin give the compiler: files from disk, null when missing. */
export function readPolicyFile(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null
}

export async function compileModule(source: string, filename = 'test.policy.yaml', env?: Env): Promise<{ module: CompiledPolicy; result: CompileResult }> {
  const result = compile(source, { filename, resolve: readPolicyFile, ...(env ? { env } : {}) })
  const errors = result.diagnostics.filter(d => d.severity === 'error')
  if (errors.length > 0) throw new Error(`policy does not compile: ${errors.map(e => e.message).join('; ')}`)
  return { module: await importCode(result.code), result }
}
