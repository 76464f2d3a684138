/**
 * Step four: the checked IR → a self-contained ES module (imports nothing), its `.d.ts`, an optional
 * `.ts` twin, a source map into the YAML and the digest.
 *
 * Shape of the module: fixed helpers; module-level constants (regexes, decision objects, lists,
 * time-zone formatters, validators) built once at load; one function per governed tool holding only
 * that tool's rules, grouped by action (deny, review, allow) and ordered by cost inside a group while
 * still reporting the first matching rule in file order; `evaluate` dispatches on the tool name and
 * wraps everything in one try/catch that yields the fail-mode decision.
 */
import { addMapping, GenMapping, setSourceContent, toEncodedMap } from '@jridgewell/gen-mapping'
import type { Diagnostic } from '../diagnostic.js'
import { locate, type SourceFile } from '../extends.js'
import { lineIndex } from '../format.js'
import { digestOf } from '../ir-util.js'
import type { Action, Policy, Rule, ToolDecl } from '../ir.js'
import { comment, join, js, jsonValue, text, type Code } from './code.js'
import { HELPERS } from './runtime.js'
import { ModuleBuilder, type Line } from './builder.js'
import { cost, expr, usesN, type ToolCx } from './expr.js'
import { ADDRESS_HELPERS, URL_HELPERS } from './net.js'
import { resultFunctions } from './results.js'
import { buildValidators } from './validate.js'
import type { CompileCache } from '../cache.js'
import { detectorHelpers } from './detectors.js'
import { canonicalArgsFunction, NORMALIZE_HELPERS, normalizeSpecs, usesNormalize } from './normalize.js'
import { visibleFunction } from './visible.js'
import { declarations } from './types.js'
import { CoveragePoints, coverageExports } from './coverage.js'
import { argumentLocals, eagerContextReads, ownRead, readKey, type Locals } from './reads.js'
import type { FlatProp } from './validate.js'

export interface EmitOptions {
  source: string
  filename: string
  ts?: boolean
  /** Build an instrumented module that counts condition outcomes (see `compiler/emit/coverage.ts`). */
  coverage?: boolean
  /** Files the policy extends: spans at or past a file's `base` point into it (source map `sources`). */
  files?: readonly SourceFile[]
  /** Keeps generated validators between builds (compiler/cache.ts). */
  cache?: CompileCache
}

export interface Emitted {
  code: string
  types: string
  ts?: string
  map: { version: 3; file?: string; sources: string[]; sourcesContent: string[]; names: string[]; mappings: string }
  digest: string
  diagnostics: Diagnostic[]
}

/**
 * Up to this many tools the dispatch is a `switch`; above it, a `Map` from name to function.
 * Measured on Node 20 by `npm run bench` (bench/dispatch.ts; the figures are `dispatch` in
 * bench/results.json): a switch wins by a few ns for a handful of tools, and its last case grows
 * linearly; on the mean of the first and last case the two cross between about 16 and 32 cases,
 * depending on the tool names.
 */
export const SWITCH_MAX_TOOLS = 32

function decisionObject(fields: { decision: Action; rule?: string; reason?: string; severity?: string; ruleIndex: number }): Code {
  const parts: Code[] = [js`decision: ${fields.decision}`]
  if (fields.rule !== undefined) parts.push(js`rule: ${fields.rule}`)
  // Stryker disable next-line ConditionalExpression: every caller passes a reason (a rule's message is a string, default and unknown-tool decisions say why)
  if (fields.reason !== undefined) parts.push(js`reason: ${fields.reason}`)
  if (fields.severity !== undefined) parts.push(js`severity: ${fields.severity}`)
  parts.push(js`ruleIndex: ${fields.ruleIndex}`)
  return js`Object.freeze({ ${join(parts)} })`
}

function ruleCondition(rule: Rule, cx: ToolCx): Code {
  // Stryker disable next-line ArrayDeclaration: an extra first operand is a truthy string, and `"s" && c` is `c`
  const parts: Code[] = []
  const cov = cx.b.coverage
  // a condition-dialect condition counts itself; any other whole condition is a point of its own
  // Stryker disable next-line BooleanLiteral,StringLiteral,ConditionalExpression: a rule's condition is read only for its truth, so the truth-only form (`true`) changes nothing; an `op` wrapped again is returned as it is (`CoveragePoints.wrap` knows its own point)
  if (rule.condition) parts.push(cov && rule.condition.kind !== 'op' ? cov.wrap(rule.condition, expr(rule.condition, cx, true)) : expr(rule.condition, cx, true))
  if (rule.outsideHours) {
    const h = rule.outsideHours
    const hours = js`outside(${cx.b.format(h.tz)}, now ??= nowOf(o), ${h.from}, ${h.to})`
    parts.push(cov ? cov.wrap(h, hours) : hours)
  }
  // Stryker disable next-line StringLiteral: unreachable: `evaluate` writes `true` itself for a rule without a condition or hours, and a result rule without one never gets here
  return parts.length === 0 ? js`true` : join(parts, js` && `)
}

/** `rules`: the rules that apply to `tool`, in file order. */
function toolFunction(tool: ToolDecl, rules: readonly Rule[], b: ModuleBuilder, ruleDecision: Code[], validator: Code | undefined, fastValidator: Code | undefined, flat: readonly FlatProp[] | undefined, name: Code, defaultDecision: Code, defaultIsDeny: boolean, open: boolean, normalize: Code | undefined): Line[] {
  const locals: Locals = { reads: new Map(), pa: null, cp: null }
  const cx: ToolCx = { tool: tool.name, b, vars: new Map(), argsObject: true, locals }
  const lines: Line[] = [{ code: js`function ${name}(a, c, o) {`, span: tool.span }]
  lines.push({ code: js`  if (a === null || typeof a !== "object" || isArray(a)) return malformed(a);` })
  // a tool with `normalize:` replaces `a` below; its reads keep the general form
  // Stryker disable next-line ConditionalExpression,BooleanLiteral,BlockStatement: `pa` only picks between two reads of the same own property (a plain read where no prototype can answer, `own()` otherwise), so with or without it every read gives the same value
  if (!normalize) {
    locals.pa = b.scope.name('pa')
    lines.push({ code: js`  const ${locals.pa} = plainProto(a);` })
  }
  // `normalize:` (compiler/emit/normalize.ts): the string kinds before validation, `shell` after it
  if (normalize) lines.push({ code: js`  let k = normalizeArgs(a, ${normalize}, false); if (isBad(k)) return badArgs(${tool.name}, k.bad); a = k;`, span: tool.normalize![0]!.span })
  // the fast check accepts only what the validator accepts; the validator decides the rest (and
  // says why it rejects). A validator that throws (a getter on the arguments) has not accepted them:
  // deny, whatever the fail mode, since no rule has run yet
  if (validator && flat) {
    // the fast check written out, each argument read once into the local the rules use
    const args = argumentLocals(flat, b.scope, locals.pa!)
    for (const [k, l] of args.locals) locals.reads.set(k, l)
    if (args.locals.size > 0) lines.push({ code: js`  ${args.declare}` })
    // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: the space after the reads is layout
    lines.push({ code: js`  try { ${args.reads}${args.locals.size > 0 ? js` ` : js``}if (!(${args.test}) && !${validator}(a)) return invalid(${tool.name}, ${validator}.errors); } catch (e) { return unvalidated(${tool.name}, e); }`, span: tool.span })
  } else if (validator) {
    const test = fastValidator ? js`!${fastValidator}(a) && !${validator}(a)` : js`!${validator}(a)`
    lines.push({ code: js`  try { if (${test}) return invalid(${tool.name}, ${validator}.errors); } catch (e) { return unvalidated(${tool.name}, e); }`, span: tool.span })
  }
  // the context is tested for being a plain object once; under `fail_mode: closed` each field every
  // evaluation reads is read once, here (under `open` a read that throws must skip only its rule)
  // Stryker disable next-line ConditionalExpression,MethodExpression: the context's plain-object test only lets the reads below take the direct form (the same values)
  if (rules.some(r => r.condition !== null)) {
    locals.cp = b.scope.name('cp')
    lines.push({ code: js`  const ${locals.cp} = c !== null && typeof c === "object" && plainProto(c);` })
    if (!open) {
      for (const key of eagerContextReads(rules)) {
        const local = b.scope.name('ctx')
        lines.push({ code: js`  const ${local} = ${ownRead(js`c`, locals.cp, key)};` })
        // Stryker disable next-line BooleanLiteral: `required` and `type` are read only for arguments (stringLocal)
        locals.reads.set(readKey('context', key), { name: local, required: false, type: undefined })
      }
    }
  }
  if (normalize && tool.normalize!.some(n => n.kinds.includes('shell'))) lines.push({ code: js`  k = normalizeArgs(a, ${normalize}, true); if (isBad(k)) return badArgs(${tool.name}, k.bad); a = k;` })
  const stateless = rules.filter(r => !r.limit)
  const limitRules = rules.filter(r => r.limit)
  const needsNow = rules.some(r => r.outsideHours)
  const needsN = rules.some(r => usesN(r.condition) || usesN(r.limit?.key ?? null))
  if (needsNow) lines.push({ code: js`  let now;` })
  if (needsN) lines.push({ code: js`  let n;` })
  // Every applicable condition is evaluated on every call, cheapest first, so an exception (and so
  // the fail-mode decision) never depends on evaluation order; the decision then reads the flags in
  // file order. The allow path evaluates every condition anyway, so this costs it nothing.
  const flag = new Map<number, Code>()
  // Stryker disable next-line all: the order of evaluation, not of decision (see `cost`)
  const byCost = [...rules].sort((x, y) => cost(x.condition) + (x.outsideHours ? 5 : 0) - cost(y.condition) - (y.outsideHours ? 5 : 0) || x.index - y.index)
  // Under `fail_mode: open` a rule whose condition throws is skipped (as if it did not match) and
  // the error is noted on the decision: the other rules still decide (SPEC 1.5)
  // Stryker disable next-line ConditionalExpression: as above (only `open` code assigns `x`)
  if (open) lines.push({ code: js`  let x = null;` })
  for (const r of byCost) {
    const f = b.scope.name('m')
    flag.set(r.index, f)
    // the instrumented build (`coverage`) counts a rule whose condition held; the normal build is unchanged
    const counted = (held: Code): Code => (b.coverage ? b.coverage.rule(r.index, held) : held)
    if (r.condition === null && !r.outsideHours) lines.push({ code: js`  const ${f} = ${counted(js`true`)};`, span: r.span })
    else if (open) lines.push({ code: js`  let ${f}; try { ${f} = ${counted(js`!!(${ruleCondition(r, cx)})`)}; } catch (e) { ${f} = false; x = skip(x, ${r.id}, e); }`, span: r.span })
    else lines.push({ code: js`  const ${f} = ${counted(js`!!(${ruleCondition(r, cx)})`)};`, span: r.span })
  }
  const warnRules = stateless.filter(r => r.warn)
  // Stryker disable next-line ConditionalExpression,EqualityOperator: with no warn rules this adds an unused `w`
  if (warnRules.length > 0) {
    lines.push({ code: js`  let w = null;` })
    for (const r of warnRules) lines.push({ code: js`  if (${flag.get(r.index)!}) (w ??= []).push(${r.id});` })
  }
  // `finish(d, null, null)` is `d`: return the frozen decision directly when there can be no
  // warnings and no pending limits
  // Stryker disable next-line ConditionalExpression: `finish(d, null, null)` is `d`
  const ret = (d: Code, hasW: boolean, hasL: boolean): Code => (hasW || hasL || open ? js`finish(${d}, ${hasW ? js`w` : js`null`}, ${hasL ? js`l` : js`null`}${open ? js`, x` : js``})` : d)
  const deny = stateless.filter(r => r.action === 'deny')
  for (const r of deny) lines.push({ code: js`  if (${flag.get(r.index)!}) return ${ret(js`R[${r.index}]`, warnRules.length > 0, false)};`, span: r.span })
  // Stryker disable next-line ConditionalExpression,EqualityOperator: with no limit rules this adds an unused `l`
  if (limitRules.length > 0) {
    lines.push({ code: js`  let l = null;` })
    for (const r of limitRules) {
      const lim = r.limit!
      const key = lim.key ? js`keyOf(${expr(lim.key, cx)})` : js`""`
      const fields = [js`rule: ${r.id}`, js`index: ${r.index}`, js`action: ${r.action}`, js`warn: ${r.warn}`, js`max: ${lim.max}`, js`perMs: ${lim.perMs}`, js`key: ${key}`, js`message: ${r.message}`]
      if (r.severity) fields.push(js`severity: ${r.severity}`)
      // under `open` the key is computed before `l` exists, so a key that throws leaves no trace
      lines.push({ code: open && lim.key ? js`  if (${flag.get(r.index)!}) { try { const p = { ${join(fields)} }; (l ??= []).push(p); } catch (e) { x = skip(x, ${r.id}, e); } }` : js`  if (${flag.get(r.index)!}) (l ??= []).push({ ${join(fields)} });`, span: r.span })
    }
  }
  for (const action of ['review', 'allow'] as const) {
    for (const r of stateless.filter(x => x.action === action)) lines.push({ code: js`  if (${flag.get(r.index)!}) return ${ret(js`R[${r.index}]`, warnRules.length > 0, limitRules.length > 0)};`, span: r.span })
  }
  lines.push({ code: js`  return ${ret(defaultDecision, warnRules.length > 0, !defaultIsDeny && limitRules.length > 0)};` })
  lines.push({ code: js`}` })
  return lines
}

/**
 * `counters(tool, args, context, options)`: the context counters (`count:` fields) that apply to a
 * call, with their keys computed, for the guard to read before `evaluate` and count after an allowed
 * call; `null` when none apply. Key expressions may throw like any expression (the guard decides by
 * the fail mode then).
 */
function countersFunction(policy: Policy, b: ModuleBuilder): Line[] {
  const counted = policy.context.filter(f => f.count !== undefined)
  if (counted.length === 0) return [{ code: js`export function counters(tool, a, c, o) { return null; }` }]
  // no scratch `n`: a key is a `when` expression, and only conditions-dialect comparisons assign it
  const lines: Line[] = [{ code: js`export function counters(tool, a, c, o) {` }, { code: js`  switch (tool) {` }]
  for (const tool of policy.tools) {
    const mine = counted.filter(f => f.count!.tools === '*' || f.count!.tools.includes(tool.name))
    if (mine.length === 0) continue
    const cx: ToolCx = { tool: tool.name, b, vars: new Map() }
    const items = mine.map(f => js`{ name: ${f.name}, perMs: ${f.count!.perMs}, key: ${f.count!.key ? js`keyOf(${expr(f.count!.key, cx)})` : js`""`} }`)
    lines.push({ code: js`    case ${tool.name}: return [${join(items)}];`, span: mine[0]!.span })
  }
  lines.push({ code: js`    default: return null;` })
  lines.push({ code: js`  }` })
  lines.push({ code: js`}` })
  return lines
}

/**
 * The rules that apply to each governed tool (`*` or naming it), each list in file order. Built in one
 * pass over the rules, so a policy with many tools and many rules does not filter every rule per tool.
 */
function rulesByTool(policy: Policy): Map<string, Rule[]> {
  const out = new Map<string, Rule[]>(policy.tools.map(t => [t.name, []]))
  const all = [...out.values()]
  for (const r of policy.rules) {
    // result rules run in `evaluateResult`, never in `evaluate`
    if (r.on === 'result') continue
    if (r.tools === '*') {
      for (const list of all) list.push(r)
      continue
    }
    for (const t of r.tools) {
      const list = out.get(t)
      // a rule that names a tool twice still applies once
      if (list !== undefined && list[list.length - 1] !== r) list.push(r)
    }
  }
  return out
}

export function emit(policy: Policy, options: EmitOptions): Emitted {
  const diagnostics: Diagnostic[] = []
  const digest = digestOf(policy)
  const b = new ModuleBuilder()
  if (options.coverage) b.coverage = new CoveragePoints()
  for (const p of policy.params) b.params.set(p.name, b.constant(js`deepFreeze(${jsonValue(p.default)})`, 'param'))

  const ruleDecisions = policy.rules.map(r => {
    const fields: { decision: Action; rule?: string; reason?: string; severity?: string; ruleIndex: number } = { decision: r.action, rule: r.id, reason: r.message, ruleIndex: r.index }
    if (r.severity) fields.severity = r.severity
    return decisionObject(fields)
  })
  const defaultDecision = b.constant(decisionObject({ decision: policy.default, reason: `no rule matched; the default of policy \`${policy.name}\` is ${policy.default}`, ruleIndex: -1 }), 'dflt')
  const unknownDecision = b.constant(decisionObject({ decision: policy.unknownTools, reason: `the tool is not governed by policy \`${policy.name}\`; unknown tools get ${policy.unknownTools}`, ruleIndex: -1 }), 'unknown')
  const failDecision: Action = policy.failMode === 'closed' ? 'deny' : 'allow'

  // a tool with `normalize:` replaces its arguments after the check, so its rules read the new ones
  const validators = buildValidators(policy, diagnostics, options.cache, tool => tool.normalize === undefined)
  const normSpecs = new Map([...normalizeSpecs(policy)].map(([t, spec]) => [t, b.constant(js`deepFreeze(${spec})`, 'norm')]))
  const toolFns: { tool: ToolDecl; name: Code; lines: Line[] }[] = []
  const rulesOf = rulesByTool(policy)
  for (const tool of policy.tools) {
    const name = b.scope.name('tool')
    // Stryker disable next-line ArrayDeclaration: `rulesByTool` has a list for every tool
    toolFns.push({ tool, name, lines: toolFunction(tool, rulesOf.get(tool.name) ?? [], b, ruleDecisions, validators.names.get(tool.name), validators.fast.get(tool.name), validators.flat.get(tool.name), name, defaultDecision, policy.default === 'deny', policy.failMode === 'open', normSpecs.get(tool.name)) })
  }
  // built before the module constants are laid out: a key expression may hoist a regex or a list
  const counterLines = countersFunction(policy, b)
  const visible = visibleFunction(policy, rulesOf, (r, tool) => expr(r.condition!, { tool, b, vars: new Map() }, true))
  const resultLines = resultFunctions(policy, {
    constant: (value, prefix) => b.constant(value, prefix),
    name: prefix => b.scope.name(prefix),
    condition: (rule, tool) => ruleCondition(rule, { tool, b, vars: new Map() }),
    usesN: rule => usesN(rule.condition),
    redactor: d => {
      const which = d === 'secrets' ? 'secret' : 'pii'
      b.detectors[which] = true
      b.detectors.redact = true
      return which === 'secret' ? js`DET_SECRET` : js`DET_PII`
    },
  })

  const info = {
    name: policy.name,
    digest,
    default: policy.default,
    unknownTools: policy.unknownTools,
    failMode: policy.failMode,
    // Stryker disable next-line ArithmeticOperator,LogicalOperator: lowering always sets `approvalTtlMs` (15 minutes unless the policy says), so the fallback is for IR built by hand
    approvalTtlMs: policy.approvalTtlMs ?? 15 * 60_000,
    // a member left undefined (no description, severity or `on`) is dropped: `info` is written as JSON
    rules: policy.rules.map(r => ({
      id: r.id, index: r.index, action: r.action, warn: r.warn, tools: r.tools, message: r.message,
      description: r.description, severity: r.severity, tags: r.tags, metadata: r.metadata, hasLimit: r.limit !== undefined, on: r.on,
    })),
    tools: policy.tools.map(t => t.name),
    redact: Object.fromEntries(policy.tools.map(t => [t.name, t.redact])),
    adds: Object.fromEntries(policy.tools.map(t => [t.name, t.adds ?? []])),
    params: Object.fromEntries(policy.params.map(p => [p.name, { type: p.type, default: p.default }])),
  }

  const lines: Line[] = []
  lines.push({ code: comment(`generated by vetoc from ${options.filename.split(/[\\/]/).pop() ?? options.filename}: do not edit`) })
  lines.push({ code: comment(`policy ${policy.name}, sha256 ${digest}`) })
  lines.push({ code: HELPERS })
  // before the constants: address ranges are parsed at load by these helpers
  if (b.usesUrl) lines.push({ code: URL_HELPERS })
  if (b.usesAddress) lines.push({ code: ADDRESS_HELPERS })
  if (usesNormalize(policy)) lines.push({ code: NORMALIZE_HELPERS })
  if (b.detectors.secret || b.detectors.pii) lines.push({ code: detectorHelpers(b.detectors) })
  lines.push({ code: js`const FAIL = ${failDecision};` })
  lines.push({ code: js`function malformed(a) { return { decision: FAIL, reason: "malformed arguments: expected an object, got " + kind(a), ruleIndex: -1 }; }` })
  lines.push({ code: js`function invalid(tool, errors) { return { decision: "deny", reason: invalidReason(tool, errors), ruleIndex: -1 }; }` })
  lines.push({ code: js`function unvalidated(tool, e) { return { decision: "deny", reason: "invalid arguments for \`" + tool + "\`: validation failed: " + errText(e), ruleIndex: -1 }; }` })
  lines.push({ code: js`function failed(e) { return { decision: FAIL, reason: "evaluation error: " + errText(e), ruleIndex: -1 }; }` })
  // Stryker disable next-line StringLiteral: the separator between statements that each end in `;`
  lines.push({ code: js`function params(o) { const p = {}; ${join(policy.params.map(p => js`p[${p.name}] = param(o, ${p.name}, ${b.params.get(p.name)!});`), js` `)} return p; }` })
  const consts = b.consts.slice()
  if (validators.code) lines.push({ code: validators.code })
  lines.push({ code: js`const R = [` })
  policy.rules.forEach((r, i) => lines.push({ code: js`  ${ruleDecisions[i]!},`, span: r.span }))
  lines.push({ code: js`];` })
  const fnLines = toolFns.flatMap(f => f.lines)
  // constants created while emitting the tool functions (regexes, lists, formatters)
  const lateConsts = b.consts.slice(consts.length)
  lines.push(...consts, ...lateConsts, ...fnLines)

  const dispatch: Line[] = []
  if (policy.tools.length <= SWITCH_MAX_TOOLS) {
    dispatch.push({ code: js`function dispatch(tool, a, c, o) {` })
    dispatch.push({ code: js`  switch (tool) {` })
    for (const f of toolFns) dispatch.push({ code: js`    case ${f.tool.name}: return ${f.name}(a, c, o);`, span: f.tool.span })
    dispatch.push({ code: js`    default: return ${unknownDecision};` })
    dispatch.push({ code: js`  }` })
    dispatch.push({ code: js`}` })
  } else {
    dispatch.push({ code: js`const TOOLS = new Map([${join(toolFns.map(f => js`[${f.tool.name}, ${f.name}]`))}]);` })
    dispatch.push({ code: js`function dispatch(tool, a, c, o) { const f = typeof tool === "string" ? TOOLS.get(tool) : undefined; return f === undefined ? ${unknownDecision} : f(a, c, o); }` })
  }
  lines.push(...dispatch)
  lines.push({ code: js`export function evaluate(tool, args, context, options) {` })
  lines.push({ code: js`  try { return dispatch(tool, args, context, options); } catch (e) { return failed(e); }` })
  lines.push({ code: js`}` })
  lines.push(...counterLines)
  lines.push({ code: canonicalArgsFunction(normSpecs) })
  lines.push({ code: visible })
  lines.push(...resultLines)
  lines.push({ code: js`export const policy = deepFreeze(${jsonValue(info)});` })
  if (b.coverage) lines.push({ code: coverageExports(b.coverage, policy.rules.length) })

  const map = new GenMapping({ file: `${baseName(options.filename)}.js` })
  const sources: SourceFile[] = [{ filename: options.filename, source: options.source, base: 0 }, ...(options.files ?? [])]
  const positionOf = new Map(sources.map(f => [f, lineIndex(f.source)]))
  for (const f of sources) setSourceContent(map, f.filename, f.source)
  let line = 0
  const out: string[] = []
  for (const l of lines) {
    const t = text(l.code)
    if (l.span) {
      const { file, offset } = locate(sources, l.span.start)
      const p = positionOf.get(file)!(offset)
      addMapping(map, { generated: { line: line + 1, column: 0 }, source: file.filename, original: { line: p.line, column: p.column } })
    }
    out.push(t)
    line += t.split('\n').length
  }
  const code = `${out.join('\n')}\n`
  const decl = declarations(policy, digest, options.filename)
  const result: Emitted = {
    code,
    types: text(decl.dts),
    map: toEncodedMap(map) as Emitted['map'],
    digest,
    diagnostics,
  }
  if (options.ts) {
    const body = code.replace('export function evaluate(', 'function evaluateImpl(').replace('export function evaluateResult(', 'function evaluateResultImpl(').replace('export const policy = ', 'const policyImpl = ')
    result.ts = `// @ts-nocheck -- generated code; its exported API is typed below\n${text(decl.typesOnly)}\n${body}export const policy: PolicyInfo = policyImpl;\nexport function evaluate<T extends ToolName>(tool: T, args: Tools[T], context?: Context, options?: EvaluateOptions): Evaluation {\n  return evaluateImpl(tool, args, context, options);\n}\nexport function evaluateResult<T extends ToolName>(tool: T, args: Tools[T], result: unknown, context?: Context, options?: EvaluateOptions): ResultEvaluation {\n  return evaluateResultImpl(tool, args, result, context, options);\n}\n`
  }
  return result
}

function baseName(filename: string): string {
  return (filename.split(/[\\/]/).pop() ?? filename).replace(/\.ya?ml$/, '')
}
