/** One rule of either dialect → an IR `Rule` (its condition, action, message, limit and hours). */
import type { Action, Expr, JsonValue, ResultRedaction, Rule, Severity, Span } from '../ir.js'
import type { YNode } from '../parse/index.js'
import { position } from '../format.js'
import { conditionList } from './conditions.js'
import { ACTIONS, FORBIDDEN_KEYS, Lowerer, RULE_KEYS, SEVERITIES, spanHead, toJson, toolList, type ToolRefs } from './lowerer.js'
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

  const onE = m.get('on')
  const resultRule = onE !== undefined && lw.choice(onE.value, ['call', 'result'], '`on`') === 'result'

  let action: Action = resultRule ? 'allow' : 'deny'
  let warn = false
  const aE = m.get('action')
  if (!aE) {
    if (!resultRule) lw.error('missing-key', `rule \`${id}\` has no \`action\``, idSpan, 'add `action: allow`, `review` or `deny`')
  } else if (resultRule) {
    // a result rule passes (allow), or denies the output; redaction is `redact:`
    const a = lw.choice(aE.value, Object.keys(ACTIONS), 'action')
    if (a !== undefined) {
      if (ACTIONS[a]!.warn || ACTIONS[a]!.action === 'review') lw.error('invalid-value', `a result rule cannot \`${a}\``, aE.value.span, 'a result rule takes `action: deny` (the model gets the reason instead of the output) or `allow`, and may `redact:` or `adds:`')
      else action = ACTIONS[a]!.action
    }
  } else {
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
      const e = lw.expression(v, v.value, resultRule)
      if (e) parts.push(e)
    } else lw.error('invalid-type', '`when` must be an expression string', v.span)
  }
  const condE = m.get('conditions')
  const groupsE = m.get('condition_groups')
  const alternatives: Expr[] = []
  if (condE) {
    const all = conditionList(lw, condE.value, resultRule)
    if (all) alternatives.push(all)
  }
  if (groupsE) {
    if (groupsE.value.kind !== 'seq') lw.error('invalid-type', '`condition_groups` must be a list of condition lists', groupsE.value.span)
    else for (const g of groupsE.value.items) {
      const all = conditionList(lw, g, resultRule)
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
  // Stryker disable next-line ArrayDeclaration: stringList is undefined only after an error; lowering has already reported an error here, and a policy with an error emits nothing
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
  if (resultRule) {
    rule.on = 'result'
    for (const key of ['limit', 'outside_hours'] as const) {
      const e = m.get(key)
      if (e) lw.error('invalid-key', `\`${key}\` does not apply to a result rule`, e.keySpan, 'limits and hours decide calls; put them on a call rule')
    }
    const rE = m.get('redact')
    if (rE) {
      const r = lowerRedactions(lw, rE.value)
      if (r) rule.redact = r
    }
    const adE = m.get('adds')
    if (adE) {
      const labels = lw.labels(adE.value, '`adds`')
      if (labels) rule.adds = labels
    }
  } else {
    for (const key of ['redact', 'adds'] as const) {
      const e = m.get(key)
      if (e) lw.error('invalid-key', `\`${key}\` applies only to a result rule`, e.keySpan, key === 'redact' ? 'add `on: result` to redact the tool\'s output; to keep arguments out of records, use `redact:` under the tool in `tools:`' : 'add `on: result`, or declare the labels a tool carries under `tools: <name>: adds:`')
    }
  }
  const eE = m.get('enabled')
  // Stryker disable next-line LogicalOperator: bool is undefined only after an error, and the rule is dropped then whatever `enabled` reads
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

/** A result rule's `redact:`: `secrets`, `pii`, or paths into the result (optionally written `result.x`). */
function lowerRedactions(lw: Lowerer, node: YNode): ResultRedaction[] | null {
  const list = lw.stringList(node, '`redact`')
  if (list === undefined) return null
  // Stryker disable next-line ArrayDeclaration: with no items, `items[i]?.span ?? node.span` below is the same span
  const items = node.kind === 'seq' ? node.items : [node]
  const out: ResultRedaction[] = []
  list.forEach((text, i) => {
    // Stryker disable next-line OptionalChaining: stringList returns one string per item, so items[i] always exists
    const span = items[i]?.span ?? node.span
    if (text === 'secrets' || text === 'pii') {
      if (!out.some(r => r.kind === text)) out.push({ kind: text })
      return
    }
    const path = (text.startsWith('result.') ? text.slice('result.'.length) : text).split('.')
    const bad = path.find(seg => seg === '' || FORBIDDEN_KEYS.has(seg))
    if (text === 'result' || bad !== undefined) {
      lw.error('invalid-redact', text === 'result' ? 'redacting the whole result is a deny' : bad === '' ? `empty segment in redact path \`${text}\`` : `property \`${bad}\` is not allowed in a redact path`, span, '`redact` takes `secrets`, `pii` or dotted paths into the result, such as `token` or `items.*.email`; to withhold the whole output use `action: deny`')
      return
    }
    out.push({ kind: 'path', path })
  })
  return out
}
