/**
 * The same rules for the runtime engines users would otherwise pick: json-rules-engine and Cedar
 * (`@cedar-policy/cedar-wasm`). Each is set up the way its documentation recommends for speed
 * (json-rules-engine: one engine per policy, built once, regexes cached, every rule at the same
 * priority so they run in one round; Cedar: policy sets pre-parsed once, `statefulIsAuthorized`).
 * Both report the deciding rule as vetoc does (the first matching rule, in file order, of the
 * winning action), so the agreement check compares rules as well as decisions.
 *
 * What Cedar cannot say exactly (listed in `CEDAR_APPROXIMATIONS`): Cedar has no regex, no null and
 * only integer numbers. Every regex of the shipped policies is an anchored prefix or suffix test, so
 * `like` wildcards express them exactly; `!= null` becomes `has`, exact because a Cedar context
 * cannot hold null; the numeric comparisons hold for integer context values only (vetoc also
 * accepts decimals, and JSON-number strings for `greater_than`). Cedar has two outcomes, so review
 * rules are `forbid` policies too, told apart by their ids in the response's `reason`: one call per
 * decision.
 */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import { Engine, type RuleProperties, type TopLevelCondition } from 'json-rules-engine'
import type { Call } from './workload.js'

export type Decision = 'allow' | 'review' | 'deny'

export interface Outcome {
  decision: Decision
  rule?: string
}

const GOVERNED: Record<Call['policy'], readonly string[]> = {
  'groq-tools-context': ['fetch_external_api', 'send_sms'],
  'gemini-safety': ['send_email', 'delete_file'],
}

const UNKNOWN: Outcome = Object.freeze({ decision: 'deny' })
const ALLOW: Outcome = Object.freeze({ decision: 'allow' })

/** First rule (lowest file index) of the strongest action among the matching rules. */
function decide(matching: readonly { action: Decision; index: number; rule: string }[]): Outcome {
  for (const action of ['deny', 'review'] as const) {
    let best: { index: number; rule: string } | undefined
    for (const m of matching) if (m.action === action && (best === undefined || m.index < best.index)) best = m
    if (best !== undefined) return { decision: action, rule: best.rule }
  }
  return ALLOW
}

export function jsonRulesEngines(): (call: Call) => Promise<Outcome> {
  const regexCache = new Map<string, RegExp>()
  const rx = (p: string): RegExp => {
    let r = regexCache.get(p)
    if (!r) regexCache.set(p, (r = new RegExp(p)))
    return r
  }
  const make = (): Engine => {
    const e = new Engine([], { allowUndefinedFacts: true })
    e.addOperator('matches', (a: unknown, p: string) => typeof a === 'string' && rx(p).test(a))
    e.addOperator('notMatches', (a: unknown, p: string) => !(typeof a === 'string' && rx(p).test(a)))
    e.addOperator('notStartsWith', (a: unknown, p: string) => !(typeof a === 'string' && a.startsWith(p)))
    e.addOperator('defined', (a: unknown) => a !== undefined && a !== null)
    return e
  }
  const rule = (name: string, index: number, action: Decision, conditions: TopLevelCondition): RuleProperties => ({ name, conditions, event: { type: action, params: { rule: name, index } } })
  const tool = (name: string): object => ({ fact: 'tool', operator: 'equal', value: name })

  const groq = make()
  groq.addRule(rule('hourly_call_cap', 0, 'deny', { all: [{ fact: 'context', path: '$.hourly_calls', operator: 'greaterThanInclusive', value: 60 }] }))
  groq.addRule(rule('api_domain_allowlist', 1, 'deny', { all: [tool('fetch_external_api'), { fact: 'args', path: '$.url', operator: 'notMatches', value: '^https:\\/\\/api\\.(stripe|twilio|sendgrid|openweathermap)\\.invalid\\/' }] } as TopLevelCondition))
  groq.addRule(rule('no_model_supplied_api_keys', 2, 'deny', { all: [tool('fetch_external_api'), { fact: 'args', path: '$.api_key', operator: 'defined', value: true }] } as TopLevelCondition))
  groq.addRule(rule('sms_per_recipient_cap', 3, 'deny', { all: [tool('send_sms'), { fact: 'context', path: '$.recipient_hourly_count', operator: 'greaterThanInclusive', value: 1 }] } as TopLevelCondition))
  groq.addRule(rule('sms_business_hours', 4, 'deny', { all: [tool('send_sms'), { any: [{ fact: 'context', path: '$.local_hour', operator: 'lessThan', value: 9 }, { fact: 'context', path: '$.local_hour', operator: 'greaterThanInclusive', value: 20 }] }] } as TopLevelCondition))

  const gemini = make()
  gemini.addRule(rule('email-approved-domain-only', 0, 'deny', { all: [tool('send_email'), { fact: 'args', path: '$.to', operator: 'notMatches', value: '@approved\\.example\\.com$' }] } as TopLevelCondition))
  gemini.addRule(rule('require-approval-deletes', 1, 'review', { all: [tool('delete_file'), { fact: 'args', path: '$.path', operator: 'notStartsWith', value: '/tmp/' }] } as TopLevelCondition))
  gemini.addRule(rule('hourly-call-cap', 2, 'deny', { all: [{ fact: 'context', path: '$.hourly_count', operator: 'greaterThan', value: 10 }] }))

  return async call => {
    if (!GOVERNED[call.policy].includes(call.tool)) return UNKNOWN
    const { events } = await (call.policy === 'gemini-safety' ? gemini : groq).run({ tool: call.tool, args: call.args, context: call.context })
    return decide(events.map(e => ({ action: e.type as Decision, index: e.params!['index'] as number, rule: e.params!['rule'] as string })))
  }
}

/** Rule id → [file index, action, Cedar policy]. Every set also holds `permit-all`. */
type CedarRules = Record<string, [number, Decision, string]>

const GROQ: CedarRules = {
  hourly_call_cap: [0, 'deny', 'forbid(principal, action, resource) when { context has hourly_calls && context.hourly_calls >= 60 };'],
  api_domain_allowlist: [1, 'deny', `forbid(principal, action == Action::"fetch_external_api", resource) unless {
    context.args.url like "https://api.stripe.invalid/*" || context.args.url like "https://api.twilio.invalid/*" ||
    context.args.url like "https://api.sendgrid.invalid/*" || context.args.url like "https://api.openweathermap.invalid/*" };`],
  no_model_supplied_api_keys: [2, 'deny', 'forbid(principal, action == Action::"fetch_external_api", resource) when { context.args has api_key };'],
  sms_per_recipient_cap: [3, 'deny', 'forbid(principal, action == Action::"send_sms", resource) when { context has recipient_hourly_count && context.recipient_hourly_count >= 1 };'],
  sms_business_hours: [4, 'deny', 'forbid(principal, action == Action::"send_sms", resource) when { context has local_hour && (context.local_hour < 9 || context.local_hour >= 20) };'],
}

const GEMINI: CedarRules = {
  'email-approved-domain-only': [0, 'deny', 'forbid(principal, action == Action::"send_email", resource) unless { context.args.to like "*@approved.example.com" };'],
  'require-approval-deletes': [1, 'review', 'forbid(principal, action == Action::"delete_file", resource) unless { context.args.path like "/tmp/*" };'],
  'hourly-call-cap': [2, 'deny', 'forbid(principal, action, resource) when { context has hourly_count && context.hourly_count > 10 };'],
}

/** Where the Cedar versions are not a word-for-word translation, and why the result is still the same. */
export const CEDAR_APPROXIMATIONS: readonly { rule: string; vetoc: string; cedar: string; exact: string }[] = [
  { rule: 'api_domain_allowlist', vetoc: 'regex `^https:\\/\\/api\\.(stripe|twilio|sendgrid|openweathermap)\\.invalid\\/`', cedar: 'four `like "https://api.<vendor>.invalid/*"` tests', exact: 'yes: the regex is an anchored prefix over a finite alternation; Cedar has no regex, so a pattern that is not a prefix/suffix/infix test cannot be expressed at all' },
  { rule: 'email-approved-domain-only', vetoc: 'not_matches `@approved\\.example\\.com$`', cedar: '`like "*@approved.example.com"`', exact: 'yes: an anchored suffix' },
  { rule: 'no_model_supplied_api_keys', vetoc: '`args.api_key != null`', cedar: '`context.args has api_key`', exact: 'yes: a Cedar context cannot hold null' },
  { rule: 'hourly_call_cap, sms_per_recipient_cap, sms_business_hours, hourly-call-cap', vetoc: 'numeric comparisons (decimals; `greater_than` also takes JSON-number strings)', cedar: 'Long comparisons', exact: 'for integer context values only (all of the workload)' },
  { rule: 'require-approval-deletes', vetoc: 'action `require_approval` (review)', cedar: 'a `forbid` policy whose id marks it as review', exact: 'yes: Cedar has two outcomes; the id in `diagnostics.reason` tells deny from review, in one call' },
]

export function cedarEngine(): (call: Call) => Outcome {
  const sets: Record<Call['policy'], CedarRules> = { 'groq-tools-context': GROQ, 'gemini-safety': GEMINI }
  for (const [id, rules] of Object.entries(sets)) {
    const staticPolicies: Record<string, string> = { 'permit-all': 'permit(principal, action, resource);' }
    for (const [rule, [, , text]] of Object.entries(rules)) staticPolicies[rule] = text
    const r = cedar.preparsePolicySet(id, { staticPolicies })
    if (r.type !== 'success') throw new Error(`cedar: ${JSON.stringify(r)}`)
  }
  return call => {
    if (!GOVERNED[call.policy].includes(call.tool)) return UNKNOWN
    const rules = sets[call.policy]
    const r = cedar.statefulIsAuthorized({ principal: { type: 'Agent', id: 'a' }, action: { type: 'Action', id: call.tool }, resource: { type: 'Tool', id: call.tool }, context: { ...call.context, args: call.args as never }, preparsedPolicySetId: call.policy, entities: [] })
    if (r.type !== 'success') throw new Error(`cedar: ${JSON.stringify(r.errors)}`)
    if (r.response.diagnostics.errors.length > 0) throw new Error(`cedar: ${JSON.stringify(r.response.diagnostics.errors)}`)
    if (r.response.decision === 'allow') return ALLOW
    return decide(r.response.diagnostics.reason.map(id => {
      const rule = rules[id]
      if (!rule) throw new Error(`cedar: unexpected policy ${id} in the reason`)
      return { action: rule[1], index: rule[0], rule: id }
    }))
  }
}
