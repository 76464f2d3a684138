/**
 * Step one: YAML text → a neutral node tree with spans. Everything YAML-specific (quoting styles,
 * escapes, aliases) is settled here; `lower` only sees maps, sequences and scalars.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node as YamlNode } from 'yaml'
import type { Diagnostic } from '../diagnostic.js'
import type { Span } from '../ir.js'

export type YNode = YMap | YSeq | YScalar

export interface YMap {
  kind: 'map'
  entries: YEntry[]
  span: Span
}

export interface YEntry {
  key: string
  keySpan: Span
  value: YNode
}

export interface YSeq {
  kind: 'seq'
  items: YNode[]
  span: Span
}

export interface YScalar {
  kind: 'scalar'
  value: string | number | boolean | null
  /** The raw source text of the scalar (with quotes). */
  raw: string
  style: 'plain' | 'single' | 'double' | 'block'
  span: Span
}

export interface ParseResult {
  root: YNode | null
  diagnostics: Diagnostic[]
}

const BACKSLASH_HELP =
  'inside double quotes YAML reads a backslash as an escape; write the value in single quotes (`\'...\'`), where a backslash is literal'

export function parse(source: string): ParseResult {
  const diagnostics: Diagnostic[] = []
  const lineCounter = new LineCounter()
  const doc = parseDocument(source, { lineCounter, keepSourceTokens: true, uniqueKeys: true, prettyErrors: false, strict: true })
  for (const e of doc.errors) {
    const [start, end] = e.pos
    const message = firstLine(e.message)
    if (e.code === 'BAD_DQ_ESCAPE') {
      const seq = source.slice(start, Math.max(end, start + 2))
      diagnostics.push({ code: 'yaml-bad-escape', severity: 'error', message: `invalid escape \`${seq}\` in a double-quoted string`, span: { start, end: start + seq.length }, help: BACKSLASH_HELP })
    } else if (e.code === 'DUPLICATE_KEY') {
      diagnostics.push({ code: 'duplicate-key', severity: 'error', message: 'duplicate key in a mapping', span: { start, end: Math.max(end, start + 1) }, help: 'each key may appear once; remove or merge the repeated key' })
    } else {
      diagnostics.push({ code: 'yaml-syntax', severity: 'error', message: `yaml syntax: ${message}`, span: { start, end: Math.max(end, start + 1) } })
    }
  }
  for (const w of doc.warnings) {
    diagnostics.push({ code: 'yaml-warning', severity: 'warning', message: firstLine(w.message), span: { start: w.pos[0], end: Math.max(w.pos[1], w.pos[0] + 1) } })
  }
  const root = doc.contents === null ? null : convert(doc, doc.contents as YamlNode, source, 0)
  return { root, diagnostics }
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message
  const trimmed = line.replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '')
  return trimmed.charAt(0).toLowerCase() + trimmed.slice(1)
}

function spanOf(node: { range?: [number, number, number] | null | undefined }): Span {
  const r = node.range
  return r ? { start: r[0], end: r[1] } : { start: 0, end: 0 }
}

function convert(doc: Document, node: YamlNode, source: string, depth: number): YNode {
  if (depth > 64) return { kind: 'scalar', value: null, raw: '', style: 'plain', span: spanOf(node) }
  if (isAlias(node)) {
    const target = node.resolve(doc)
    if (target) return convert(doc, target as YamlNode, source, depth + 1)
    return { kind: 'scalar', value: null, raw: '', style: 'plain', span: spanOf(node) }
  }
  if (isMap(node)) {
    const entries: YEntry[] = []
    for (const item of node.items) {
      if (!isPair(item)) continue
      const k = item.key as YamlNode | null
      const keySpan = k && 'range' in k ? spanOf(k) : spanOf(node)
      const key = isScalar(k) ? String(k.value) : k === null ? '' : String(k)
      const v = item.value as YamlNode | null
      const value: YNode = v === null
        ? { kind: 'scalar', value: null, raw: '', style: 'plain', span: { start: keySpan.end, end: keySpan.end } }
        : convert(doc, v, source, depth + 1)
      entries.push({ key, keySpan, value })
    }
    return { kind: 'map', entries, span: spanOf(node) }
  }
  if (isSeq(node)) {
    return {
      kind: 'seq',
      items: node.items.map(i => (i === null ? { kind: 'scalar', value: null, raw: '', style: 'plain', span: spanOf(node) } : convert(doc, i as YamlNode, source, depth + 1))),
      span: spanOf(node),
    }
  }
  if (isScalar(node)) {
    const span = spanOf(node)
    const v = node.value
    const value = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null ? v : String(v)
    const style = node.type === Scalar.QUOTE_SINGLE ? 'single' : node.type === Scalar.QUOTE_DOUBLE ? 'double' : node.type === Scalar.BLOCK_FOLDED || node.type === Scalar.BLOCK_LITERAL ? 'block' : 'plain'
    return { kind: 'scalar', value, raw: source.slice(span.start, span.end), style, span }
  }
  return { kind: 'scalar', value: null, raw: '', style: 'plain', span: spanOf(node) }
}

/**
 * Where, in the source, character `i` of a string scalar's value lies. Exact for single-line plain,
 * single-quoted and double-quoted scalars; for block scalars and folded lines it falls back to the
 * nearest reliable position.
 */
export function scalarOffset(node: YScalar, i: number): number {
  const raw = node.raw
  const base = node.span.start
  if (node.style === 'plain') return raw.includes('\n') ? base : base + Math.min(i, raw.length)
  if (node.style === 'block') return blockOffset(node, i)
  let v = 0
  let s = 1
  while (s < raw.length - 1) {
    if (v >= i) return base + s
    const c = raw[s]
    if (c === '\n') return base
    if (node.style === 'single') {
      s += c === "'" && raw[s + 1] === "'" ? 2 : 1
      v += 1
      continue
    }
    if (c === '\\') {
      const e = raw[s + 1]
      const len = e === 'x' ? 4 : e === 'u' ? 6 : e === 'U' ? 10 : 2
      v += e === 'U' ? 2 : 1
      s += len
    } else {
      s += 1
      v += 1
    }
  }
  return base + Math.min(s, raw.length)
}

function blockOffset(node: YScalar, i: number): number {
  // A literal block scalar keeps its lines; find the value's first line in the raw text.
  const value = typeof node.value === 'string' ? node.value : ''
  const firstLine = value.split('\n')[0] ?? ''
  const at = firstLine === '' ? -1 : node.raw.indexOf(firstLine)
  if (at < 0) return node.span.start
  const lineOfI = value.slice(0, i).split('\n').length - 1
  if (lineOfI === 0) return node.span.start + at + i
  return node.span.start + at
}
