/**
 * Step three: checks on the IR — regexes, types against schemas, and policy-level warnings.
 */
import type { Diagnostic } from '../diagnostic.js'
import type { Expr, Policy, RegexLit } from '../ir.js'
import { children } from '../ir-walk.js'
import type { CompileCache } from '../cache.js'
import { analysePatterns, checkRegex, validRegex } from './regex.js'
import { checkNormalize } from './normalize.js'
import { checkTypes } from './types.js'

const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g

export function check(policy: Policy, source: string, out: Diagnostic[], cache?: CompileCache): void {
  // every regex analysed in one batch first (the verdicts are then at hand), then judged in order
  analysePatterns(policyRegexes(policy).filter(rx => validRegex(rx)).map(rx => ({ source: rx.source, flags: rx.flags })), cache)
  for (const rule of policy.rules) {
    for (const rx of regexes([rule.condition, rule.limit?.key ?? null])) checkRegex(rx, out, policy.regexInputLimit)
  }
  for (const field of policy.context) for (const rx of regexes([field.count?.key ?? null])) checkRegex(rx, out, policy.regexInputLimit)
  // the argument validators run the schemas' own regexes on every call: judged the same way
  for (const tool of policy.tools) for (const rx of tool.schemaRegexes ?? []) checkRegex(rx, out, null)
  checkNormalize(policy, out)
  checkTypes(policy, out)
  const used = new Set<string>()
  for (const rule of policy.rules) if (rule.tools !== '*') for (const t of rule.tools) used.add(t)
  for (const tool of policy.tools) {
    if (!tool.schema) {
      out.push({ code: 'untyped-tool', severity: 'warning', message: `tool \`${tool.name}\` has no parameter schema: its arguments are neither type-checked nor validated`, span: tool.span, help: `declare it under \`tools:\` with \`parameters:\` (a JSON Schema)` })
    }
  }
  for (const rule of policy.rules) {
    if (rule.tools === '*' && policy.tools.length === 0) {
      out.push({ code: 'never-matches', severity: 'warning', message: `rule \`${rule.id}\` applies to every governed tool, but the policy governs none`, span: rule.span, help: 'name the tools under `tools:` or in the rule' })
    }
  }
  out.push(...bidiWarnings(source))
}

/** Every regex of a policy: in its rules, its context counters' keys, and its tool schemas. */
export function policyRegexes(policy: Policy): RegexLit[] {
  const all: RegexLit[] = []
  for (const rule of policy.rules) all.push(...regexes([rule.condition, rule.limit?.key ?? null]))
  for (const field of policy.context) all.push(...regexes([field.count?.key ?? null]))
  for (const tool of policy.tools) all.push(...(tool.schemaRegexes ?? []))
  return all
}

/** Invisible bidirectional controls in a policy file's text (each file of a policy is scanned). */
export function bidiWarnings(source: string): Diagnostic[] {
  const out: Diagnostic[] = []
  for (const m of source.matchAll(BIDI)) {
    out.push({ code: 'bidi-text', severity: 'warning', message: `invisible bidirectional control character U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, span: { start: m.index, end: m.index + 1 }, help: 'such characters can make the text read differently from what the compiler sees; remove it' })
  }
  return out
}

function* regexes(exprs: (Expr | null)[]): Generator<RegexLit> {
  const stack = exprs.filter((e): e is Expr => e !== null)
  while (stack.length > 0) {
    const e = stack.pop()!
    switch (e.kind) {
      case 'regex': yield e; break
      case 'lit': case 'root': case 'labels': break
      case 'array': stack.push(...e.items); break
      case 'member': stack.push(e.object); if (typeof e.key !== 'string') stack.push(e.key); break
      case 'unary': stack.push(e.arg); break
      case 'binary': case 'logical': stack.push(e.left, e.right); break
      case 'conditional': stack.push(e.test, e.then, e.otherwise); break
      case 'call': stack.push(e.receiver, ...e.args); break
      case 'op': stack.push(e.subject); if (e.value) stack.push(e.value); break
      case 'all': case 'any': stack.push(...e.items); break
      case 'detect': stack.push(e.arg); break
      default: stack.push(...children(e))
    }
  }
}
