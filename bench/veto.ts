/**
 * Veto's own evaluator on the two seed workloads (issue 15: compiled `evaluate` at least 10x faster
 * than it): the seed rules written in Veto's expression language, each parsed once with
 * `compile()` from `veto-sdk/compiler` and run per call with its `evaluate()`, as Veto's
 * `ExpressionValidator` does with its cache of compiled expressions.
 *
 * `veto-sdk` is not a dependency of vetoc: the bench times it when it is installed
 * (`npm i --no-save veto-sdk`) and says it was not measured otherwise.
 *
 * The translation, rule for rule (`VETO_RULES`): Veto's expressions read paths of the object they are
 * given, so each call is evaluated against `{ args, context }`, and regexes go through its `matches`
 * operator. Where it is not word for word (`VETO_APPROXIMATIONS`): Veto's expressions have no null, so
 * `args.api_key != null` compares with a path that is never set (`absent`, which reads as
 * undefined); exact on this workload, where `api_key` is a string or missing. Every rule that
 * applies to the call's tool is evaluated, and the deciding rule is chosen as vetoc chooses it (the
 * first matching rule, in file order, of the strongest action), so the bench's agreement check
 * compares rules as well as decisions.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Call } from './workload.js'

type Decision = 'allow' | 'review' | 'deny'
type Outcome = { decision: Decision; rule?: string }
type Seed = Call['policy']

interface VetoCompiler {
  compile(expression: string): unknown
  evaluate(ast: unknown, context: Record<string, unknown>): unknown
}

/** [rule id, action, tools it applies to (undefined: every tool), Veto expression], in file order. */
type VetoRule = readonly [string, Decision, readonly string[] | undefined, string]

export const VETO_RULES: Record<Seed, readonly VetoRule[]> = {
  'groq-tools-context': [
    ['hourly_call_cap', 'deny', undefined, 'context.hourly_calls >= 60'],
    ['api_domain_allowlist', 'deny', ['fetch_external_api'], '!(args.url matches "^https://api\\.(stripe|twilio|sendgrid|openweathermap)\\.invalid/")'],
    ['no_model_supplied_api_keys', 'deny', ['fetch_external_api'], 'args.api_key != absent'],
    ['sms_per_recipient_cap', 'deny', ['send_sms'], 'context.recipient_hourly_count >= 1'],
    ['sms_business_hours', 'deny', ['send_sms'], 'context.local_hour < 9 || context.local_hour >= 20'],
  ],
  'gemini-safety': [
    ['email-approved-domain-only', 'deny', ['send_email'], '!(args.to matches "@approved\\.example\\.com$")'],
    ['require-approval-deletes', 'review', ['delete_file'], '!starts_with(args.path, "/tmp/")'],
    ['hourly-call-cap', 'deny', undefined, 'context.hourly_count > 10'],
  ],
}

export const VETO_APPROXIMATIONS: readonly string[] = [
  '`args.api_key != null` is `args.api_key != absent` (Veto\'s expressions have no null; `absent` is a path no call sets, so it reads undefined): exact here, where `api_key` is a string or missing',
]

const TOOLS: Record<Seed, readonly string[]> = {
  'groq-tools-context': ['fetch_external_api', 'send_sms'],
  'gemini-safety': ['send_email', 'delete_file'],
}

/**
 * The installed `veto-sdk` version, or undefined when it is not installed. Its `exports` do not
 * include `package.json`, so the file is found from where `veto-sdk/compiler` resolves.
 */
export function vetoVersion(): string | undefined {
  let dir: string
  try {
    dir = dirname(fileURLToPath(import.meta.resolve('veto-sdk/compiler')))
  } catch {
    return undefined
  }
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown }
      if (pkg.name === 'veto-sdk') return typeof pkg.version === 'string' ? pkg.version : 'of unknown version'
    } catch {
      // no package.json here: look one folder up
    }
  }
  return 'of unknown version'
}

/**
 * One evaluate function per seed over Veto's compiler, with the signature of the compiled module's
 * `evaluate`; undefined when `veto-sdk` is not installed.
 */
export async function vetoEngines(): Promise<Record<Seed, (tool: string, args: unknown, context: unknown) => Outcome> | undefined> {
  // a specifier in a variable: `veto-sdk` is optional, so neither tsc nor the bundler may require it
  const specifier = 'veto-sdk/compiler'
  let veto: VetoCompiler
  try {
    veto = (await import(specifier)) as VetoCompiler
  } catch {
    return undefined
  }
  const engine = (seed: Seed): ((tool: string, args: unknown, context: unknown) => Outcome) => {
    // per tool, its rules with their expressions parsed once: [index, id, action, ast]
    const byTool = new Map<string, [number, string, Decision, unknown][]>()
    for (const tool of TOOLS[seed]) byTool.set(tool, [])
    VETO_RULES[seed].forEach(([id, action, tools, expression], index) => {
      const ast = veto.compile(expression)
      for (const tool of tools ?? TOOLS[seed]) byTool.get(tool)!.push([index, id, action, ast])
    })
    return (tool, args, context) => {
      const rules = byTool.get(tool)
      if (rules === undefined) return { decision: 'deny' }
      const ctx = { args, context }
      let deny: string | undefined
      let review: string | undefined
      for (const [, id, action, ast] of rules) {
        if (!veto.evaluate(ast, ctx)) continue
        // rules are in file order, so the first match of each action is its deciding rule
        if (action === 'deny') deny ??= id
        else if (action === 'review') review ??= id
      }
      if (deny !== undefined) return { decision: 'deny', rule: deny }
      if (review !== undefined) return { decision: 'review', rule: review }
      return { decision: 'allow' }
    }
  }
  return { 'groq-tools-context': engine('groq-tools-context'), 'gemini-safety': engine('gemini-safety') }
}
