/**
 * The JSON Schema of a policy file, for editors (`# yaml-language-server: $schema=...`). Built from
 * the lowerer's own key, operator and action tables, so it cannot drift from what the compiler
 * accepts: a key the compiler rejects is rejected here. It checks shape only (keys, enums, types);
 * the compiler's diagnostics remain the authority on meaning.
 */
import { ACTIONS, ALL_OPERATORS, CONDITION_KEYS, CONTEXT_FIELD_KEYS, COUNTER_KEYS, FAIL_MODES, HOURS_KEYS, LIMIT_KEYS, PARAM_KEYS, POLICY_KEYS, RULE_KEYS, SCALAR_TYPES, SETTINGS_KEYS, SEVERITIES, TOOL_KEYS } from './lower/lowerer.js'

type Schema = { [key: string]: unknown }

/** An object whose keys are exactly `keys`; those described in `known` get their schema, others any value. */
export function strictObject(keys: readonly string[], known: Record<string, Schema>, extra: Schema = {}): Schema {
  return { type: 'object', properties: Object.fromEntries(keys.map(k => [k, known[k] ?? {}])), additionalProperties: false, ...extra }
}

const stringOrList: Schema = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }
const action: Schema = { enum: Object.keys(ACTIONS) }
const duration: Schema = { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?[smhd]$' }

export function policySchema(): Schema {
  const condition = strictObject(CONDITION_KEYS, { field: { type: 'string' }, operator: { enum: [...ALL_OPERATORS] } }, { required: ['field', 'operator'] })
  const rule = strictObject(RULE_KEYS, {
    id: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' }, message: { type: 'string' },
    action, tool: { type: 'string' }, tools: stringOrList,
    when: { type: ['string', 'boolean'] },
    conditions: { type: 'array', items: condition },
    condition_groups: { type: 'array', items: { type: 'array', items: condition } },
    severity: { enum: [...SEVERITIES] }, enabled: { type: 'boolean' }, tags: stringOrList, metadata: { type: 'object' },
    limit: strictObject(LIMIT_KEYS, { max: { type: 'integer', minimum: 1 }, per: duration, key: { type: 'string' } }, { required: ['max', 'per'] }),
    outside_hours: strictObject(HOURS_KEYS, { from: { type: 'string' }, to: { type: 'string' }, tz: { type: 'string' } }, { required: ['from', 'to'] }),
  })
  const counter = strictObject(COUNTER_KEYS, { per: duration, tool: { type: 'string' }, tools: stringOrList, key: { type: 'string' } })
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://vetoc.dev/schemas/policy.schema.json',
    title: 'vetoc policy',
    ...strictObject(POLICY_KEYS, {
      version: { type: ['string', 'number'] }, name: { type: 'string' }, description: { type: 'string' },
      default: action, unknown_tools: action, fail_mode: { enum: [...FAIL_MODES] },
      tools: { type: 'object', additionalProperties: strictObject(TOOL_KEYS, { description: { type: 'string' }, parameters: { type: 'object' }, redact: stringOrList }) },
      context: { type: 'object', additionalProperties: { anyOf: [{ enum: [...SCALAR_TYPES] }, strictObject(CONTEXT_FIELD_KEYS, { count: counter })] } },
      params: { type: 'object', additionalProperties: strictObject(PARAM_KEYS, { type: { enum: [...SCALAR_TYPES] }, description: { type: 'string' } }) },
      rules: { type: 'array', items: rule },
      settings: strictObject(SETTINGS_KEYS, { default_action: action, fail_mode: { enum: [...FAIL_MODES] }, global_tags: stringOrList }),
      approval_ttl: { type: ['string', 'number'] },
    }),
  }
}
