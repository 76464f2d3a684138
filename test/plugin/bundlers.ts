/** Builds a fixture with each real bundler through its JS API, using the vetoc plugin. */
import { rspack } from '@rspack/core'
import * as esbuild from 'esbuild'
import { rollup } from 'rollup'
import { build as viteBuild } from 'vite'
import webpack from 'webpack'
import vetocEsbuild from '../../plugin/esbuild.js'
import vetocRollup from '../../plugin/rollup.js'
import vetocRspack from '../../plugin/rspack.js'
import vetocVite from '../../plugin/vite.js'
import vetocWebpack from '../../plugin/webpack.js'
import type { Options } from '../../plugin/index.js'

export type Bundler = 'vite' | 'vite-ssr' | 'esbuild' | 'rollup' | 'webpack' | 'rspack'
export const BUNDLERS: Bundler[] = ['vite', 'vite-ssr', 'esbuild', 'rollup', 'webpack', 'rspack']

const NODE_BUILTINS = [/^node:/]

function packCallback(resolve: (v: string) => void, reject: (e: Error) => void, file: string) {
  return (err: Error | null | undefined, stats: { hasErrors(): boolean; toJson(o: object): { errors?: { message: string }[] } } | undefined) => {
    if (err) return reject(err)
    if (stats?.hasErrors()) return reject(new Error(stats.toJson({ all: false, errors: true }).errors!.map(e => e.message).join('\n')))
    resolve(file)
  }
}

/** Builds `entry` into `outDir`; resolves with the output file, rejects with the bundler's error. */
export async function buildWith(bundler: Bundler, entry: string, outDir: string, options: Options = {}): Promise<string> {
  switch (bundler) {
    case 'vite':
    case 'vite-ssr': {
      const ssr = bundler === 'vite-ssr'
      await viteBuild({
        configFile: false,
        logLevel: 'silent',
        plugins: [vetocVite(options)],
        build: {
          outDir,
          emptyOutDir: true,
          minify: false,
          ...(ssr ? { ssr: entry } : { lib: { entry, formats: ['es'], fileName: () => 'main.mjs' } }),
          rollupOptions: { external: NODE_BUILTINS, output: ssr ? { entryFileNames: 'main.mjs' } : {} },
        },
      })
      return `${outDir}/main.mjs`
    }
    case 'esbuild': {
      const outfile = `${outDir}/main.mjs`
      await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, plugins: [vetocEsbuild(options)], logLevel: 'silent' })
      return outfile
    }
    case 'rollup': {
      const bundle = await rollup({ input: entry, plugins: [vetocRollup(options)], external: NODE_BUILTINS, onwarn: () => {} })
      await bundle.write({ file: `${outDir}/main.mjs`, format: 'es' })
      await bundle.close()
      return `${outDir}/main.mjs`
    }
    case 'webpack':
      return new Promise((resolve, reject) => {
        webpack({ mode: 'production', target: 'node', entry, output: { path: outDir, filename: 'main.cjs' }, optimization: { minimize: false }, plugins: [vetocWebpack(options)], externalsPresets: { node: true } }, packCallback(resolve, reject, `${outDir}/main.cjs`) as never)
      })
    case 'rspack':
      return new Promise((resolve, reject) => {
        rspack({ mode: 'production', target: 'node', entry, output: { path: outDir, filename: 'main.cjs' }, optimization: { minimize: false }, plugins: [vetocRspack(options)], externalsPresets: { node: true } }, packCallback(resolve, reject, `${outDir}/main.cjs`) as never)
      })
  }
}
