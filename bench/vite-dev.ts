/**
 * The vite dev loop for one edited policy: a real vite dev server (middleware mode, the vetoc plugin)
 * on a small temp app that imports a temp copy of a shipped policy. Each edit rewrites the policy file
 * (a different `message:` each time); the time is from just before the write until
 * `transformRequest` serves the recompiled module (polled every millisecond: the server's file
 * watcher has to notice the change and invalidate the module first). The compile the plugin runs
 * inside that window is timed on its own too.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'vite'
import { createContext } from '../plugin/context.js'
import vetocVite from '../plugin/vite.js'

export interface DevRecompile {
  policy: string
  edits: number
  /** edit → recompiled module served, per edit (ms) */
  editToServedMs: number[]
  /** the plugin's transform (compile) of the edited file alone, per edit (ms) */
  transformMs: number[]
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

export async function measureDevRecompile(policyPath: string, edits: number, warmup = 3): Promise<DevRecompile> {
  const dir = mkdtempSync(join(tmpdir(), 'vetoc-bench-dev-'))
  const file = join(dir, 'live.policy.yaml')
  const original = readFileSync(policyPath, 'utf8')
  if (!/^    message: .*$/m.test(original)) throw new Error(`${policyPath}: no rule message to edit`)
  const edited = (i: number): string => original.replace(/^(    message: ).*$/m, `$1"edited message ${i}"`)
  writeFileSync(file, edited(0))
  writeFileSync(join(dir, 'main.js'), "import { evaluate, policy } from './live.policy.yaml'\nexport { evaluate, policy }\n")
  const server = await createServer({ root: dir, configFile: false, logLevel: 'silent', plugins: [vetocVite({ dts: false })], server: { middlewareMode: true, hmr: false }, appType: 'custom' })
  const ctx = createContext({ dts: false })
  const out: DevRecompile = { policy: policyPath, edits, editToServedMs: [], transformMs: [] }
  try {
    await server.transformRequest('/main.js')
    const first = await server.transformRequest('/live.policy.yaml')
    if (!first?.code.includes('edited message 0')) throw new Error('vite dev: the policy module was not served compiled')
    // let the watcher settle before the first edit
    await sleep(200)
    for (let i = 1; i <= warmup + edits; i++) {
      const marker = `edited message ${i}`
      const source = edited(i)
      const t0 = performance.now()
      writeFileSync(file, source)
      let served = false
      for (let tries = 0; tries < 5000 && !served; tries++) {
        const r = await server.transformRequest('/live.policy.yaml')
        served = r?.code.includes(marker) ?? false
        if (!served) await sleep(1)
      }
      const t1 = performance.now()
      if (!served) throw new Error(`vite dev: edit ${i} was not served within 5 s`)
      const c0 = performance.now()
      const check = ctx.transform(source, file)
      const c1 = performance.now()
      if (!check.ok) throw new Error('vite dev: the edited policy does not compile')
      if (i > warmup) {
        out.editToServedMs.push(t1 - t0)
        out.transformMs.push(c1 - c0)
      }
      // edits a person makes are far apart; do not let two coalesce in the watcher
      await sleep(60)
    }
  } finally {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return out
}
