/**
 * What `lower` reads out of a tool's `parameters` (a JSON Schema) besides the JSON value itself:
 * the regexes the validator will run, and the schema text that must never reach Ajv's code
 * generator.
 */
import type { RegexLit } from '../ir.js'
import type { YNode } from '../parse/index.js'
import type { Lowerer } from './lowerer.js'

/** Maps whose keys are names chosen by the schema's author, not keywords (their values are schemas). */
const NAME_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies', 'dependentSchemas', 'dependentRequired'])

/** Every `pattern` string and `patternProperties` key in a schema, where the YAML writes it. */
export function schemaRegexes(node: YNode, out: RegexLit[]): void {
  if (node.kind === 'seq') for (const item of node.items) schemaRegexes(item, out)
  if (node.kind !== 'map') return
  for (const e of node.entries) {
    if (e.key === 'pattern' && e.value.kind === 'scalar' && typeof e.value.value === 'string') {
      out.push({ kind: 'regex', source: e.value.value, flags: 'u', span: e.value.span })
      continue
    }
    if (e.key === 'patternProperties' && e.value.kind === 'map') {
      for (const pe of e.value.entries) {
        out.push({ kind: 'regex', source: pe.key, flags: 'u', span: pe.keySpan })
        schemaRegexes(pe.value, out)
      }
      continue
    }
    schemaRegexes(e.value, out)
  }
}

/**
 * Refuses the schema keywords whose text Ajv writes outside a string literal. Ajv's standalone
 * code puts a schema's `$id` into a `/*# sourceURL=... *\/` comment whenever it keeps the source
 * (which standalone output needs), so `*\/` in an id closes the comment and the rest is code. A
 * `$id` also only names a schema for `$ref` across documents, which a tool schema cannot use.
 * Keys of maps that name properties or definitions are names, not keywords, and stay allowed.
 */
export function refuseSchemaIds(lw: Lowerer, node: YNode, tool: string): void {
  if (node.kind === 'seq') for (const item of node.items) refuseSchemaIds(lw, item, tool)
  if (node.kind !== 'map') return
  for (const e of node.entries) {
    if (e.key === '$id') {
      lw.error('schema-unsupported', `the schema of tool \`${tool}\` uses \`$id\``, e.keySpan, 'remove `$id`: a tool schema is one document, and its `$ref`s point inside it (`#/definitions/...`)')
      continue
    }
    if (NAME_MAPS.has(e.key) && e.value.kind === 'map') {
      for (const named of e.value.entries) refuseSchemaIds(lw, named.value, tool)
      continue
    }
    refuseSchemaIds(lw, e.value, tool)
  }
}
