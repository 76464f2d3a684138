/**
 * `normalize:` against the tool's schema: a normalised argument the schema does not have is a typo
 * (did-you-mean), and a kind on an argument the schema says is not a string would never run.
 * Rules read the canonical value, so for type checking a `shell` argument is a string array.
 */
import type { Diagnostic } from '../diagnostic.js'
import type { JsonSchema, Policy, ToolDecl } from '../ir.js'
import { didYouMean } from '../lower/suggest.js'

function properties(schema: JsonSchema | undefined): JsonSchema | undefined {
  const p = schema?.['properties']
  return p !== null && typeof p === 'object' && !Array.isArray(p) ? (p as JsonSchema) : undefined
}

function mayBeString(prop: unknown): boolean {
  if (prop === null || typeof prop !== 'object' || Array.isArray(prop)) return true
  const s = prop as JsonSchema
  const alts = (s['anyOf'] ?? s['oneOf']) as unknown
  if (Array.isArray(alts)) return alts.some(mayBeString)
  if (Array.isArray(s['enum'])) return (s['enum'] as unknown[]).some(v => typeof v === 'string')
  if ('const' in s) return typeof s['const'] === 'string'
  const type = s['type']
  if (type === undefined) return true
  return Array.isArray(type) ? type.includes('string') : type === 'string'
}

export function checkNormalize(policy: Policy, out: Diagnostic[]): void {
  for (const tool of policy.tools) {
    const props = properties(tool.schema)
    for (const n of tool.normalize ?? []) {
      if (!tool.schema || !props) continue
      if (!Object.prototype.hasOwnProperty.call(props, n.arg)) {
        if (tool.schema['additionalProperties'] === false || tool.schema['additionalProperties'] === undefined) {
          out.push({ code: 'unknown-field', severity: 'error', message: `\`normalize\` names argument \`${n.arg}\`, which the schema of \`${tool.name}\` does not have`, span: n.span, help: didYouMean(n.arg, Object.keys(props)) ?? `the schema has: ${Object.keys(props).map(k => `\`${k}\``).join(', ') || 'no properties'}` })
        }
        continue
      }
      if (!mayBeString(props[n.arg])) {
        out.push({ code: 'type-mismatch', severity: 'error', message: `\`normalize\` of \`${n.arg}\` works on strings, but the schema of \`${tool.name}\` says it is never one`, span: n.span, help: 'normalise string arguments only' })
      }
    }
  }
}

/** The schema rules are type-checked against: each `shell` argument becomes `string[]`. */
export function canonicalSchema(tool: ToolDecl): JsonSchema {
  const schema = tool.schema!
  const shell = (tool.normalize ?? []).filter(n => n.kinds.includes('shell'))
  const props = properties(schema)
  if (shell.length === 0 || !props) return schema
  const canonical: JsonSchema = {}
  for (const k of Object.keys(props)) Object.defineProperty(canonical, k, { value: props[k], enumerable: true, writable: true, configurable: true })
  for (const n of shell) if (Object.prototype.hasOwnProperty.call(props, n.arg)) canonical[n.arg] = { type: 'array', items: { type: 'string' } }
  return { ...schema, properties: canonical }
}
