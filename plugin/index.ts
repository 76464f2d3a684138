/**
 * The vetoc bundler plugin: `import { evaluate, policy } from './x.policy.yaml'` becomes the
 * compiled, self-contained module. One factory for every bundler (unplugin); the work is in
 * `createContext`. The module id stays the real file (no virtual id), so source maps point into the
 * YAML and the bundler's own watcher drives rebuilds and HMR.
 */
import { createUnplugin, type UnpluginFactory, type UnpluginInstance } from 'unplugin'
import { createContext, type Options } from './context.js'

export type { Options } from './context.js'

export const factory: UnpluginFactory<Options | undefined, false> = (options = {}) => {
  const ctx = createContext(options)
  return {
    name: 'vetoc',
    enforce: 'pre',
    transform: {
      filter: { id: { include: ctx.filter.include, exclude: ctx.filter.exclude } },
      handler(source, id) {
        // hosts without native filters call every module: check again
        if (!ctx.matches(id)) return null
        const out = ctx.transform(source, id)
        // an edit to an extended file rebuilds (and in vite dev hot-updates) every policy extending it
        for (const f of out.watch) this.addWatchFile(f)
        for (const w of out.warnings) this.warn(w)
        if (!out.ok) {
          // one call with every error: Rollup and Vite throw here, esbuild collects and goes on
          this.error(out.error)
          return null
        }
        return { code: out.code, map: out.map as never }
      },
    },
    vite: {
      // A policy whose pack did not exist failed before the browser ever loaded it, and vite sends no
      // update for a module that never loaded: when the pack appears, drop the failed result and
      // reload the page, which then gets the policy built with the pack.
      configureServer(server) {
        server.watcher.on('add', file => {
          const policies = ctx.waitingFor(file)
          if (policies.length === 0) return
          for (const env of Object.values(server.environments)) {
            const graph = 'moduleGraph' in env ? env.moduleGraph : undefined
            for (const policy of policies) for (const mod of graph?.getModulesByFile(policy) ?? []) graph!.invalidateModule(mod)
          }
          server.environments.client.hot.send({ type: 'full-reload', path: '*' })
        })
      },
    },
  }
}

export const unplugin: UnpluginInstance<Options | undefined, false> = /* #__PURE__ */ createUnplugin(factory)
export default unplugin
