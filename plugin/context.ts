/**
 * The plugin's work, with no bundler in sight: compile a policy file's text, turn diagnostics into
 * one message with a location, and keep the `.d.ts` next to the policy up to date (written only
 * when its content changes).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve as resolvePath } from 'node:path'
import { compile, type Env, type PolicyFile } from '../compiler/index.js'
import type { Diagnostic } from '../compiler/diagnostic.js'
import { createDiskCache, defaultDiskCache } from '../src/compile-cache.js'
import { formatDiagnostics, position } from '../compiler/format.js'

export interface Options {
  /**
   * Which files are policies.
   * @default /\.policy\.ya?ml$/
   */
  include?: RegExp | RegExp[]
  /**
   * Files to leave alone even if `include` matches.
   * @default []
   */
  exclude?: RegExp | RegExp[]
  /**
   * Build-time constants, folded into the code (`env.production` in a `when`).
   * @default {}
   */
  env?: Env
  /**
   * Write `<file>.policy.yaml.d.ts` next to each policy, so `tsc` and editors type the import with
   * no extra configuration. `false` to skip.
   * @default true
   */
  dts?: boolean
  /**
   * Treat warnings (untyped tools, warn-only rules, rules that never match) as errors: they fail
   * the build, reported as `error: … (a warning, an error under \`strict\`)`.
   * @default false
   */
  strict?: boolean
  /**
   * Where regex verdicts and generated validators are kept between builds and dev-server restarts
   * (files named by content hash; see src/compile-cache.ts), or `false` for none. The environment
   * variable `VETOC_CACHE` (a folder, or `off`) applies when this is unset.
   * @default 'node_modules/.cache/vetoc' (under the current directory)
   */
  cacheDir?: string | false
}

export interface Message {
  message: string
  loc?: { file: string; line: number; column: number }
}

/**
 * `watch`: every file the policy's `extends:` asked for, for the host to watch so an edit to one
 * rebuilds the policy; a file that was missing is watched too, so creating it fixes the build.
 */
export type Outcome =
  | { ok: true; code: string; map: object | null; warnings: Message[]; watch: string[] }
  | { ok: false; error: Message; warnings: Message[]; watch: string[] }

/** `extends:` files: read from disk; a missing one is null, which the compiler reports at the entry. */
function readExtended(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw e
  }
}

function strictly(d: Diagnostic): Diagnostic {
  return d.severity === 'error' ? d : { ...d, severity: 'error', message: `${d.message} (a warning, an error under \`strict\`)` }
}

export const DEFAULT_INCLUDE: RegExp = /\.policy\.ya?ml$/

function list(v: RegExp | RegExp[] | undefined): RegExp[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

export interface Context {
  filter: { include: RegExp[]; exclude: RegExp[] }
  matches(id: string): boolean
  transform(source: string, id: string): Outcome
  /** The policy files whose last build asked `extends:` for `path` and found nothing. */
  waitingFor(path: string): string[]
}

export function createContext(options: Options = {}): Context {
  const include = options.include === undefined ? [DEFAULT_INCLUDE] : list(options.include)
  const exclude = list(options.exclude)
  const lastDts = new Map<string, string>()
  // missing extended file → the policies that asked for it; a dev server rebuilds them when it appears
  const waiting = new Map<string, Set<string>>()
  // one cache per plugin instance, shared by every policy it builds and every rebuild of the dev server
  const cache = options.cacheDir === false ? undefined : typeof options.cacheDir === 'string' ? createDiskCache(options.cacheDir) : defaultDiskCache()

  const toMessage = (diagnostics: Diagnostic[], source: string, file: string, files: readonly PolicyFile[]): Message => {
    const first = diagnostics[0]!
    // the location is the first error's, in whichever file it is
    const where = first.file === undefined ? undefined : files.find(f => f.filename === first.file)
    const p = position(where?.source ?? source, first.span.start)
    return { message: formatDiagnostics(diagnostics, source, file, files), loc: { file: where?.filename ?? file, line: p.line, column: p.column } }
  }

  const writeDts = (file: string, types: string): void => {
    const target = `${file}.d.ts`
    if (lastDts.get(target) === types) return
    if (!existsSync(target) || readFileSync(target, 'utf8') !== types) writeFileSync(target, types)
    lastDts.set(target, types)
  }

  return {
    filter: { include, exclude },
    matches(id) {
      const file = id.split('?')[0]!
      return include.some(r => r.test(file)) && !exclude.some(r => r.test(file))
    },
    transform(source, id) {
      const file = id.split('?')[0]!
      const asked = new Set<string>()
      for (const set of waiting.values()) set.delete(file)
      const resolve = (path: string): string | null => {
        asked.add(path)
        const text = readExtended(path)
        if (text === null) {
          const key = resolvePath(path)
          waiting.set(key, (waiting.get(key) ?? new Set()).add(file))
        }
        return text
      }
      const out = compile(source, { filename: file, resolve, ...(options.env ? { env: options.env } : {}), ...(cache !== undefined ? { cache } : {}) })
      const watch = [...asked]
      const warnings = out.diagnostics.filter(d => d.severity === 'warning')
      // under `strict` a warning is reported as what it now is, an error, and says why
      const errors = options.strict ? out.diagnostics.map(strictly) : out.diagnostics.filter(d => d.severity === 'error')
      if (errors.length > 0) return { ok: false, error: toMessage(errors, source, file, out.files), warnings: options.strict ? [] : warnings.map(w => toMessage([w], source, file, out.files)), watch }
      if (options.dts !== false) writeDts(file, out.types)
      return { ok: true, code: out.code, map: out.map, warnings: warnings.map(w => toMessage([w], source, file, out.files)), watch }
    },
    waitingFor(path) {
      return [...(waiting.get(resolvePath(path)) ?? [])]
    },
  }
}
