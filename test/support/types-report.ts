/** Type-checker tests: a typed tool's policy, and the one-line-per-diagnostic report of test/support/diagnostics.ts. */
export { report } from './diagnostics.js'

/** A policy whose tool `t` takes `properties` (a YAML flow map), with one deny rule per `when`. */
export function typedPolicy(properties: string, required: string[], whens: string[], head = ''): string {
  const rules = whens.map((w, i) => `  - { id: r${i}, tool: t, action: deny, when: ${JSON.stringify(w)} }\n`).join('')
  return `${head}tools:\n  t:\n    parameters:\n      type: object\n      properties: ${properties}\n      required: [${required.join(', ')}]\nrules:\n${rules}`
}
