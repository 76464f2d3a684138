/**
 * Argument validators for typed tools, generated at build time by Ajv's standalone code generator
 * (Ajv runs `new Function` inside the compiler only, never in the emitted module or the runtime).
 * Identical schemas share one validator. Ajv's runtime helper imports are replaced by the inlined
 * helpers of `runtime.ts`; a schema that would need any other helper is a diagnostic.
 */
import AjvModule from 'ajv'
import standaloneCode from 'ajv/dist/standalone/index.js'
import type { Diagnostic } from '../diagnostic.js'
import type { JsonSchema, Policy } from '../ir.js'
import { js, numberedName, trustedAjv, type Code } from './code.js'

export interface Validators {
  code: Code | null
  /** tool name → validator function name */
  names: Map<string, Code>
}

const HELPERS: Record<string, Code> = { equal: js`equal`, ucs2length: js`ucs2length` }

function hasProtoKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasProtoKey)
  if (v !== null && typeof v === 'object') return Object.keys(v).some(k => k === '__proto__' || hasProtoKey((v as Record<string, unknown>)[k]))
  return false
}

export function buildValidators(policy: Policy, diagnostics: Diagnostic[]): Validators {
  const names = new Map<string, Code>()
  const typed = policy.tools.filter(t => t.schema !== undefined)
  if (typed.length === 0) return { code: null, names }
  const AjvClass = AjvModule.default
  const ajv = new AjvClass({ code: { source: true, esm: true, optimize: true, lines: false }, ownProperties: true, allErrors: false, strict: false, validateFormats: false, logger: false })
  const bySchema = new Map<string, string>()
  const exportsMap: Record<string, string> = {}
  const indexOf = new Map<string, number>()
  for (const tool of typed) {
    const schema = tool.schema as JsonSchema
    if (hasProtoKey(schema)) {
      diagnostics.push({ code: 'schema-unsupported', severity: 'error', message: `the schema of tool \`${tool.name}\` uses the key \`__proto__\``, span: tool.span, help: 'rename the property; `__proto__` cannot be a reliable argument name' })
      continue
    }
    const key = JSON.stringify(schema)
    let exportName = bySchema.get(key)
    if (exportName === undefined) {
      exportName = `v${bySchema.size}`
      const index = bySchema.size
      try {
        ajv.addSchema(schema as object, exportName)
        ajv.getSchema(exportName)
      } catch (e) {
        diagnostics.push({ code: 'schema-invalid', severity: 'error', message: `the schema of tool \`${tool.name}\` is not a valid JSON Schema: ${(e as Error).message}`, span: tool.span })
        continue
      }
      bySchema.set(key, exportName)
      exportsMap[exportName] = exportName
      indexOf.set(exportName, index)
    }
    names.set(tool.name, numberedName('v', indexOf.get(exportName)!))
  }
  if (Object.keys(exportsMap).length === 0) return { code: null, names }
  const source = (standaloneCode as unknown as { default: (a: unknown, m: Record<string, string>) => string }).default(ajv, exportsMap)
  const code = trustedAjv(source, HELPERS)
  if ('unsupported' in code) {
    diagnostics.push({ code: 'schema-unsupported', severity: 'error', message: `a tool schema needs validator support that compiled modules cannot carry (\`${code.unsupported}\`)`, span: typed[0]!.span, help: 'remove the `format`/keyword that needs it, or validate that argument in a rule' })
    return { code: null, names: new Map() }
  }
  return { code, names }
}

