/**
 * `compile(source, { filename, env })`: the whole compiler as one pure function (no fs, no process,
 * no clock). The plugin and the CLI are adapters over it.
 *
 * Stages: `parse` (YAML → nodes with ranges) → `lower` (both dialects → IR) → `check` (schemas, types,
 * regexes) → `emit` (IR → self-contained module, `.d.ts`, source map, digest).
 */
import type { Diagnostic } from './diagnostic.js'
import type { Policy } from './ir.js'

export type { Diagnostic } from './diagnostic.js'
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
}

export declare function compile(source: string, options: CompileOptions): CompileResult
