/**
 * The emitted module's declarations: `Tools` from each tool's JSON Schema, `Context` from the
 * declared context, `Params`, and the Decision/Evaluation types inline (the module imports nothing).
 * Every key and literal goes through the same quoting as the code.
 */
import type { JsonSchema, Policy, ScalarType } from '../ir.js'
import { comment, join, js, typeKey, type Code } from './code.js'

function schemaToType(schema: unknown, depth = 0): Code {
  if (depth > 16) return js`unknown`
  // Stryker disable next-line ConditionalExpression,LogicalOperator: the meta-schema makes each schema here an object or a boolean, and a boolean has none of the keywords read below
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return js`unknown`
  const s = schema as JsonSchema
  const alts = (s['anyOf'] ?? s['oneOf']) as unknown
  // Stryker disable next-line ConditionalExpression,EqualityOperator: the meta-schema refuses an empty anyOf/oneOf, so an array here is never empty
  if (Array.isArray(alts) && alts.length > 0) return js`(${join(alts.map(a => schemaToType(a, depth + 1)), js` | `)})`
  if (Array.isArray(s['enum'])) {
    const lits = (s['enum'] as unknown[]).filter(v => v === null || ['string', 'number', 'boolean'].includes(typeof v))
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the meta-schema refuses an empty enum
    if (lits.length > 0 && lits.length === (s['enum'] as unknown[]).length) return join(lits.map(v => js`${v as string | number | boolean | null}`), js` | `)
    return js`unknown`
  }
  if ('const' in s && (s['const'] === null || ['string', 'number', 'boolean'].includes(typeof s['const']))) return js`${s['const'] as string | number | boolean | null}`
  const type = s['type']
  // Stryker disable next-line ArrayDeclaration: a type name no case knows gives `unknown`, as no type does
  const types = Array.isArray(type) ? type : typeof type === 'string' ? [type] : s['properties'] ? ['object'] : []
  if (types.length === 0) return js`unknown`
  return join(types.map(t => {
    switch (t) {
      case 'string': return js`string`
      case 'number': case 'integer': return js`number`
      case 'boolean': return js`boolean`
      case 'null': return js`null`
      // Stryker disable next-line LogicalOperator,ConditionalExpression: `items` is a schema (the meta-schema): a boolean one gives `Array<unknown>`, the same type as `unknown[]`
      case 'array': return s['items'] && typeof s['items'] === 'object' && !Array.isArray(s['items']) ? js`Array<${schemaToType(s['items'], depth + 1)}>` : js`unknown[]`
      case 'object': return objectType(s, depth)
      // Stryker disable next-line all: the meta-schema admits only the type names above
      default: return js`unknown`
    }
  }), js` | `)
}

function objectType(s: JsonSchema, depth: number): Code {
  const props = s['properties'] as JsonSchema | undefined
  // Stryker disable next-line ArrayDeclaration: a made-up required name matches no property
  const required = Array.isArray(s['required']) ? (s['required'] as unknown[]) : []
  // Stryker disable next-line ConditionalExpression,LogicalOperator: the meta-schema makes `properties`, when present, an object
  if (!props || typeof props !== 'object') return js`Record<string, unknown>`
  const members = Object.keys(props).map(k => js`${typeKey(k)}${required.includes(k) ? js`` : js`?`}: ${schemaToType(props[k], depth + 1)}`)
  const extra = s['additionalProperties']
  if (extra === true || (typeof extra === 'object' && extra !== null)) members.push(js`[key: string]: unknown`)
  return members.length === 0 ? js`Record<string, never>` : js`{ ${join(members, js`; `)} }`
}

function scalar(t: ScalarType): Code {
  switch (t) {
    case 'string': return js`string`
    case 'number': return js`number`
    case 'boolean': return js`boolean`
    case 'string[]': return js`string[]`
    case 'number[]': return js`number[]`
    case 'unknown': return js`unknown`
  }
}

const SHARED = js`export type Action = "allow" | "review" | "deny";
export type Decision = {
  decision: Action;
  /** id of the deciding rule */
  rule?: string;
  /** its message, or why the default/validation/fail mode decided */
  reason?: string;
  severity?: string;
  /** ids of warn/log rules that matched */
  warnings?: string[];
};
export interface PendingLimit { rule: string; index: number; action: Action; warn: boolean; max: number; perMs: number; key: string; message: string; severity?: string }
export interface Evaluation extends Decision {
  /** index of the deciding rule in policy.rules; -1 for default, unknown tool, validation and fail mode */
  ruleIndex: number;
  /** limit rules the guard must check and count (absent when the decision is deny or none apply) */
  limits?: PendingLimit[];
  /** under fail_mode open: the rules skipped because their evaluation threw, each with its error (also in reason) */
  errors?: string[];
}
/** a counter the guard reads before evaluation (into context[name]) and counts after an allowed call */
export interface PendingCount { name: string; perMs: number; key: string }
export interface EvaluateOptions {
  /** epoch milliseconds for outside_hours (default Date.now()) */
  now?: number;
  /** run-time overrides of the declared params */
  params?: Partial<Params>;
  /** the call's session: what \`session.labels\` reads (absent: no labels). Never read from the context. */
  session?: { id?: string; labels: readonly string[] };
}
/** what the result rules decided about a handler's return value */
export interface ResultEvaluation {
  action: "pass" | "redact" | "deny";
  /** id of the deciding result rule */
  rule?: string;
  reason?: string;
  severity?: string;
  /** index of the deciding rule in policy.rules; -1 when none decided */
  ruleIndex: number;
  /** what the model may see: the original, the redacted copy, or undefined on deny */
  result: unknown;
  /** labels from the matching result rules (the tool's own \`adds\` are in policy.adds) */
  adds: string[];
  /** detectors a matching rule's \`redact:\` names; the guard applies them to \`result\` */
  redactWith?: ("secrets" | "pii")[];
}
export interface RuleInfo { id: string; index: number; action: Action; warn: boolean; tools: readonly string[] | "*"; message: string; description?: string; severity?: string; tags: readonly string[]; metadata: Readonly<Record<string, unknown>>; hasLimit: boolean; on?: "result" }
export interface PolicyInfo {
  name: string;
  /** SHA-256 (hex) of the policy's canonical form */
  digest: string;
  default: Action;
  unknownTools: Action;
  failMode: "closed" | "open";
  /** how long a review's approval id stays valid, in ms (approval_ttl) */
  approvalTtlMs: number;
  rules: readonly RuleInfo[];
  tools: readonly ToolName[];
  redact: Readonly<Record<string, readonly string[]>>;
  /** per tool: the session labels a call adds once it was allowed and its handler returned */
  adds: Readonly<Record<string, readonly string[]>>;
  params: Readonly<Record<string, { type: string; default: unknown }>>;
}`

export function declarations(policy: Policy, digest: string, filename: string): { dts: Code; typesOnly: Code } {
  const tools = policy.tools.map(t => js`  ${typeKey(t.name)}: ${t.schema ? schemaToType(t.schema) : js`Record<string, unknown>`};`)
  const context = policy.context.map(f => js`  ${typeKey(f.name)}?: ${scalar(f.type)};`)
  const params = policy.params.map(p => js`  ${typeKey(p.name)}: ${scalar(p.type)};`)
  const typesOnly = js`export type Tools = {
${join(tools, js`\n`)}
};
export type ToolName = keyof Tools;
/** caller-supplied context; ${policy.context.length === 0 ? js`no fields are declared` : js`fields declared in the policy (each may be absent)`} */
export type Context = ${policy.context.length === 0 ? js`Record<string, unknown>` : js`{
${join(context, js`\n`)}
  [key: string]: unknown;
}`};
export type Params = {${policy.params.length === 0 ? js`` : js`\n${join(params, js`\n`)}\n`}};
${SHARED}`
  const dts = js`${comment(`generated by vetoc from ${filename.split(/[\\/]/).pop() ?? filename}: do not edit`)}
${comment(`policy ${policy.name}, sha256 ${digest}`)}
${typesOnly}
export declare const policy: PolicyInfo;
export declare function evaluate<T extends ToolName>(tool: T, args: Tools[T], context?: Context, options?: EvaluateOptions): Evaluation;
/** SPEC 4.2: the governed tools some call could be allowed or reviewed for under this context (decided statically) */
export declare function visibleTools(context?: Context, options?: EvaluateOptions): ToolName[];
/** the arguments as rules see them (\`normalize:\`); unchanged for tools without it or when invalid. \`{ words: false }\` leaves \`shell\` arguments as strings */
export declare function canonicalArgs(tool: string, args: unknown, options?: { words?: boolean }): unknown;
/** the result rules (\`on: result\`) on a handler's return value, before the model sees it */
export declare function evaluateResult<T extends ToolName>(tool: T, args: Tools[T], result: unknown, context?: Context, options?: EvaluateOptions): ResultEvaluation;
/** the context counters (\`count:\` fields) that apply to this call, or null; used by the guard */
export declare function counters(tool: string, args: unknown, context?: unknown, options?: EvaluateOptions): PendingCount[] | null;
`
  return { dts, typesOnly }
}
