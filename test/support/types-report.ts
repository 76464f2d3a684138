/** What the type checker says about a policy, one line per diagnostic, for tests that state the whole list. */
import { analyze } from '../../compiler/analyze.js'

/** One line per diagnostic: `severity code «underlined» message | help`. */
export function report(src: string): string[] {
  return analyze(src, { filename: 'p.policy.yaml' }).diagnostics.map(d => `${d.severity} ${d.code} «${src.slice(d.span.start, d.span.end)}» ${d.message}${d.help !== undefined ? ` | ${d.help}` : ''}`)
}

/** A policy whose tool `t` takes `properties` (a YAML flow map), with one deny rule per `when`. */
export function typedPolicy(properties: string, required: string[], whens: string[], head = ''): string {
  const rules = whens.map((w, i) => `  - { id: r${i}, tool: t, action: deny, when: ${JSON.stringify(w)} }\n`).join('')
  return `${head}tools:\n  t:\n    parameters:\n      type: object\n      properties: ${properties}\n      required: [${required.join(', ')}]\nrules:\n${rules}`
}
