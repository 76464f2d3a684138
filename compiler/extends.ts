/**
 * Policy packs (SPEC 4.4 `extends:`). The compiler stays pure: its caller hands it a `resolve`
 * function that returns a file's text; the plugin and the CLI read files with it and watch them.
 *
 * Each file is parsed and lowered on its own (its diagnostics point into it), then the IRs are merged:
 * the extended files' rules, tools, context fields and params first, depth-first in `extends:` order,
 * each file once. Spans of an extended file are moved past the end of the text before it, so every
 * IR span stays a plain offset; `locate` turns one back into a file and an offset at the edges.
 */
import { dirname, isAbsolute, join } from 'node:path'
import type { Diagnostic } from './diagnostic.js'
import type { Policy, Span } from './ir.js'
import type { YEntry, YNode } from './parse/index.js'

/** Reads a policy file: its text, or null/undefined when there is no such file. May throw. */
export type Resolver = (path: string) => string | null | undefined

/** An extended file, as the edges need it: where its spans start (`base`) and its text. */
export interface SourceFile {
  filename: string
  source: string
  /** Offset of the file's first character in the policy's span space; the compiled file's is 0. */
  base: number
}

export interface LoadedFile extends SourceFile {
  root: YNode | null
}

function topEntry(root: YNode | null, key: string): YEntry | undefined {
  return root?.kind === 'map' ? root.entries.find(e => e.key === key) : undefined
}

function pushAt(out: Diagnostic[], file: SourceFile, d: Omit<Diagnostic, 'span'> & { span: Span }): void {
  out.push({ ...d, span: { start: d.span.start + file.base, end: d.span.end + file.base } })
}

/**
 * Every file `main` extends, directly or not, in merge order (a file before the files extending it),
 * each once. Cycles, missing files and unreadable entries are diagnostics with global spans.
 */
export function loadExtends(main: LoadedFile, resolve: Resolver | undefined, parse: (source: string) => { root: YNode | null; diagnostics: Diagnostic[] }, out: Diagnostic[]): LoadedFile[] {
  const order: LoadedFile[] = []
  const seen = new Set<string>([main.filename])
  let next = main.base + main.source.length + 1
  const visit = (file: LoadedFile, stack: string[]): void => {
    const entry = topEntry(file.root, 'extends')
    if (!entry) return
    const items = entry.value.kind === 'seq' ? entry.value.items : [entry.value]
    for (const item of items) {
      if (item.kind !== 'scalar' || typeof item.value !== 'string' || item.value === '') {
        pushAt(out, file, { code: 'invalid-type', severity: 'error', message: '`extends` takes a relative path or a list of them', span: item.span })
        continue
      }
      const spec = item.value
      if (isAbsolute(spec) || /^[a-z][a-z0-9+.-]*:/i.test(spec)) {
        pushAt(out, file, { code: 'invalid-extends', severity: 'error', message: `\`extends\` paths are relative to the policy file, got \`${spec}\``, span: item.span, help: 'write the path from this file, e.g. `./packs/ssrf.policy.yaml`' })
        continue
      }
      if (resolve === undefined) {
        pushAt(out, file, { code: 'extends-unavailable', severity: 'error', message: `cannot read \`${spec}\`: this compile was given no way to read other files`, span: item.span, help: 'pass `resolve` to `compile()` (the plugin and the CLI do)' })
        continue
      }
      const path = join(dirname(file.filename), spec)
      if (stack.includes(path)) {
        pushAt(out, file, { code: 'extends-cycle', severity: 'error', message: `\`${spec}\` extends this file again: ${[...stack.slice(stack.indexOf(path)), path].map(p => `\`${p}\``).join(' → ')}`, span: item.span, help: 'a pack may not extend, directly or not, a file that extends it' })
        continue
      }
      if (seen.has(path)) continue
      let text: string | null | undefined
      try {
        text = resolve(path)
      } catch (e) {
        pushAt(out, file, { code: 'extends-unreadable', severity: 'error', message: `cannot read \`${spec}\`: ${e instanceof Error ? e.message : String(e)}`, span: item.span })
        continue
      }
      if (typeof text !== 'string') {
        pushAt(out, file, { code: 'extends-not-found', severity: 'error', message: `no policy file \`${spec}\``, span: item.span, help: `looked for \`${path}\`` })
        continue
      }
      seen.add(path)
      const parsed = parse(text)
      const loaded: LoadedFile = { filename: path, source: text, base: next, root: parsed.root }
      next += text.length + 1
      for (const d of parsed.diagnostics) pushAt(out, loaded, d)
      visit(loaded, [...stack, path])
      order.push(loaded)
    }
  }
  visit(main, [main.filename])
  return order
}

/** A deep copy of an IR value with every span moved by `delta`; user JSON (schemas, metadata, defaults) is shared. */
export function shiftSpans<T>(value: T, delta: number): T {
  if (delta === 0) return value
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (v === null || typeof v !== 'object') return v
    if (key === 'schema' || key === 'metadata' || key === 'default') return v
    if (key === 'span' || key === 'keySpan') {
      const s = v as Span
      return { start: s.start + delta, end: s.end + delta }
    }
    if (Array.isArray(v)) return v.map(x => walk(x, undefined))
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: walk(x, k), enumerable: true, writable: true, configurable: true })
    return out
  }
  return walk(value, undefined) as T
}

export interface Lowered {
  file: LoadedFile
  policy: Policy
}

/** Names a file declares itself under `tools:`, `context:` and `params:`, with their key spans (global). */
function declared(file: LoadedFile, section: string): Map<string, Span> {
  const out = new Map<string, Span>()
  const e = topEntry(file.root, section)
  if (e?.value.kind === 'map') for (const x of e.value.entries) out.set(x.key, { start: x.keySpan.start + file.base, end: x.keySpan.end + file.base })
  return out
}

/**
 * The merged policy: `lowered` in merge order, the compiled file last (its settings win). A rule id,
 * declared tool, context field or param that two files define is an error in both.
 */
export function mergePolicies(lowered: Lowered[], out: Diagnostic[], where: (offset: number) => string): Policy {
  const main = lowered[lowered.length - 1]!.policy
  const merged: Policy = { ...main, tools: [], context: [], params: [], rules: [] }
  const twice = (what: string, name: string, first: Span, again: Span): void => {
    out.push({ code: `duplicate-${what === 'rule id' ? 'id' : what.replace(' ', '-')}`, severity: 'error', message: `${what} \`${name}\` is defined again in \`${where(again.start)}\``, span: first, help: `each ${what} is defined once across a policy and the files it extends; rename or remove one` })
    out.push({ code: `duplicate-${what === 'rule id' ? 'id' : what.replace(' ', '-')}`, severity: 'error', message: `${what} \`${name}\` is already defined in \`${where(first.start)}\``, span: again, help: `each ${what} is defined once across a policy and the files it extends; rename or remove one` })
  }
  const ruleAt = new Map<string, Span>()
  const toolAt = new Map<string, Span>()
  const fieldAt = new Map<string, Span>()
  const paramAt = new Map<string, Span>()
  for (const { file, policy } of lowered) {
    const tools = declared(file, 'tools')
    for (const t of policy.tools) {
      const mine = tools.get(t.name)
      const index = merged.tools.findIndex(x => x.name === t.name)
      if (mine) {
        const first = toolAt.get(t.name)
        if (first) twice('tool', t.name, first, mine)
        else {
          toolAt.set(t.name, mine)
          // a tool an earlier file only named in a rule takes this file's declaration
          if (index >= 0) merged.tools[index] = t
          else merged.tools.push(t)
        }
      } else if (index < 0) merged.tools.push(t)
    }
    // a context field or a param is defined once across all the files
    const once = <T extends { name: string; span: Span }>(what: string, items: readonly T[], seen: Map<string, Span>, into: T[]): void => {
      for (const x of items) {
        const first = seen.get(x.name)
        if (first) twice(what, x.name, first, x.span)
        else {
          seen.set(x.name, x.span)
          into.push(x)
        }
      }
    }
    once('context field', policy.context, fieldAt, merged.context)
    once('param', policy.params, paramAt, merged.params)
    for (const r of policy.rules) {
      const first = ruleAt.get(r.id)
      if (first) twice('rule id', r.id, first, r.span)
      else ruleAt.set(r.id, r.span)
      merged.rules.push({ ...r, index: merged.rules.length })
    }
  }
  return merged
}

/** The keys a pack may hold; others are the extending policy's to set, and are ignored with a warning. */
export const PACK_IGNORED: readonly string[] = ['default', 'unknown_tools', 'fail_mode', 'approval_ttl', 'regex_input_limit']

export function packWarnings(file: LoadedFile, out: Diagnostic[]): void {
  for (const key of PACK_IGNORED) {
    const e = topEntry(file.root, key)
    if (e) pushAt(out, file, { code: 'extends-ignored', severity: 'warning', message: `\`${key}\` in an extended file has no effect`, span: e.keySpan, help: 'the policy that extends this file decides its own `default`, `unknown_tools`, `fail_mode` and `approval_ttl`' })
  }
  const settings = topEntry(file.root, 'settings')
  if (settings?.value.kind === 'map') for (const e of settings.value.entries) {
    if (e.key === 'default_action' || e.key === 'fail_mode') pushAt(out, file, { code: 'extends-ignored', severity: 'warning', message: `\`settings.${e.key}\` in an extended file has no effect`, span: e.keySpan, help: 'the policy that extends this file decides its own default action and fail mode' })
  }
}

/** The file and local offset of a global offset: the file with the greatest `base` not past it. */
export function locate<F extends { base: number }>(files: readonly F[], offset: number): { file: F; offset: number } {
  let best = files[0]!
  for (const f of files) if (f.base <= offset && f.base >= best.base) best = f
  return { file: best, offset: offset - best.base }
}
