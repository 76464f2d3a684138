/**
 * Step two: the YAML node tree → the IR. Both rule dialects and Veto's rule-file layout meet here.
 * Strict input: every unknown key is an error with a suggestion; wrong value types are errors.
 */
import type { Diagnostic } from '../diagnostic.js'
import type { Action, FailMode, RegexLit, FieldDecl, JsonSchema, JsonValue, ParamDecl, Policy, Rule, ScalarType, Span, ToolDecl } from '../ir.js'
import type { YNode } from '../parse/index.js'
import { ACTIONS, CONTEXT_FIELD_KEYS, DECISIONS, DEFAULT_REGEX_INPUT_LIMIT, FAIL_MODES, Lowerer, PARAM_KEYS, POLICY_KEYS, SCALAR_TYPES, SETTINGS_KEYS, TOOL_KEYS, toJson, type LowerOptions, type ToolRefs } from './lowerer.js'
import { notAPolicyNumber } from './numbers.js'
import { lowerRule } from './rule.js'
import { lowerNormalize } from './normalize.js'
import { refuseSchemaIds, schemaRegexes } from './schema.js'
import { duration, lowerCounter } from './stateful.js'
import { closest } from './suggest.js'

export { toJson, type LowerOptions } from './lowerer.js'

export function lower(root: YNode | null, source: string, options: LowerOptions): { policy: Policy | null; diagnostics: Diagnostic[] } {
  const lw = new Lowerer(options, source)
  const whole: Span = { start: 0, end: Math.max(1, source.length) }
  if (root === null || (root.kind === 'scalar' && root.value === null)) {
    lw.error('empty-policy', 'the policy file is empty', { start: 0, end: Math.min(1, source.length) }, 'a policy needs at least `rules:`')
    return { policy: null, diagnostics: lw.diagnostics }
  }
  const top = lw.entries(root, POLICY_KEYS, 'the policy')
  if (top === null) return { policy: null, diagnostics: lw.diagnostics }
  refuseNonJsonNumbers(lw, root)

  const version = top.get('version')
  if (version) {
    const v = version.value
    const text = v.kind === 'scalar' ? (typeof v.value === 'string' ? v.value : v.raw) : ''
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
    if (fm) failMode = (lw.choice(fm.value, FAIL_MODES, 'fail mode') as FailMode | undefined) ?? failMode
    const gt = s?.get('global_tags')
    // Stryker disable next-line ArrayDeclaration: stringList is undefined only after an error; lowering has already reported an error here, and a policy with an error emits nothing
    if (gt) globalTags = lw.stringList(gt.value, '`global_tags`') ?? []
  }
  const d = top.get('default')
  if (d) def = actionOf(lw, d.value, 'default') ?? def
  const ut = top.get('unknown_tools')
  if (ut) unknownTools = actionOf(lw, ut.value, 'unknown_tools decision') ?? unknownTools
  const fm = top.get('fail_mode')
  if (fm) failMode = (lw.choice(fm.value, FAIL_MODES, 'fail mode') as FailMode | undefined) ?? failMode
  let regexInputLimit = DEFAULT_REGEX_INPUT_LIMIT
  const ril = top.get('regex_input_limit')
  if (ril) {
    const v = ril.value
    if (v.kind === 'scalar' && typeof v.value === 'number' && Number.isSafeInteger(v.value) && v.value >= 1) regexInputLimit = v.value
    else lw.error('invalid-value', '`regex_input_limit` must be a positive whole number of characters', v.span, `the default is ${DEFAULT_REGEX_INPUT_LIMIT}: a polynomial regex then runs on strings of up to that many characters`)
  }
  let approvalTtlMs = 15 * 60_000
  const ttl = top.get('approval_ttl')
  if (ttl) approvalTtlMs = duration(lw, ttl.value) ?? approvalTtlMs
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
              refuseSchemaIds(lw, p.value, e.key)
              decl.schema = toJson(p.value) as JsonSchema
              const found: RegexLit[] = []
              schemaRegexes(p.value, found)
              if (found.length > 0) decl.schemaRegexes = found
            }
          }
          const r = m?.get('redact')
          // Stryker disable next-line ArrayDeclaration: stringList is undefined only after an error; lowering has already reported an error here, and a policy with an error emits nothing
          if (r) decl.redact = lw.stringList(r.value, '`redact`') ?? []
          const nz = m?.get('normalize')
          if (nz) {
            const list = lowerNormalize(lw, nz.value, e.key)
            if (list.length > 0) decl.normalize = list
          }
          const ad = m?.get('adds')
          if (ad) {
            const labels = lw.labels(ad.value, '`adds`')
            if (labels && labels.length > 0) decl.adds = labels
          }
          const ret = m?.get('returns')
          if (ret) {
            if (ret.value.kind !== 'map') lw.error('invalid-type', `the \`returns\` of tool \`${e.key}\` must be a JSON Schema object`, ret.value.span)
            else decl.returns = toJson(ret.value) as JsonSchema
          }
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
        const m = lw.entries(e.value, CONTEXT_FIELD_KEYS, `context field \`${e.key}\``)
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
      const m = lw.entries(e.value, PARAM_KEYS, `param \`${e.key}\``)
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
  const policy: Policy = { name, default: def, unknownTools, failMode, regexInputLimit, approvalTtlMs, tools, context, params, rules, span: whole }
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

/**
 * Refuses a number JSON cannot hold (YAML's `.inf`, `-.inf`, `.nan`) anywhere in the policy: policy
 * values are JSON values. The emitter has no literal for them (it stopped with an internal error),
 * a list constant would carry them as `null` (its JSON text), and so would Ajv's validators.
 */
function refuseNonJsonNumbers(lw: Lowerer, node: YNode): void {
  if (node.kind === 'scalar') {
    if (typeof node.value === 'number' && !Number.isFinite(node.value)) {
      const d = notAPolicyNumber(node.raw)
      lw.error(d.code, d.message, node.span, d.help)
    }
    return
  }
  if (node.kind === 'seq') for (const item of node.items) refuseNonJsonNumbers(lw, item)
  else for (const e of node.entries) refuseNonJsonNumbers(lw, e.value)
}
