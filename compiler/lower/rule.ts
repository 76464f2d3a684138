/** One rule of either dialect → an IR `Rule` (its condition, action, message, limit and hours). */
import type { Action, Expr, JsonValue, Rule, Severity, Span } from '../ir.js'
import type { YNode } from '../parse/index.js'
import { position } from '../format.js'
import { conditionList } from './conditions.js'
import { ACTIONS, Lowerer, RULE_KEYS, SEVERITIES, spanHead, toJson, toolList, type ToolRefs } from './lowerer.js'
import { lowerHours, lowerLimit } from './stateful.js'

export function lowerRule(lw: Lowerer, node: YNode, index: number, globalTags: string[], seenIds: Map<string, Span>, toolRefs: ToolRefs): Rule | null {
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
