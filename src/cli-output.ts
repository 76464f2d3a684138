/**
 * What `vetoc compile` writes for one policy. A TypeScript project gets the `.ts` module: `tsc` compiles
 * it into its `outDir` like any other source, whereas a `.js` with a `.d.ts` beside it is never copied
 * there (so `node dist/main.js` would not find it). Anything else gets the `.js` module, its `.d.ts` and
 * its source map.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { CompileResult } from '../compiler/index.js'

export type OutputKind = 'ts' | 'js'

/** The tsconfig.json that governs `dir`: in it or above it, up to the enclosing package's root. */
export function governingTsconfig(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'tsconfig.json'))) return join(d, 'tsconfig.json')
    if (existsSync(join(d, 'package.json')) || dirname(d) === d) return undefined
  }
}

/** `--ts` or `--js` decide; without either, a tsconfig.json governing the output folder means TypeScript. */
export function outputKind(dir: string, flags: { ts?: boolean; js?: boolean }): { kind: OutputKind; tsconfig?: string } {
  if (flags.ts) return { kind: 'ts' }
  if (flags.js) return { kind: 'js' }
  const tsconfig = governingTsconfig(dir)
  return tsconfig !== undefined ? { kind: 'ts', tsconfig } : { kind: 'js' }
}

/**
 * Writes one policy's module and returns the main file's name. The other kind's files for the same
 * policy are removed: a stale `x.js` beside a new `x.ts` would be a second input for the same output.
 */
export function writeModule(dir: string, name: string, out: CompileResult, kind: OutputKind): string {
  const files = { ts: [`${name}.ts`], js: [`${name}.js`, `${name}.js.map`, `${name}.d.ts`] }
  for (const stale of files[kind === 'ts' ? 'js' : 'ts']) rmSync(join(dir, stale), { force: true })
  if (kind === 'ts') {
    writeFileSync(join(dir, `${name}.ts`), out.ts!)
    return `${name}.ts`
  }
  writeFileSync(join(dir, `${name}.js`), `${out.code}//# sourceMappingURL=${name}.js.map\n`)
  writeFileSync(join(dir, `${name}.js.map`), JSON.stringify(out.map))
  writeFileSync(join(dir, `${name}.d.ts`), out.types)
  return `${name}.js`
}
