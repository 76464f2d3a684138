/**
 * Step two: the YAML node tree → the IR. Both rule dialects and Veto's rule-file layout meet here.
 * Strict input: every unknown key is an error with a suggestion; wrong value types are errors.
 */
import type { Diagnostic } from '../diagnostic.js'
import type { Action, Counter, Expr, FailMode, RegexLit, FieldDecl, JsonSchema, JsonValue, Limit, OpName, OutsideHours, ParamDecl, Policy, Rule, ScalarType, Severity, Span, ToolDecl } from '../ir.js'
import { scalarOffset, type YEntry, type YNode, type YScalar } from '../parse/index.js'
import { position } from '../format.js'
import { lowerExpression, type EnvValues } from './expr.js'
import { closest, didYouMean } from './suggest.js'

export interface LowerOptions {
  filename: string
  env?: EnvValues
}

const POLICY_KEYS = ['version', 'name', 'description', 'default', 'unknown_tools', 'fail_mode', 'tools', 'context', 'params', 'rules', 'settings']
const SETTINGS_KEYS = ['default_action', 'fail_mode', 'global_tags']
const TOOL_KEYS = ['description', 'parameters', 'redact']
const RULE_KEYS = ['id', 'name', 'description', 'message', 'action', 'tool', 'tools', 'when', 'conditions', 'condition_groups', 'severity', 'enabled', 'tags', 'metadata', 'limit', 'outside_hours']
const CONDITION_KEYS = ['field', 'operator', 'value']
const LIMIT_KEYS = ['max', 'per', 'key']
const COUNTER_KEYS = ['per', 'tool', 'tools', 'key']
const HOURS_KEYS = ['from', 'to', 'tz']
const ACTIONS: Record<string, { action: Action; warn: boolean }> = {
  allow: { action: 'allow', warn: false },
  review: { action: 'review', warn: false },
  deny: { action: 'deny', warn: false },
  block: { action: 'deny', warn: false },
  require_approval: { action: 'review', warn: false },
  warn: { action: 'allow', warn: true },
  log: { action: 'allow', warn: true },
}
const DECISIONS = ['allow', 'review', 'deny']
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info']
const SCALAR_TYPES = ['string', 'number', 'boolean', 'string[]', 'number[]', 'unknown']
const OPERATORS: OpName[] = ['equals', 'contains', 'starts_with', 'ends_with', 'matches', 'greater_than', 'greater_than_or_equal', 'less_than', 'less_than_or_equal', 'in', 'exists']
const ALL_OPERATORS = OPERATORS.flatMap(o => [o, `not_${o}`])
const FIELD_ROOTS: Record<string, 'args' | 'context' | 'params' | 'tool'> = { arguments: 'args', args: 'args', context: 'context', params: 'params', tool_name: 'tool' }
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
const PER_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

class Lowerer {
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

  expression(node: YScalar, text: string): Expr | null {
    return lowerExpression(text, { at: i => scalarOffset(node, i), env: this.options.env, diagnostics: this.diagnostics })
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

export function lower(root: YNode | null, source: string, options: LowerOptions): { policy: Policy | null; diagnostics: Diagnostic[] } {
  const lw = new Lowerer(options, source)
  const whole: Span = { start: 0, end: Math.max(1, source.length) }
  if (root === null || (root.kind === 'scalar' && root.value === null)) {
    lw.error('empty-policy', 'the policy file is empty', { start: 0, end: Math.min(1, source.length) }, 'a policy needs at least `rules:`')
    return { policy: null, diagnostics: lw.diagnostics }
  }
  const top = lw.entries(root, POLICY_KEYS, 'the policy')
  if (top === null) return { policy: null, diagnostics: lw.diagnostics }

  const version = top.get('version')
  if (version) {
    const v = version.value
    const text = v.kind === 'scalar' ? (typeof v.value === 'string' ? v.value : v.raw.trim()) : ''
    if (text !== '1.0') lw.error('unsupported-version', `unsupported policy version \`${text || v.kind}\``, v.span, 'the only version is `"1.0"`')
  }

  let name = baseName(options.filename)
  const nameEntry = top.get('name')
  if (nameEntry) name = lw.string(nameEntry.value, 'policy name') ?? name

  let def: Action = 'allow'
  let failMode: FailMode = 'closed'
  let unknownTools: Action = 'deny'
  let globalTags: string[] = []
  const settings = top.get('settings')
  if (settings) {
    const s = lw.entries(settings.value, SETTINGS_KEYS, '`settings`')
    const da = s?.get('default_action')
    if (da) def = actionOf(lw, da.value, 'default action') ?? def
    const fm = s?.get('fail_mode')
    if (fm) failMode = (lw.choice(fm.value, ['closed', 'open'], 'fail mode') as FailMode | undefined) ?? failMode
    const gt = s?.get('global_tags')
    if (gt) globalTags = lw.stringList(gt.value, '`global_tags`') ?? []
  }
  const d = top.get('default')
  if (d) def = actionOf(lw, d.value, 'default') ?? def
  const ut = top.get('unknown_tools')
  if (ut) unknownTools = actionOf(lw, ut.value, 'unknown_tools decision') ?? unknownTools
  const fm = top.get('fail_mode')
  if (fm) failMode = (lw.choice(fm.value, ['closed', 'open'], 'fail mode') as FailMode | undefined) ?? failMode
  const desc = top.get('description')
  if (desc) lw.string(desc.value, 'policy description')

  const tools: ToolDecl[] = []
  const toolIndex = new Map<string, ToolDecl>()
  const toolsEntry = top.get('tools')
  if (toolsEntry) {
    const v = toolsEntry.value
    if (v.kind !== 'map') lw.error('invalid-type', '`tools` must be a mapping from tool name to its declaration', v.span)
    else {
      for (const e of v.entries) {
        const decl: ToolDecl = { name: e.key, redact: [], span: e.keySpan }
        if (!(e.value.kind === 'scalar' && e.value.value === null)) {
          const m = lw.entries(e.value, TOOL_KEYS, `tool \`${e.key}\``)
          const dd = m?.get('description')
          if (dd) {
            const s = lw.string(dd.value, 'tool description')
            if (s !== undefined) decl.description = s
          }
          const p = m?.get('parameters')
          if (p) {
            if (p.value.kind !== 'map') lw.error('invalid-type', `the parameters of tool \`${e.key}\` must be a JSON Schema object`, p.value.span)
            else {
              decl.schema = toJson(p.value) as JsonSchema
              const found: RegexLit[] = []
              schemaRegexes(p.value, found)
              if (found.length > 0) decl.schemaRegexes = found
            }
          }
          const r = m?.get('redact')
          if (r) decl.redact = lw.stringList(r.value, '`redact`') ?? []
        }
        tools.push(decl)
        toolIndex.set(decl.name, decl)
      }
    }
  }

  const context: FieldDecl[] = []
  const ctxEntry = top.get('context')
  if (ctxEntry) {
    const v = ctxEntry.value
    if (v.kind !== 'map') lw.error('invalid-type', '`context` must be a mapping from field name to type', v.span)
    else for (const e of v.entries) {
      if (e.value.kind === 'map') {
        // `name: { count: { per, tools, key } }`: a counter the guard fills
        const m = lw.entries(e.value, ['count'], `context field \`${e.key}\``)
        const cE = m?.get('count')
        if (m !== null && !cE) lw.error('missing-key', `context field \`${e.key}\` needs a type or \`count\``, e.keySpan, 'e.g. `hourly_calls: { count: { per: 1h } }`')
        const count = cE ? lowerCounter(lw, cE.value) : null
        context.push({ name: e.key, type: 'number', ...(count ? { count } : {}), span: e.keySpan })
        continue
      }
      const t = lw.choice(e.value, SCALAR_TYPES, 'context field type') as ScalarType | undefined
      context.push({ name: e.key, type: t ?? 'unknown', span: e.keySpan })
    }
  }

  const params: ParamDecl[] = []
  const paramsEntry = top.get('params')
  if (paramsEntry) {
    const v = paramsEntry.value
    if (v.kind !== 'map') lw.error('invalid-type', '`params` must be a mapping from name to `{ type, default }`', v.span)
    else for (const e of v.entries) {
      const m = lw.entries(e.value, ['type', 'default', 'description'], `param \`${e.key}\``)
      if (m === null) continue
      const te = m.get('type')
      const type = te ? ((lw.choice(te.value, SCALAR_TYPES, 'param type') as ScalarType | undefined) ?? 'unknown') : 'unknown'
      const de = m.get('default')
      if (!de) {
        lw.error('missing-key', `param \`${e.key}\` needs a \`default\``, e.keySpan)
        continue
      }
      const value = toJson(de.value)
      if (!valueHasType(value, type)) lw.error('type-mismatch', `the default of param \`${e.key}\` is not a ${type}`, de.value.span)
      params.push({ name: e.key, type, default: value, span: e.keySpan })
    }
  }

  const rules: Rule[] = []
  const rulesEntry = top.get('rules')
  const seenIds = new Map<string, Span>()
  if (!rulesEntry) lw.warn('no-rules', 'the policy has no `rules`', { start: 0, end: Math.min(1, source.length) }, 'every governed tool gets the `default` decision')
  else if (rulesEntry.value.kind === 'scalar' && rulesEntry.value.value === null) { /* rules: (empty) */ }
  else if (rulesEntry.value.kind !== 'seq') lw.error('invalid-type', '`rules` must be a list', rulesEntry.value.span)
  else {
    const declared = [...toolIndex.keys()]
    for (const item of rulesEntry.value.items) {
      const toolRefs: ToolRefs = new Map()
      const rule = lowerRule(lw, item, rules.length, globalTags, seenIds, toolRefs)
      if (rule === null) continue
      rules.push(rule)
      if (rule.tools !== '*') for (const t of rule.tools) {
        // A tool named only in a rule is governed (SPEC 1), but one a letter away from a declared
        // tool is almost surely a typo that would leave the declared tool without this rule.
        const near = declared.includes(t) ? undefined : closest(t, declared)
        if (near !== undefined) {
          lw.error('unknown-tool', `rule \`${rule.id}\` names tool \`${t}\`, which is not declared under \`tools:\``, toolRefs.get(t) ?? rule.span, `did you mean \`${near}\`? if \`${t}\` is another tool, declare it under \`tools:\``)
        }
        if (!toolIndex.has(t)) {
          const decl: ToolDecl = { name: t, redact: [], span: toolRefs.get(t) ?? rule.span }
          tools.push(decl)
          toolIndex.set(t, decl)
        }
      }
    }
  }
  // a counter counts governed tools only; a name that is not one is a typo or a missing declaration
  for (const f of context) {
    if (!f.count || f.count.tools === '*') continue
    for (const t of f.count.tools) {
      if (toolIndex.has(t)) continue
      const near = closest(t, toolIndex.keys())
      lw.error('unknown-tool', `counter \`${f.name}\` counts tool \`${t}\`, which the policy does not govern`, f.count.span, near !== undefined ? `did you mean \`${near}\`?` : 'declare it under `tools:` or name it in a rule')
    }
  }
  const policy: Policy = { name, default: def, unknownTools, failMode, tools, context, params, rules, span: whole }
  return { policy, diagnostics: lw.diagnostics }
}

function baseName(filename: string): string {
  const file = filename.split(/[\\/]/).pop() ?? filename
  return file.replace(/\.policy\.ya?ml$/, '').replace(/\.ya?ml$/, '') || 'policy'
}

function actionOf(lw: Lowerer, node: YNode, what: string): Action | undefined {
  const a = lw.choice(node, Object.keys(ACTIONS), what)
  if (a === undefined) return undefined
  const r = ACTIONS[a]!
  if (!DECISIONS.includes(a) && r.warn) {
    lw.error('invalid-value', `\`${a}\` cannot be a ${what}`, node.span, 'use `allow`, `review` or `deny`')
    return undefined
  }
  return r.action
}

function valueHasType(v: JsonValue, t: ScalarType): boolean {
  switch (t) {
    case 'string': return typeof v === 'string'
    case 'number': return typeof v === 'number'
    case 'boolean': return typeof v === 'boolean'
    case 'string[]': return Array.isArray(v) && v.every(x => typeof x === 'string')
    case 'number[]': return Array.isArray(v) && v.every(x => typeof x === 'number')
    case 'unknown': return true
  }
}

/** Where each tool name of a rule's `tool`/`tools` is written, for diagnostics about that name. */
type ToolRefs = Map<string, Span>

function lowerRule(lw: Lowerer, node: YNode, index: number, globalTags: string[], seenIds: Map<string, Span>, toolRefs: ToolRefs): Rule | null {
  const m = lw.entries(node, RULE_KEYS, ruleLabel(node))
  if (m === null) return null
  const where = ruleLabel(node)
  const before = lw.diagnostics.filter(d => d.severity === 'error').length

  const idE = m.get('id') ?? m.get('name')
  let id = `rule-${index + 1}`
  let idSpan = node.span
  if (idE) {
    id = lw.string(idE.value, 'rule id') ?? id
    idSpan = idE.value.span
  } else lw.error('missing-key', `${where} has no \`id\` or \`name\``, spanHead(node), 'give every rule an `id`; decisions and records name it')
  const first = seenIds.get(id)
  if (first && idE) lw.error('duplicate-id', `duplicate rule id \`${id}\``, idSpan, `the first rule with this id is on line ${position(lw.source, first.start).line}; ids must be unique within a policy`)
  else seenIds.set(id, idSpan)

  let action: Action = 'deny'
  let warn = false
  const aE = m.get('action')
  if (!aE) lw.error('missing-key', `rule \`${id}\` has no \`action\``, idSpan, 'add `action: allow`, `review` or `deny`')
  else {
    const a = lw.choice(aE.value, Object.keys(ACTIONS), 'action')
    if (a !== undefined) {
      action = ACTIONS[a]!.action
      warn = ACTIONS[a]!.warn
      if (warn) lw.warn('warn-only', `rule \`${id}\` uses \`${a}\`: it allows the call and only notes the match`, aE.value.span, 'use `deny` or `review` to stop the call')
    }
  }

  const tools = toolList(lw, m, `rule \`${id}\``, toolRefs)

  const parts: Expr[] = []
  const wE = m.get('when')
  if (wE) {
    const v = wE.value
    if (v.kind === 'scalar' && typeof v.value === 'boolean') parts.push({ kind: 'lit', value: v.value, span: v.span })
    else if (v.kind === 'scalar' && typeof v.value === 'string') {
      const e = lw.expression(v, v.value)
      if (e) parts.push(e)
    } else lw.error('invalid-type', '`when` must be an expression string', v.span)
  }
  const condE = m.get('conditions')
  const groupsE = m.get('condition_groups')
  const alternatives: Expr[] = []
  if (condE) {
    const all = conditionList(lw, condE.value)
    if (all) alternatives.push(all)
  }
  if (groupsE) {
    if (groupsE.value.kind !== 'seq') lw.error('invalid-type', '`condition_groups` must be a list of condition lists', groupsE.value.span)
    else for (const g of groupsE.value.items) {
      const all = conditionList(lw, g)
      if (all) alternatives.push(all)
    }
  }
  if (alternatives.length === 1) parts.push(alternatives[0]!)
  else if (alternatives.length > 1) parts.push({ kind: 'any', items: alternatives, span: (condE ?? groupsE)!.value.span })
  const condition: Expr | null = parts.length === 0 ? null : parts.length === 1 ? parts[0]! : { kind: 'all', items: parts, span: parts[0]!.span }

  const rule: Rule = { id, index, action, warn, tools, condition, message: id, tags: [...globalTags], metadata: {}, span: idSpan }

  const dE = m.get('description')
  if (dE) {
    const s = lw.string(dE.value, 'description')
    if (s !== undefined) rule.description = s
  }
  const msgE = m.get('message')
  const msg = msgE ? lw.string(msgE.value, 'message') : undefined
  rule.message = msg ?? rule.description ?? id
  const sE = m.get('severity')
  if (sE) {
    const s = lw.choice(sE.value, SEVERITIES, 'severity')
    if (s !== undefined) rule.severity = s as Severity
  }
  const tagsE = m.get('tags')
  if (tagsE) rule.tags.push(...(lw.stringList(tagsE.value, '`tags`') ?? []))
  const mdE = m.get('metadata')
  if (mdE) {
    if (mdE.value.kind !== 'map') lw.error('invalid-type', '`metadata` must be a mapping', mdE.value.span)
    else rule.metadata = toJson(mdE.value) as { [key: string]: JsonValue }
  }
  const lE = m.get('limit')
  if (lE) {
    const l = lowerLimit(lw, lE.value)
    if (l) rule.limit = l
  }
  const hE = m.get('outside_hours')
  if (hE) {
    const h = lowerHours(lw, hE.value)
    if (h) rule.outsideHours = h
  }
  const eE = m.get('enabled')
  const enabled = eE ? lw.bool(eE.value, '`enabled`') ?? true : true
  const after = lw.diagnostics.filter(d => d.severity === 'error').length
  if (!enabled || after > before) return null
  return rule
}

function ruleLabel(node: YNode): string {
  if (node.kind === 'map') {
    const idE = node.entries.find(e => e.key === 'id') ?? node.entries.find(e => e.key === 'name')
    if (idE && idE.value.kind === 'scalar' && idE.value.value !== null) return `rule \`${String(idE.value.value)}\``
  }
  return 'a rule'
}

function spanHead(node: YNode): Span {
  return { start: node.span.start, end: Math.min(node.span.end, node.span.start + 1) }
}

function conditionList(lw: Lowerer, node: YNode): Expr | null {
  if (node.kind !== 'seq') {
    lw.error('invalid-type', 'conditions must be a list of `{ field, operator, value }`', node.span)
    return null
  }
  const items: Expr[] = []
  for (const c of node.items) {
    const e = lowerCondition(lw, c)
    if (e) items.push(e)
  }
  return items.length === 1 ? items[0]! : { kind: 'all', items, span: node.span }
}

function lowerCondition(lw: Lowerer, node: YNode): Expr | null {
  const m = lw.entries(node, CONDITION_KEYS, 'a condition')
  if (m === null) return null
  const fE = m.get('field')
  const oE = m.get('operator')
  const vE = m.get('value')
  if (!fE) lw.error('missing-key', 'a condition needs a `field`', spanHead(node))
  if (!oE) lw.error('missing-key', 'a condition needs an `operator`', spanHead(node))
  if (!fE || !oE) return null
  const subject = fieldPath(lw, fE.value)
  const opName = lw.choice(oE.value, ALL_OPERATORS, 'operator')
  if (!subject || opName === undefined) return null
  const negate = opName.startsWith('not_')
  const op = (negate ? opName.slice(4) : opName) as OpName
  const span = node.span
  if (op === 'exists') {
    if (vE && !(vE.value.kind === 'scalar' && (vE.value.value === null || vE.value.value === true))) lw.error('invalid-value', `\`${opName}\` takes no \`value\``, vE.value.span)
    return { kind: 'op', op, negate, subject, value: null, span }
  }
  if (!vE) {
    lw.error('missing-key', `operator \`${opName}\` needs a \`value\``, oE.value.span)
    return null
  }
  const v = vE.value
  if (op === 'matches') {
    if (v.kind !== 'scalar' || typeof v.value !== 'string') {
      lw.error('invalid-type', 'the value of `matches` must be a regex string', v.span)
      return null
    }
    const rx = pythonRegex(lw, v.value, v)
    return rx ? { kind: 'op', op, negate, subject, value: { kind: 'regex', source: rx.source, flags: rx.flags, span: v.span }, span } : null
  }
  if (op === 'in') {
    if (v.kind !== 'seq') {
      lw.error('invalid-type', 'the value of `in` must be a list', v.span)
      return null
    }
    const items: Expr[] = []
    for (const it of v.items) {
      if (it.kind !== 'scalar') lw.error('invalid-type', 'the elements of an `in` list must be scalars', it.span)
      else items.push({ kind: 'lit', value: it.value, span: it.span })
    }
    return { kind: 'op', op, negate, subject, value: { kind: 'array', items, span: v.span }, span }
  }
  if (v.kind !== 'scalar') {
    lw.error('invalid-type', `the value of \`${opName}\` must be a scalar`, v.span)
    return null
  }
  if ((op === 'starts_with' || op === 'ends_with') && typeof v.value !== 'string') {
    lw.error('invalid-type', `the value of \`${opName}\` must be a string`, v.span)
    return null
  }
  if (op.startsWith('greater') || op.startsWith('less')) {
    const ok = typeof v.value === 'number' || (typeof v.value === 'string' && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(v.value))
    if (!ok) {
      lw.error('invalid-type', `the value of \`${opName}\` must be a number`, v.span)
      return null
    }
  }
  return { kind: 'op', op, negate, subject, value: { kind: 'lit', value: v.value, span: v.span }, span }
}

function fieldPath(lw: Lowerer, node: YNode): Expr | null {
  if (node.kind !== 'scalar' || typeof node.value !== 'string' || node.value === '') {
    lw.error('invalid-type', '`field` must be a dotted path such as `arguments.path`', node.span)
    return null
  }
  const parts = node.value.split('.')
  const root = FIELD_ROOTS[parts[0]!]
  if (root === undefined) {
    lw.error('unknown-field-root', `unknown field root \`${parts[0]}\``, node.span, didYouMean(parts[0]!, Object.keys(FIELD_ROOTS)) ?? 'a field starts with `arguments`, `args`, `context`, `params` or `tool_name`')
    return null
  }
  let offset = node.value.indexOf('.') < 0 ? node.value.length : node.value.indexOf('.')
  const at = (i: number): number => scalarOffset(node, i)
  let e: Expr = { kind: 'root', name: root, span: { start: at(0), end: at(offset) } }
  for (const seg of parts.slice(1)) {
    const segStart = offset + 1
    offset = segStart + seg.length
    if (seg === '' || FORBIDDEN_KEYS.has(seg)) {
      lw.error('invalid-field', seg === '' ? 'empty segment in field path' : `property \`${seg}\` is not allowed`, { start: at(segStart), end: at(Math.max(offset, segStart + 1)) })
      return null
    }
    e = { kind: 'member', object: e, key: seg, optional: true, span: { start: at(0), end: at(offset) } }
  }
  return e
}

/** Python-flavoured regex strings (Veto's rules): a leading inline flag group becomes JS flags. */
function pythonRegex(lw: Lowerer, text: string, node: YScalar): { source: string; flags: string } | null {
  let source = text
  let flags = ''
  const m = /^\(\?([a-zA-Z]+)\)/.exec(text)
  if (m) {
    for (const f of m[1]!) {
      if (f === 'i' || f === 'm' || f === 's') { if (!flags.includes(f)) flags += f }
      else {
        lw.error('regex-unsupported', `inline flag \`${f}\` has no JavaScript equivalent`, { start: scalarOffset(node, 0), end: scalarOffset(node, m[0].length) }, 'supported leading flags: `(?i)`, `(?m)`, `(?s)` and their combinations')
        return null
      }
    }
    source = text.slice(m[0].length)
  }
  const py = /\(\?P[<=]|\\[AZz](?![a-zA-Z])|\(\?[aiLmsux-]+:|\(\?#|[*+?}]\+/.exec(source)
  if (py) {
    const start = text.length - source.length + py.index
    lw.error('regex-unsupported', `\`${py[0]}\` is regex syntax JavaScript does not have`, { start: scalarOffset(node, start), end: scalarOffset(node, start + py[0].length) }, hintFor(py[0]))
    return null
  }
  return { source, flags: [...flags].sort().join('') }
}

function hintFor(token: string): string {
  if (token.startsWith('(?P')) return 'JavaScript names groups as `(?<name>...)` and refers back with `\\k<name>`'
  if (token === '\\A') return 'use `^` (without the `m` flag) for the start of the input'
  if (token === '\\Z' || token === '\\z') return 'use `$` (without the `m` flag) for the end of the input'
  if (token === '(?#') return 'JavaScript regexes have no comments'
  if (token.startsWith('(?')) return 'scoped inline flags are not supported; put flags in a leading group such as `(?i)`'
  return 'possessive quantifiers do not exist in JavaScript; rewrite without them'
}

/**
 * `tool: x` or `tools: [x, y]` of a rule or counter (`owner` names it in messages): the tools, or
 * `'*'` when absent or listing `*`. Where each name is written goes into `refs`, when given.
 */
function toolList(lw: Lowerer, m: Map<string, YEntry>, owner: string, refs?: ToolRefs): string[] | '*' {
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

/** Every `pattern` string and `patternProperties` key in a schema, where the YAML writes it. */
function schemaRegexes(node: YNode, out: RegexLit[]): void {
  if (node.kind === 'seq') for (const item of node.items) schemaRegexes(item, out)
  if (node.kind !== 'map') return
  for (const e of node.entries) {
    if (e.key === 'pattern' && e.value.kind === 'scalar' && typeof e.value.value === 'string') {
      out.push({ kind: 'regex', source: e.value.value, flags: 'u', span: e.value.span })
      continue
    }
    if (e.key === 'patternProperties' && e.value.kind === 'map') {
      for (const pe of e.value.entries) {
        out.push({ kind: 'regex', source: pe.key, flags: 'u', span: pe.keySpan })
        schemaRegexes(pe.value, out)
      }
      continue
    }
    schemaRegexes(e.value, out)
  }
}

/** `per: 1h`: a window length in milliseconds, or undefined (with a diagnostic). */
function duration(lw: Lowerer, node: YNode): number | undefined {
  const pm = node.kind === 'scalar' && typeof node.value === 'string' ? /^(\d+)\s*([smhd])$/.exec(node.value) : null
  if (!pm || Number(pm[1]) === 0) {
    lw.error('invalid-value', '`per` must be a duration such as `30s`, `10m`, `1h` or `1d`', node.span)
    return undefined
  }
  return Number(pm[1]) * PER_UNITS[pm[2]!]!
}

/** `key: args.to`: the key expression of a limit or counter; undefined on error, null when absent. */
function keyExpression(lw: Lowerer, m: Map<string, YEntry>): Expr | null | undefined {
  const kE = m.get('key')
  if (!kE) return null
  const kv = kE.value
  if (kv.kind !== 'scalar' || typeof kv.value !== 'string') {
    lw.error('invalid-type', '`key` must be an expression string such as `args.to`', kv.span)
    return undefined
  }
  return lw.expression(kv, kv.value) ?? undefined
}

function lowerCounter(lw: Lowerer, node: YNode): Counter | null {
  const m = lw.entries(node, COUNTER_KEYS, '`count`')
  if (m === null) return null
  const perE = m.get('per')
  if (!perE) {
    lw.error('missing-key', '`count` needs `per` (e.g. `1h`)', node.span)
    return null
  }
  const perMs = duration(lw, perE.value)
  const tools = toolList(lw, m, '`count`')
  const key = keyExpression(lw, m)
  if (perMs === undefined || key === undefined) return null
  return { perMs, tools, key, span: node.span }
}

function lowerLimit(lw: Lowerer, node: YNode): Limit | null {
  const m = lw.entries(node, LIMIT_KEYS, '`limit`')
  if (m === null) return null
  const maxE = m.get('max')
  const perE = m.get('per')
  if (!maxE) lw.error('missing-key', '`limit` needs `max`', node.span)
  if (!perE) lw.error('missing-key', '`limit` needs `per` (e.g. `1h`)', node.span)
  if (!maxE || !perE) return null
  const mv = maxE.value
  if (mv.kind !== 'scalar' || typeof mv.value !== 'number' || !Number.isInteger(mv.value) || mv.value < 0) {
    lw.error('invalid-type', '`max` must be a whole number of calls', mv.span)
    return null
  }
  const perMs = duration(lw, perE.value)
  const key = keyExpression(lw, m)
  if (perMs === undefined || key === undefined) return null
  return { max: mv.value, perMs, key, span: node.span }
}

function lowerHours(lw: Lowerer, node: YNode): OutsideHours | null {
  const m = lw.entries(node, HOURS_KEYS, '`outside_hours`')
  if (m === null) return null
  const fromE = m.get('from')
  const toE = m.get('to')
  const tzE = m.get('tz')
  if (!fromE || !toE || !tzE) {
    lw.error('missing-key', '`outside_hours` needs `from`, `to` and `tz`', node.span, 'e.g. `{ from: "09:00", to: "20:00", tz: "America/New_York" }`')
    return null
  }
  const from = clock(lw, fromE.value)
  const to = clock(lw, toE.value)
  const tz = lw.string(tzE.value, '`tz`')
  if (from === undefined || to === undefined || tz === undefined) return null
  if (!validTimeZone(tz)) {
    lw.error('invalid-value', `unknown time zone \`${tz}\``, tzE.value.span, 'use an IANA zone name such as `America/New_York` or `Europe/Berlin`')
    return null
  }
  if (from === to) lw.warn('never-matches', '`outside_hours` with `from` equal to `to` covers the whole day', node.span)
  return { from, to, tz, span: node.span }
}

function clock(lw: Lowerer, node: YNode): number | undefined {
  const text = node.kind === 'scalar' ? (typeof node.value === 'string' ? node.value : typeof node.value === 'number' ? node.raw.trim() : '') : ''
  const m = /^([01]?\d|2[0-4]):([0-5]\d)$/.exec(text)
  if (!m || (Number(m[1]) === 24 && Number(m[2]) !== 0)) {
    lw.error('invalid-value', 'a time of day must be written `"HH:MM"` (24-hour)', node.span, 'quote it: `"09:00"`')
    return undefined
  }
  return Number(m[1]) * 60 + Number(m[2])
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}
