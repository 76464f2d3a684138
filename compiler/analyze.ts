/**
 * parse → lower → check: YAML text to a checked IR plus every diagnostic, in source order.
 * Never throws: an internal failure becomes an `internal-error` diagnostic that says it is a bug.
 * With `extends:`, the extended files are read through `resolve`, lowered one by one and merged
 * (compiler/extends.ts); a diagnostic in one of them names it in `file`, with offsets into it.
 */
import { bidiWarnings, check } from './check/index.js'
import type { CompileCache } from './cache.js'
import type { Diagnostic } from './diagnostic.js'
import { loadExtends, locate, mergePolicies, packWarnings, shiftSpans, type LoadedFile, type Lowered, type Resolver, type SourceFile } from './extends.js'
import type { Policy } from './ir.js'
import { lower } from './lower/index.js'
import type { EnvValues } from './lower/expr.js'
import { parse } from './parse/index.js'

export type { Resolver, SourceFile } from './extends.js'

export interface AnalyzeOptions {
  filename: string
  env?: EnvValues
  /** Reads the files named by `extends:` (paths joined onto this file's directory). */
  resolve?: Resolver
  /** Keeps regex verdicts between builds (compiler/cache.ts). */
  cache?: CompileCache
}

export interface Analysis {
  /** The checked policy; null iff there is an error diagnostic. */
  policy: Policy | null
  diagnostics: Diagnostic[]
  /**
   * The files the policy extends, in merge order, with where their spans start. IR spans at or past
   * a file's `base` lie in that file (see `locate`).
   */
  files: SourceFile[]
}

export function analyze(source: string, options: AnalyzeOptions): Analysis {
  const diagnostics: Diagnostic[] = []
  let policy: Policy | null = null
  let packs: LoadedFile[] = []
  const main: LoadedFile = { filename: options.filename, source, base: 0, root: null }
  try {
    const parsed = parse(source)
    diagnostics.push(...parsed.diagnostics)
    main.root = parsed.root
    packs = loadExtends(main, options.resolve, parse, diagnostics)
    const lowerOptions = options
    const lowered: Lowered[] = []
    for (const file of packs) {
      const out = lower(file.root, file.source, { ...lowerOptions, filename: file.filename })
      // a pack of tools or rules alone is fine; whether the whole policy has rules is the main file's question
      for (const d of out.diagnostics) if (d.code !== 'no-rules') diagnostics.push(shiftSpans(d, file.base))
      packWarnings(file, diagnostics)
      diagnostics.push(...shiftSpans(bidiWarnings(file.source), file.base))
      if (out.policy) lowered.push({ file, policy: shiftSpans(out.policy, file.base) })
    }
    // a text refused before it was read (too deep) has no tree: an "empty policy" would be noise
    const refused = parsed.root === null && parsed.diagnostics.some(d => d.severity === 'error')
    const lowered0 = refused ? { policy: null, diagnostics: [] } : lower(parsed.root, source, lowerOptions)
    const mergedHasRules = packs.some(f => f.root?.kind === 'map' && f.root.entries.some(e => e.key === 'rules'))
    diagnostics.push(...lowered0.diagnostics.filter(d => !(mergedHasRules && d.code === 'no-rules')))
    if (lowered0.policy) {
      const all: SourceFile[] = [main, ...packs]
      policy = packs.length === 0 ? lowered0.policy : mergePolicies([...lowered, { file: main, policy: lowered0.policy }], diagnostics, offset => locate(all, offset).file.filename)
      check(policy, source, diagnostics, options.cache)
    }
  } catch (e) {
    diagnostics.push({
      code: 'internal-error',
      severity: 'error',
      message: `internal compiler error: ${e instanceof Error ? e.message : String(e)}`,
      span: { start: 0, end: Math.min(1, source.length) },
      help: 'this is a bug in vetoc, not in your policy; please report it with the policy file',
    })
    policy = null
  }
  // offsets past the compiled file's end belong to an extended file: say which, and count from its start
  const files: SourceFile[] = packs.map(({ filename, source: text, base }) => ({ filename, source: text, base }))
  const all: SourceFile[] = [{ filename: options.filename, source, base: 0 }, ...files]
  const located = diagnostics.map(d => {
    if (files.length === 0 || d.span.start < all[1]!.base) return { d, order: 0 }
    const { file } = locate(all, d.span.start)
    return { d: { ...d, file: file.filename, span: { start: d.span.start - file.base, end: d.span.end - file.base } }, order: file.base }
  })
  located.sort((a, b) => a.order - b.order || a.d.span.start - b.d.span.start || a.d.span.end - b.d.span.end)
  const sorted = located.map(x => x.d)
  const failed = sorted.some(d => d.severity === 'error')
  return { policy: failed ? null : policy, diagnostics: sorted, files }
}
