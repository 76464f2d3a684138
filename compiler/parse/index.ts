/**
 * Step one: YAML text → a neutral node tree with spans. Everything YAML-specific (quoting styles,
 * escapes, aliases) is settled here; `lower` only sees maps, sequences and scalars.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, Scalar, type Document, type Node as YamlNode } from 'yaml'
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

/** Deepest nesting of maps and sequences a policy may use (flow or block). */
export const MAX_DEPTH = 64
/** yaml's own bound on alias expansion (`maxAliasCount` of `toJS`): aliases × the aliases inside their anchors. */
export const MAX_ALIAS_COUNT = 1000
/**
 * How many aliases a policy may use: each one is looked up among the anchors and aliases before it
 * (the yaml package's alias cache is a list), so their number bounds that work.
 */
export const MAX_ALIASES = 5000
/** How many nodes aliases may add to the tree in all, once expanded. */
export const MAX_EXPANDED_NODES = 100_000

/** The tags of YAML's core schema (plus `!`, which only says "a string"); any other tag is refused. */
const CORE_TAGS: Record<string, (v: unknown) => boolean> = {
  'tag:yaml.org,2002:str': v => typeof v === 'string',
  'tag:yaml.org,2002:int': v => typeof v === 'number',
  'tag:yaml.org,2002:float': v => typeof v === 'number',
  'tag:yaml.org,2002:bool': v => typeof v === 'boolean',
  'tag:yaml.org,2002:null': v => v === null,
  // a scalar never fits these; a map or a sequence is checked against its own tag in `convert`
  'tag:yaml.org,2002:map': () => false,
  'tag:yaml.org,2002:seq': () => false,
  '!': v => typeof v === 'string',
}

/** A tag as a policy author writes it: `!!int` for the core schema's `tag:yaml.org,2002:int`. */
const shownTag = (tag: string): string => tag.replace(/^tag:yaml\.org,2002:/, '!!')

/**
 * Where the flow brackets (`[`, `{`) of the text first nest deeper than `MAX_DEPTH`, counting every
 * bracket, quoted or not: an over-count, never an under-count. The yaml package's lexer needs memory
 * and time that grow much faster than the depth of flow nesting (a few thousand `[` exhaust the
 * heap), so such a text is refused before it reaches the lexer. Brackets inside strings only ever
 * make the count larger; no real policy has 64 unclosed brackets in its strings.
 */
function flowTooDeep(source: string): number {
  let depth = 0
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i)
    if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_DEPTH) return i
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--
  }
  return -1
}

export function parse(source: string): ParseResult {
  const diagnostics: Diagnostic[] = []
  const deep = flowTooDeep(source)
  if (deep >= 0) {
    diagnostics.push({ code: 'yaml-too-deep', severity: 'error', message: `the policy nests brackets more than ${MAX_DEPTH} levels deep`, span: { start: deep, end: deep + 1 }, help: 'a policy needs only a few levels; flatten the structure' })
    return { root: null, diagnostics }
  }
  // YAML allows only printable characters; the yaml package lets some through as text
  for (const m of source.matchAll(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g)) {
    diagnostics.push({ code: 'control-character', severity: 'error', message: `control character U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} in the policy`, span: { start: m.index, end: m.index + 1 }, help: 'a policy is text; write the character as an escape (`"\\u0000"`) inside a double-quoted string' })
  }
  // U+FFFD is what a reader puts where the bytes were not valid UTF-8
  for (const m of source.matchAll(/\ufffd/g)) {
    diagnostics.push({ code: 'replacement-character', severity: 'warning', message: 'replacement character U+FFFD: the file may not be valid UTF-8', span: { start: m.index, end: m.index + 1 }, help: 'save the policy as UTF-8; if the character is meant, write it as `"\\uFFFD"`' })
  }
  // duplicate keys are found in `convert` with a set: the yaml package's `uniqueKeys` compares each
  // key with every earlier one, quadratic in the size of a map
  // no source tokens and no line counter: nothing reads them (offsets become lines at the edges), and
  // keeping the tokens kept the whole concrete syntax tree alive until the end of a compile
  const doc = parseDocument(source, { uniqueKeys: false, prettyErrors: false, strict: true })
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
    // an unresolved tag is reported (as an error) where the tagged node is converted
    if (w.code === 'TAG_RESOLVE_FAILED') continue
    diagnostics.push({ code: 'yaml-warning', severity: 'warning', message: firstLine(w.message), span: { start: w.pos[0], end: Math.max(w.pos[1], w.pos[0] + 1) } })
  }
  const cx: Cx = {
    doc,
    source,
    diagnostics,
    // what `doc.toJS()` hands to the yaml package's alias resolution: with it, `maxAliasCount` and
    // the alias cache apply (without it every alias walks the whole document and nothing is bounded)
    yaml: { anchors: new Map(), doc, keep: true, mapAsMap: false, mapKeyWarned: true, maxAliasCount: MAX_ALIAS_COUNT },
    expanded: 0,
    aliases: 0,
    aliased: new Map(),
    failed: false,
  }
  const root = doc.contents === null ? null : convert(cx, doc.contents as YamlNode, 0)
  return { root, diagnostics }
}

interface Cx {
  doc: Document
  source: string
  diagnostics: Diagnostic[]
  yaml: object
  /** nodes added by expanding aliases so far */
  expanded: number
  /** aliases met so far */
  aliases: number
  /** each anchored node, converted once; an alias reuses it (counted in `expanded`) */
  aliased: Map<YamlNode, { node: YNode; size: number }>
  /** set by a resource bound: the rest of the tree is not converted (it reads as nulls) */
  failed: boolean
}

function sizeOf(n: YNode): number {
  if (n.kind === 'scalar') return 1
  if (n.kind === 'seq') return n.items.reduce((s, i) => s + sizeOf(i), 1)
  return n.entries.reduce((s, e) => s + sizeOf(e.value), 1)
}

const NULL_AT = (span: Span): YScalar => ({ kind: 'scalar', value: null, raw: '', style: 'plain', span })

function refuse(cx: Cx, code: string, message: string, span: Span, help?: string): YScalar {
  cx.diagnostics.push({ code, severity: 'error', message, span: { start: span.start, end: Math.max(span.end, span.start + 1) }, ...(help !== undefined ? { help } : {}) })
  return NULL_AT(span)
}

/** A value or key whose text does not fit the core-schema tag written on it (`!!int abc`). */
function notValid(cx: Cx, tag: string, span: Span): YScalar {
  return refuse(cx, 'yaml-tag', `\`${cx.source.slice(span.start, span.end)}\` is not a valid \`${shownTag(tag)}\``, span)
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

function convert(cx: Cx, node: YamlNode, depth: number): YNode {
  const span = spanOf(node)
  if (cx.failed) return NULL_AT(span)
  if (depth > MAX_DEPTH) {
    cx.failed = true
    return refuse(cx, 'yaml-too-deep', `the policy nests more than ${MAX_DEPTH} levels deep`, span, 'a policy needs only a few levels; flatten the structure')
  }
  if (isAlias(node)) {
    if (++cx.aliases > MAX_ALIASES) {
      cx.failed = true
      return refuse(cx, 'yaml-alias-limit', `more than ${MAX_ALIASES} aliases`, span, 'write the values out, or use fewer aliases')
    }
    let target: YamlNode | undefined
    try {
      target = node.resolve(cx.doc, cx.yaml as never) as YamlNode | undefined
    } catch (e) {
      cx.failed = true
      return refuse(cx, 'yaml-alias-limit', `too many aliases: ${firstLine(String((e as Error).message))}`, span, `aliases may expand to at most ${MAX_ALIAS_COUNT} copies of what they name; write the values out, or use fewer levels of aliases`)
    }
    if (!target) return refuse(cx, 'yaml-syntax', `yaml syntax: unresolved alias \`*${node.source}\``, span)
    let done = cx.aliased.get(target)
    if (done === undefined) {
      const converted = convert(cx, target, depth + 1)
      done = { node: converted, size: sizeOf(converted) }
      cx.aliased.set(target, done)
    }
    cx.expanded += done.size
    if (cx.expanded > MAX_EXPANDED_NODES) {
      cx.failed = true
      return refuse(cx, 'yaml-alias-limit', `aliases expand to more than ${MAX_EXPANDED_NODES} nodes`, span, 'write the values out, or use fewer aliases')
    }
    return done.node
  }
  const tag = (node as { tag?: string }).tag
  if (tag !== undefined && !Object.hasOwn(CORE_TAGS, tag)) {
    return refuse(cx, 'yaml-tag', `the tag \`${shownTag(tag)}\` is not allowed`, span, 'a policy uses YAML\'s core schema only (strings, numbers, booleans, null, maps, sequences); remove the tag')
  }
  // the yaml package only warns when a collection's tag names the other kind (or a scalar kind), and
  // keeps the collection: a policy would then not be what its text says
  const collection = isMap(node) ? 'map' : isSeq(node) ? 'seq' : undefined
  if (collection !== undefined && tag !== undefined && tag !== `tag:yaml.org,2002:${collection}` && tag !== '!') {
    return refuse(cx, 'yaml-tag', `a ${collection === 'map' ? 'map' : 'sequence'} cannot be tagged \`${shownTag(tag)}\``, span, 'remove the tag')
  }
  if (isMap(node)) {
    const entries: YEntry[] = []
    const seen = new Set<string>()
    for (const item of node.items) {
      if (!isPair(item)) continue
      const k = item.key as YamlNode | null
      const keySpan = k && 'range' in k ? spanOf(k) : span
      if (!isScalar(k)) {
        refuse(cx, 'yaml-key', k === null ? 'a mapping entry has no key' : 'a mapping key must be a plain value, not a map, a sequence or an alias', keySpan, 'write the key as a string')
        continue
      }
      if (k.value === '<<' && k.type === Scalar.PLAIN) {
        refuse(cx, 'yaml-merge-key', 'merge keys (`<<`) are not supported', keySpan, 'write the entries out; to use `<<` as a key, quote it')
        continue
      }
      if (k.tag !== undefined && !Object.hasOwn(CORE_TAGS, k.tag)) {
        refuse(cx, 'yaml-tag', `the tag \`${shownTag(k.tag)}\` is not allowed`, keySpan, 'a policy uses YAML\'s core schema only; remove the tag')
        continue
      }
      if (k.tag !== undefined && !CORE_TAGS[k.tag]!(k.value)) {
        notValid(cx, k.tag, keySpan)
        continue
      }
      const key = String(k.value)
      if (seen.has(key)) {
        refuse(cx, 'duplicate-key', 'duplicate key in a mapping', keySpan, 'each key may appear once; remove or merge the repeated key')
        continue
      }
      seen.add(key)
      const v = item.value as YamlNode | null
      const value: YNode = v === null ? NULL_AT({ start: keySpan.end, end: keySpan.end }) : convert(cx, v, depth + 1)
      entries.push({ key, keySpan, value })
    }
    return { kind: 'map', entries, span }
  }
  if (isSeq(node)) {
    return { kind: 'seq', items: node.items.map(i => (i === null ? NULL_AT(span) : convert(cx, i as YamlNode, depth + 1))), span }
  }
  if (isScalar(node)) {
    const v = node.value
    if (tag !== undefined && !CORE_TAGS[tag]!(v)) return notValid(cx, tag, span)
    const value = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null ? v : String(v)
    const style = node.type === Scalar.QUOTE_SINGLE ? 'single' : node.type === Scalar.QUOTE_DOUBLE ? 'double' : node.type === Scalar.BLOCK_FOLDED || node.type === Scalar.BLOCK_LITERAL ? 'block' : 'plain'
    return { kind: 'scalar', value, raw: cx.source.slice(span.start, span.end), style, span }
  }
  return NULL_AT(span)
}

/**
 * Where, in the source, character `i` of a string scalar's value lies. Exact for single-line plain,
 * single-quoted and double-quoted scalars, and for block and multi-line scalars at every character
 * that is not a blank; a multi-line quoted scalar with an escape (whose value's characters are not
 * the source's) falls back to its start.
 */
export function scalarOffset(node: YScalar, i: number): number {
  const raw = node.raw
  const base = node.span.start
  if (node.style === 'block') return base + alignedOffset(node, i)
  if (node.style === 'plain') return raw.includes('\n') ? base + alignedOffset(node, i) : base + Math.min(i, raw.length)
  if (raw.includes('\n')) return (node.style === 'double' ? raw.includes('\\') : raw.slice(1, -1).includes("''")) ? base : base + alignedOffset(node, i)
  let v = 0
  let s = 1
  while (s < raw.length - 1) {
    if (v >= i) return base + s
    const c = raw[s]
    if (node.style === 'single') {
      s += c === "'" && raw[s + 1] === "'" ? 2 : 1
      v += 1
      continue
    }
    if (c === '\\') {
      const e = raw[s + 1]
      const len = e === 'x' ? 4 : e === 'u' ? 6 : e === 'U' ? 10 : 2
      // a `\U` escape is two UTF-16 units of the value only past U+FFFF (`\U00000041` is one: `A`)
      v += e === 'U' && Number.parseInt(raw.slice(s + 2, s + 10), 16) > 0xffff ? 2 : 1
      s += len
    } else {
      s += 1
      v += 1
    }
  }
  return base + Math.min(s, raw.length)
}

const isBlank = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r'

/**
 * Per multi-line scalar: where its text starts in `raw` (past a block scalar's header line or an
 * opening quote), the non-blank characters of its value before each index, and where each non-blank
 * is in `raw`.
 */
interface Alignment {
  from: number
  before: Uint32Array
  at: Uint32Array
}
// built once per scalar: every node of a `when` expression asks for its span
const alignments = new WeakMap<YScalar, Alignment>()

function alignment(node: YScalar): Alignment {
  let a = alignments.get(node)
  if (a !== undefined) return a
  const from = node.style === 'block' ? node.raw.indexOf('\n') + 1 : node.style === 'plain' ? 0 : 1
  const value = typeof node.value === 'string' ? node.value : ''
  const before = new Uint32Array(value.length + 1)
  for (let j = 0; j < value.length; j++) before[j + 1] = before[j]! + (isBlank(value[j]!) ? 0 : 1)
  const at = new Uint32Array(before[value.length]!)
  let n = 0
  for (let s = from; s < node.raw.length && n < at.length; s++) if (!isBlank(node.raw[s]!)) at[n++] = s
  // a value with more non-blanks than its source (not expected) ends them at the source's end
  at.fill(node.raw.length, n)
  a = { from, before, at }
  alignments.set(node, a)
  return a
}

/**
 * Offset in `raw` of value character `i` of a scalar spread over lines: folding, indentation and
 * line ends change only blanks, so the value's non-blank characters are the source's, in order,
 * from where its text starts. A blank, or the end of the value, maps to just after the non-blank
 * character before it, so a span ends on its last character and not on the next line.
 */
function alignedOffset(node: YScalar, i: number): number {
  const { from, before, at } = alignment(node)
  const k = Math.max(0, Math.min(i, before.length - 1))
  const onBlank = k >= before.length - 1 || before[k + 1] === before[k]
  if (!onBlank) return at[before[k]!]!
  return before[k] === 0 ? from : at[before[k]! - 1]! + 1
}
