/**
 * A policy test file (`x.policy.test.yaml`, SPEC 4.1) → checked steps with their spans. Read with the
 * compiler's own YAML front end and key checks, so an invalid test file gets the same diagnostics
 * (`file:line:col`, code frame, did-you-mean) as an invalid policy.
 */
import type { Diagnostic } from '../../compiler/diagnostic.js'
import type { Span } from '../../compiler/ir.js'
import { DECISIONS, Lowerer, toJson } from '../../compiler/lower/lowerer.js'
import { didYouMean } from '../../compiler/lower/suggest.js'
import { parse, type YEntry, type YNode } from '../../compiler/parse/index.js'

export const TEST_FILE_KEYS: readonly string[] = ['policy', 'cases', 'sessions']
export const SESSION_KEYS: readonly string[] = ['name', 'steps']
export const STEP_KEYS: readonly string[] = ['name', 'tool', 'args', 'context', 'params', 'env', 'now', 'result', 'approve', 'expect', 'expect_result']
export const EXPECT_KEYS: readonly string[] = ['decision', 'rule', 'reason']
export const RESULT_ACTIONS: readonly string[] = ['pass', 'redact', 'deny']
export const EXPECT_RESULT_KEYS: readonly string[] = ['action', 'rule']

export type EnvValue = string | number | boolean | null

export interface Expectation {
  decision: 'allow' | 'review' | 'deny'
  rule?: string
  reason?: string
  span: Span
  /** where `rule:` is written, for an unknown rule id */
  ruleSpan?: Span
}

export interface Step {
  name?: string
  tool: string
  toolSpan: Span
  args: unknown
  context?: unknown
  params?: Record<string, unknown>
  env: Record<string, EnvValue>
  /** epoch ms */
  now?: number
  result: unknown
  hasResult: boolean
  approve: boolean
  expect: Expectation
  expectResult?: { action: string; rule?: string; span: Span; ruleSpan?: Span }
  /** the step's mapping, for `file:line:col` of a failure */
  span: Span
}

export interface Session {
  name?: string
  steps: Step[]
  span: Span
}

export interface TestSpec {
  /** `policy:` as written (relative to the test file), when present */
  policy?: string
  cases: Step[]
  sessions: Session[]
  diagnostics: Diagnostic[]
}

export function parseTestFile(source: string, filename: string): TestSpec {
  const parsed = parse(source)
  const lw = new Lowerer({ filename }, source)
  const spec: TestSpec = { cases: [], sessions: [], diagnostics: lw.diagnostics }
  lw.diagnostics.push(...parsed.diagnostics)
  if (parsed.diagnostics.some(d => d.severity === 'error')) return spec
  if (parsed.root === null) {
    lw.error('empty-test-file', 'the test file is empty', { start: 0, end: 0 }, 'add `cases:` or `sessions:`')
    return spec
  }
  const top = lw.entries(parsed.root, TEST_FILE_KEYS, 'the test file')
  if (!top) return spec
  const p = top.get('policy')
  if (p) {
    const s = lw.string(p.value, '`policy`')
    if (s !== undefined) spec.policy = s
  }
  const cases = top.get('cases')
  if (cases) for (const item of list(lw, cases, '`cases`')) {
    const step = readStep(lw, item, 'a case')
    if (step) spec.cases.push(step)
  }
  const sessions = top.get('sessions')
  if (sessions) for (const item of list(lw, sessions, '`sessions`')) {
    const m = lw.entries(item, SESSION_KEYS, 'a session')
    if (!m) continue
    const session: Session = { steps: [], span: item.span }
    const n = m.get('name')
    if (n) {
      const s = lw.string(n.value, 'a session name')
      if (s !== undefined) session.name = s
    }
    const steps = m.get('steps')
    if (!steps) lw.error('missing-key', 'a session needs `steps`', head(item.span))
    else for (const s of list(lw, steps, '`steps`')) {
      const step = readStep(lw, s, 'a step')
      if (step) session.steps.push(step)
    }
    spec.sessions.push(session)
  }
  if (!cases && !sessions) lw.error('missing-key', 'a test file needs `cases` or `sessions`', head(parsed.root.span))
  return spec
}

function head(span: Span): Span {
  return { start: span.start, end: Math.min(span.end, span.start + 1) }
}

function list(lw: Lowerer, e: YEntry, what: string): YNode[] {
  if (e.value.kind === 'seq') return e.value.items
  lw.error('invalid-type', `${what} must be a list`, e.value.span)
  return []
}

function readStep(lw: Lowerer, node: YNode, what: string): Step | null {
  const m = lw.entries(node, STEP_KEYS, what)
  if (!m) return null
  let ok = true
  const tE = m.get('tool')
  const eE = m.get('expect')
  if (!tE) { lw.error('missing-key', `${what} needs a \`tool\``, head(node.span)); ok = false }
  if (!eE) { lw.error('missing-key', `${what} needs an \`expect\``, head(node.span), 'e.g. `expect: allow` or `expect: { decision: deny, rule: my-rule }`'); ok = false }
  const tool = tE ? lw.string(tE.value, 'the tool name') : undefined
  const expectation = eE ? readExpect(lw, eE.value) : undefined
  // every key is read even when one is wrong, so one run shows every problem of the step
  const step: Step = { tool: tool ?? '', toolSpan: tE?.value.span ?? node.span, args: {}, env: {}, result: null, hasResult: false, approve: false, expect: expectation ?? { decision: 'deny', span: node.span }, span: node.span }
  const name = m.get('name')
  if (name) {
    const s = lw.string(name.value, 'a case name')
    if (s !== undefined) step.name = s
  }
  const args = m.get('args')
  if (args) step.args = toJson(args.value)
  const ctx = m.get('context')
  if (ctx) step.context = object(lw, ctx, '`context`')
  const params = m.get('params')
  if (params) step.params = object(lw, params, '`params`') as Record<string, unknown> | undefined ?? {}
  const env = m.get('env')
  if (env) {
    const o = object(lw, env, '`env`')
    for (const [k, v] of Object.entries(o ?? {})) {
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') step.env[k] = v
      else lw.error('invalid-type', `\`env.${k}\` must be a string, number, boolean or null`, env.value.span, 'env values are build-time constants')
    }
  }
  const now = m.get('now')
  if (now) {
    const v = now.value.kind === 'scalar' ? now.value.value : undefined
    const t = typeof v === 'string' ? Date.parse(v) : Number.NaN
    if (Number.isNaN(t)) lw.error('invalid-value', '`now` must be an ISO 8601 time', now.value.span, 'e.g. `now: 2026-11-24T13:00:00Z`')
    else step.now = t
  }
  const result = m.get('result')
  if (result) { step.result = toJson(result.value); step.hasResult = true }
  const approve = m.get('approve')
  if (approve) step.approve = lw.bool(approve.value, '`approve`') ?? false
  const er = m.get('expect_result')
  if (er) {
    const v = er.value
    if (v.kind === 'scalar') {
      const a = lw.choice(v, RESULT_ACTIONS, 'result action')
      if (a !== undefined) step.expectResult = { action: a, span: v.span }
    } else {
      const em = lw.entries(v, EXPECT_RESULT_KEYS, '`expect_result`')
      const aE = em?.get('action')
      if (em && !aE) lw.error('missing-key', '`expect_result` needs an `action`', head(v.span))
      const a = aE ? lw.choice(aE.value, RESULT_ACTIONS, 'result action') : undefined
      if (a !== undefined) {
        step.expectResult = { action: a, span: v.span }
        const r = em!.get('rule')
        const rule = r ? lw.string(r.value, 'the expected rule') : undefined
        if (rule !== undefined) { step.expectResult.rule = rule; step.expectResult.ruleSpan = r!.value.span }
      }
    }
  }
  return tool === undefined || expectation === undefined || !ok ? null : step
}

function object(lw: Lowerer, e: YEntry, what: string): Record<string, unknown> | undefined {
  if (e.value.kind !== 'map') {
    lw.error('invalid-type', `${what} must be a mapping`, e.value.span)
    return undefined
  }
  return toJson(e.value) as Record<string, unknown>
}

function readExpect(lw: Lowerer, v: YNode): Expectation | undefined {
  if (v.kind === 'scalar') {
    const d = lw.choice(v, DECISIONS, 'expected decision')
    return d === undefined ? undefined : { decision: d as Expectation['decision'], span: v.span }
  }
  const m = lw.entries(v, EXPECT_KEYS, '`expect`')
  if (!m) return undefined
  const dE = m.get('decision')
  if (!dE) {
    lw.error('missing-key', '`expect` needs a `decision`', head(v.span), 'one of `allow`, `review`, `deny`')
    return undefined
  }
  const d = lw.choice(dE.value, DECISIONS, 'expected decision')
  if (d === undefined) return undefined
  const out: Expectation = { decision: d as Expectation['decision'], span: v.span }
  const r = m.get('rule')
  if (r) {
    const rule = lw.string(r.value, 'the expected rule')
    if (rule !== undefined) { out.rule = rule; out.ruleSpan = r.value.span }
  }
  const reason = m.get('reason')
  if (reason) {
    const s = lw.string(reason.value, 'the expected reason')
    if (s !== undefined) out.reason = s
  }
  return out
}

/** Tool and rule names in the spec that the policy does not have, as diagnostics with a did-you-mean. */
export function checkAgainstPolicy(spec: TestSpec, tools: readonly string[], rules: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = []
  const steps = [...spec.cases, ...spec.sessions.flatMap(s => s.steps)]
  const ruleRef = (id: string, span: Span): void => {
    if (!rules.includes(id)) out.push({ code: 'unknown-rule', severity: 'error', message: `unknown rule \`${id}\` in an expectation`, span, help: didYouMean(id, rules) ?? `the policy's rules: ${rules.map(r => `\`${r}\``).join(', ') || 'none'}` })
  }
  for (const s of steps) {
    if (!tools.includes(s.tool)) out.push({ code: 'unknown-tool', severity: 'error', message: `unknown tool \`${s.tool}\` in a test`, span: s.toolSpan, help: didYouMean(s.tool, tools) ?? `the policy governs: ${tools.map(t => `\`${t}\``).join(', ')}` })
    if (s.expect.rule !== undefined) ruleRef(s.expect.rule, s.expect.ruleSpan ?? s.expect.span)
    if (s.expectResult?.rule !== undefined) ruleRef(s.expectResult.rule, s.expectResult.ruleSpan ?? s.expectResult.span)
  }
  return out
}
