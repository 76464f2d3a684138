/**
 * `compile(source, { filename, env })`: the whole compiler as one pure function (no fs, no process,
 * no clock). The plugin and the CLI are adapters over it.
 *
 * Stages: `parse` (YAML → nodes with ranges) → `lower` (both dialects → IR) → `check` (schemas, types,
 * regexes) → `emit` (IR → self-contained module, `.d.ts`, source map, digest).
 */
import { analyze } from './analyze.js'
import type { CompileCache } from './cache.js'
import type { Diagnostic } from './diagnostic.js'
import { emit } from './emit/index.js'
import type { Resolver } from './extends.js'
import type { Policy } from './ir.js'

export type { CompileCache } from './cache.js'
export type { Diagnostic } from './diagnostic.js'
export type { Resolver } from './extends.js'
export type * from './ir.js'

/** Build-time constants folded into the code (`env.production` in a `when`). */
export type Env = Record<string, string | number | boolean | null>

export interface CompileOptions {
  /** Used for messages, the default policy name and the source map's `sources`. */
  filename: string
  /**
   * Build-time constants.
   * @default {}
   */
  env?: Env
  /**
   * Also return the module as TypeScript (`ts`).
   * @default false
   */
  ts?: boolean
  /**
   * Build the instrumented module behind `vetoc test --coverage`: it also exports `coverage`
   * (counters per condition point and rule) and `resetCoverage()`. Never for production: the
   * normal build is unchanged by this option's absence.
   * @default false
   */
  coverage?: boolean
  /**
   * Reads the files named by `extends:`: given a path (the `extends` entry joined onto the directory
   * of the file that names it), returns its text, or null when there is no such file. Without it, a
   * policy that extends another is an error; `compile` itself reads nothing.
   * @default undefined
   */
  resolve?: Resolver
  /**
   * Keeps what is slow to work out (regex verdicts) between builds, keyed by content hash. The
   * compiler reads and writes it and nothing else: the caller decides where it lives (the CLI and
   * the plugin keep it on disk, `src/compile-cache.ts`). A build with a cache gives the same bytes
   * and diagnostics as one without.
   * @default undefined
   */
  cache?: CompileCache
}

/** A file the compiled policy extends: what the edges need to show a diagnostic in it, and to watch it. */
export interface PolicyFile {
  filename: string
  source: string
  /** Where the file's spans start: IR spans at or past `base` (and before the next file's) are in this file, at `span - base`. */
  base: number
}

/** A version-3 source map whose `sources` is `[filename]` and whose `sourcesContent` is the YAML. */
export interface SourceMap {
  version: 3
  file?: string
  sources: string[]
  sourcesContent: string[]
  names: string[]
  mappings: string
}

export interface CompileResult {
  /** The self-contained ES module; `''` when there are errors. */
  code: string
  /** Its `.d.ts`; `''` when there are errors. */
  types: string
  /** The module as TypeScript, with `ts: true`. */
  ts?: string
  map: SourceMap | null
  /** Every diagnostic, errors and warnings, in source order. */
  diagnostics: Diagnostic[]
  /** The checked IR, when there are no errors. */
  policy: Policy | null
  /** SHA-256 hex of the canonical form, when there are no errors. */
  digest: string | null
  /** Every file read through `resolve`, in merge order (also on errors, so each can be watched). */
  files: PolicyFile[]
}

export { analyze } from './analyze.js'
export { formatDiagnostics, position } from './format.js'

export function compile(source: string, options: CompileOptions): CompileResult {
  const analysis = analyze(source, { filename: options.filename, ...(options.env !== undefined ? { env: options.env } : {}), ...(options.resolve !== undefined ? { resolve: options.resolve } : {}), ...(options.cache !== undefined ? { cache: options.cache } : {}) })
  const files = analysis.files.map(f => ({ filename: f.filename, source: f.source, base: f.base }))
  const failed: CompileResult = { code: '', types: '', map: null, diagnostics: analysis.diagnostics, policy: null, digest: null, files }
  if (analysis.policy === null) return failed
  let out
  try {
    out = emit(analysis.policy, { source, filename: options.filename, files: analysis.files, ...(options.ts ? { ts: true } : {}), ...(options.coverage ? { coverage: true } : {}), ...(options.cache !== undefined ? { cache: options.cache } : {}) })
  } catch (e) {
    const diagnostics: Diagnostic[] = [...analysis.diagnostics, {
      code: 'internal-error',
      severity: 'error',
      message: `internal compiler error while emitting: ${e instanceof Error ? e.message : String(e)}`,
      span: { start: 0, end: Math.min(1, source.length) },
      help: 'this is a bug in vetoc, not in your policy; please report it with the policy file',
    }]
    return { ...failed, diagnostics }
  }
  const diagnostics = [...analysis.diagnostics, ...out.diagnostics].sort((a, b) => a.span.start - b.span.start)
  if (out.diagnostics.some(d => d.severity === 'error')) return { ...failed, diagnostics }
  const result: CompileResult = { code: out.code, types: out.types, map: out.map, diagnostics, policy: analysis.policy, digest: out.digest, files }
  if (out.ts !== undefined) result.ts = out.ts
  return result
}
