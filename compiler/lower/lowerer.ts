/** What every lowering step shares: the diagnostics sink, strict key checks, typed scalar reads. */
import type { Diagnostic } from '../diagnostic.js'
import type { Action, Expr, JsonValue, OpName, Span } from '../ir.js'
import { scalarOffset, type YEntry, type YNode, type YScalar } from '../parse/index.js'
import { lowerExpression, type EnvValues } from './expr.js'
import { didYouMean } from './suggest.js'

export interface LowerOptions {
  filename: string
  env?: EnvValues
}

export const POLICY_KEYS: readonly string[] = ['extends', 'version', 'name', 'description', 'default', 'unknown_tools', 'fail_mode', 'regex_input_limit', 'tools', 'context', 'params', 'rules', 'settings', 'approval_ttl']
/**
 * The default `regex_input_limit`: the longest input on which a degree-2 regex's worst case stays
 * near 10 ms on Node 20 (measured by `bench/regex-bound.ts`; the figures are in the README).
 */
export const DEFAULT_REGEX_INPUT_LIMIT = 4096
export const SETTINGS_KEYS: readonly string[] = ['default_action', 'fail_mode', 'global_tags']
export const TOOL_KEYS: readonly string[] = ['description', 'parameters', 'redact', 'normalize', 'adds', 'returns']
export const RULE_KEYS: readonly string[] = ['id', 'name', 'description', 'message', 'action', 'tool', 'tools', 'when', 'conditions', 'condition_groups', 'severity', 'enabled', 'tags', 'metadata', 'limit', 'outside_hours', 'on', 'redact', 'adds']
export const CONTEXT_FIELD_KEYS: readonly string[] = ['count']
export const PARAM_KEYS: readonly string[] = ['type', 'default', 'description']
export const FAIL_MODES: readonly string[] = ['closed', 'open']
export const CONDITION_KEYS: readonly string[] = ['field', 'operator', 'value']
export const LIMIT_KEYS: readonly string[] = ['max', 'per', 'key']
export const COUNTER_KEYS: readonly string[] = ['per', 'tool', 'tools', 'key']
export const HOURS_KEYS: readonly string[] = ['from', 'to', 'tz']
export const ACTIONS: Record<string, { action: Action; warn: boolean }> = {
  allow: { action: 'allow', warn: false },
  review: { action: 'review', warn: false },
  deny: { action: 'deny', warn: false },
  block: { action: 'deny', warn: false },
  require_approval: { action: 'review', warn: false },
  warn: { action: 'allow', warn: true },
  log: { action: 'allow', warn: true },
}
export const DECISIONS: readonly string[] = ['allow', 'review', 'deny']
export const SEVERITIES: readonly string[] = ['critical', 'high', 'medium', 'low', 'info']
export const SCALAR_TYPES: readonly string[] = ['string', 'number', 'boolean', 'string[]', 'number[]', 'unknown']
export const OPERATORS: OpName[] = ['equals', 'contains', 'starts_with', 'ends_with', 'matches', 'greater_than', 'greater_than_or_equal', 'less_than', 'less_than_or_equal', 'in', 'exists']
/** Condition operators that run a detector (SPEC 4.2); they take no `value`. */
export const DETECTOR_OPERATORS: Record<string, 'secret' | 'pii'> = { contains_secret: 'secret', contains_pii: 'pii' }
/** SPEC 4.4 operators; they lower to address-test nodes rather than `Op` (compiler/lower/conditions.ts). */
export const ADDRESS_OPERATORS: readonly string[] = ['in_cidr', 'private_address']
export const ALL_OPERATORS: readonly string[] = [...OPERATORS, ...ADDRESS_OPERATORS, ...Object.keys(DETECTOR_OPERATORS)].flatMap(o => [o, `not_${o}`])
export const NORMALIZE_KINDS: readonly string[] = ['path', 'url', 'shell', 'text', 'lower', 'trim']
export const FIELD_ROOTS: Record<string, 'args' | 'context' | 'params' | 'tool'> = { arguments: 'args', args: 'args', context: 'context', params: 'params', tool_name: 'tool' }
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])
export const LABEL: RegExp = /^[A-Za-z0-9_.:-]{1,64}$/
export const PER_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

export class Lowerer {
  readonly diagnostics: Diagnostic[] = []
  constructor(readonly options: LowerOptions, readonly source: string) {}

  error(code: string, message: string, span: Span, help?: string): void {
    this.diagnostics.push({ code, severity: 'error', message, span, ...(help !== undefined ? { help } : {}) })
  }

  warn(code: string, message: string, span: Span, help?: string): void {
    this.diagnostics.push({ code, severity: 'warning', message, span, ...(help !== undefined ? { help } : {}) })
  }

  /** The entries of a map, after reporting unknown keys (with a suggestion) for `where`. */
  entries(node: YNode, allowed: readonly string[], where: string): Map<string, YEntry> | null {
    if (node.kind !== 'map') {
      this.error('invalid-type', `${where} must be a mapping`, node.span)
      return null
    }
    const out = new Map<string, YEntry>()
    for (const e of node.entries) {
      if (!allowed.includes(e.key)) {
        this.error('unknown-key', `unknown key \`${e.key}\` in ${where}`, e.keySpan, didYouMean(e.key, allowed) ?? `allowed keys: ${allowed.map(k => `\`${k}\``).join(', ')}`)
        continue
      }
      out.set(e.key, e)
    }
    return out
  }

  string(node: YNode, what: string): string | undefined {
    if (node.kind === 'scalar' && typeof node.value === 'string') return node.value
    if (node.kind === 'scalar' && (typeof node.value === 'number' || typeof node.value === 'boolean') && what.endsWith('name')) return String(node.value)
    this.error('invalid-type', `${what} must be a string`, node.span)
    return undefined
  }

  stringList(node: YNode, what: string): string[] | undefined {
    if (node.kind === 'scalar' && typeof node.value === 'string') return [node.value]
    if (node.kind !== 'seq') {
      this.error('invalid-type', `${what} must be a list of strings`, node.span)
      return undefined
    }
    const out: string[] = []
    for (const item of node.items) {
      const s = this.string(item, `each entry of ${what}`)
      if (s !== undefined) out.push(s)
    }
    return out
  }

  choice(node: YNode, options: readonly string[], what: string): string | undefined {
    if (node.kind !== 'scalar' || typeof node.value !== 'string') {
      this.error('invalid-type', `${what} must be one of ${options.map(o => `\`${o}\``).join(', ')}`, node.span)
      return undefined
    }
    if (!options.includes(node.value)) {
      this.error('invalid-value', `unknown ${what} \`${node.value}\``, node.span, didYouMean(node.value, options) ?? `expected one of ${options.map(o => `\`${o}\``).join(', ')}`)
      return undefined
    }
    return node.value
  }

  bool(node: YNode, what: string): boolean | undefined {
    if (node.kind === 'scalar' && typeof node.value === 'boolean') return node.value
    this.error('invalid-type', `${what} must be \`true\` or \`false\``, node.span)
    return undefined
  }

  expression(node: YScalar, text: string, resultRule = false): Expr | null {
    return lowerExpression(text, { at: i => scalarOffset(node, i), env: this.options.env, diagnostics: this.diagnostics, resultRule })
  }

  /** `adds:` — session labels: short names of letters, digits and `_ . : -`. */
  labels(node: YNode, what: string): string[] | undefined {
    const list = this.stringList(node, what)
    if (list === undefined) return undefined
    // Stryker disable next-line ArrayDeclaration: with no items, `items[i]?.span ?? node.span` below is the same span
    const items = node.kind === 'seq' ? node.items : [node]
    const out: string[] = []
    list.forEach((l, i) => {
      // Stryker disable next-line OptionalChaining: stringList returns one string per item, so items[i] always exists
      if (!LABEL.test(l)) this.error('invalid-label', `invalid session label \`${l}\``, items[i]?.span ?? node.span, 'a label is 1 to 64 letters, digits, `_`, `.`, `:` or `-`')
      else if (!out.includes(l)) out.push(l)
    })
    return out
  }
}

/** JSON value of a YAML node (for schemas, metadata, defaults, condition values). */
export function toJson(node: YNode): JsonValue {
  if (node.kind === 'scalar') return node.value
  if (node.kind === 'seq') return node.items.map(toJson)
  const out: { [key: string]: JsonValue } = {}
  for (const e of node.entries) Object.defineProperty(out, e.key, { value: toJson(e.value), enumerable: true, writable: true, configurable: true })
  return out
}

/** Where each tool name of a rule's `tool`/`tools` is written, for diagnostics about that name. */
export type ToolRefs = Map<string, Span>

export function spanHead(node: YNode): Span {
  return { start: node.span.start, end: Math.min(node.span.end, node.span.start + 1) }
}
/**
 * `tool: x` or `tools: [x, y]` of a rule or counter (`owner` names it in messages): the tools, or
 * `'*'` when absent or listing `*`. Where each name is written goes into `refs`, when given.
 */
export function toolList(lw: Lowerer, m: Map<string, YEntry>, owner: string, refs?: ToolRefs): string[] | '*' {
  const tE = m.get('tool')
  const tsE = m.get('tools')
  if (tE && tsE) lw.error('conflicting-keys', `${owner} has both \`tool\` and \`tools\``, tsE.keySpan, 'keep one of them')
  const toolNode = tsE ?? tE
  if (!toolNode) return '*'
  if (refs) {
    const items = toolNode.value.kind === 'seq' ? toolNode.value.items : [toolNode.value]
    for (const item of items) if (item.kind === 'scalar' && typeof item.value === 'string') refs.set(item.value, item.span)
  }
  const list = lw.stringList(toolNode.value, `the tools of ${owner}`)
  return list === undefined || list.includes('*') ? '*' : list
}

