// Bundles server.js for Node with the vetoc plugin: `node examples/esbuild-service/build.mjs [outdir]`
// (default: dist/ next to this file). `vetoc/esbuild` and `vetoc` resolve to this repository's own
// package (self-reference; built into dist/ by `npm ci`), as they would from node_modules in an app.
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import vetoc from 'vetoc/esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const outdir = resolve(process.argv[2] ?? join(here, 'dist'))

await esbuild.build({
  entryPoints: [join(here, 'server.js')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: join(outdir, 'server.mjs'),
  // esbuild ignores `enforce`: the plugin runs where it is listed, so list it before any other YAML plugin
  plugins: [vetoc()],
  logLevel: 'info',
})
