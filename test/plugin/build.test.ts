/**
 * Real builds: the fixture app is bundled by vite (client and SSR), esbuild, rollup, webpack and
 * rspack with the vetoc plugin; each output is run with Node and must give the corpus decisions for
 * both shipped policies, and must carry no YAML parser, no schema interpreter, no regex built at
 * call time.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import * as esbuild from 'esbuild'
import { describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'
import { argsOf, expected, loadCorpus, nowOf, observed } from '../support/corpus.js'
import { BUNDLERS, buildWith } from './bundlers.js'

const APP = resolve('test/fixtures/app/main.js')
const corpus = loadCorpus().filter(c => c.name === 'groq-tools' || c.name === 'gemini-safety')
const calls = corpus.flatMap(c => c.calls.filter(call => call.argsJson === undefined).map(call => ({ call, policy: c.name })))
const work = mkdtempSync(join(tmpdir(), 'vetoc-build-'))
const callsFile = join(work, 'calls.json')
writeFileSync(callsFile, JSON.stringify(calls.map(({ call, policy }) => ({ policy, tool: call.tool, args: argsOf(call), context: call.context, now: nowOf(call) ?? Date.UTC(2026, 10, 24, 17) }))))

describe('the plugin in real bundlers', () => {
  for (const bundler of BUNDLERS) {
    it(`${bundler}: the built app gives the corpus decisions and carries no interpreter`, async () => {
      const outDir = join(work, bundler)
      const file = await buildWith(bundler, APP, outDir, { dts: false })
      const { names, out } = JSON.parse(execFileSync(process.execPath, [file, callsFile], { encoding: 'utf8' })) as { names: string[]; out: Record<string, unknown>[] }
      expect(names.sort()).toEqual(['gemini-safety', 'groq-tools'])
      calls.forEach(({ call }, i) => expect(observed(out[i] as never, call), `${call.description}`).toEqual(expected(call)))
      const bundle = readFileSync(file, 'utf8')
      for (const marker of ['parseDocument', 'LineCounter', 'ajv/dist', 'standaloneCode', 'parseExpressionAt', 'RegExpValidator', 'checkSync']) expect(bundle, marker).not.toContain(marker)
      // every regex is built from a literal, at module level, once
      const built = bundle.match(/new RegExp\(([^)]*)\)/g) ?? []
      expect(built.length).toBeGreaterThan(0)
      for (const b of built) expect(b).toMatch(/^new RegExp\(["']/)
    })
  }

  it('reports the size of the emitted policy code, each under 4 KB minified and gzipped', async () => {
    for (const f of ['policies/groq-tools.policy.yaml', 'policies/gemini-safety.policy.yaml']) {
      const out = compile(readFileSync(f, 'utf8'), { filename: f })
      const min = (await esbuild.transform(out.code, { minify: true, format: 'esm' })).code
      const gz = gzipSync(min).length
      console.log(`${f}: ${out.code.length} bytes emitted, ${min.length} minified, ${gz} minified+gzipped`)
      // the size budget of issue 6: sizes are deterministic, so this is a regression guard, not a timing
      expect(gz).toBeLessThan(4096)
    }
  })

  for (const bundler of BUNDLERS) {
    it(`${bundler}: a broken policy fails the build with file:line:col`, async () => {
      const entry = resolve('test/fixtures/broken/main.js')
      const error = await buildWith(bundler, entry, join(work, `broken-${bundler}`)).then(() => undefined, (e: Error) => e)
      expect(error, 'the build should fail').toBeInstanceOf(Error)
      const text = `${error!.message}\n${JSON.stringify((error as { errors?: unknown }).errors ?? '')}`
      expect(text).toContain('broken.policy.yaml:7:12: error: assignment is not allowed in a `when` expression')
    })
  }
})
