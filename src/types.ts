/**
 * The shapes shared by the emitted policy modules and the runtime. The emitted module repeats these
 * declarations inline in its own `.d.ts` (it imports nothing); this file is the runtime's view.
 */

export type Action = 'allow' | 'review' | 'deny'

export type Decision = {
  decision: Action
  /** id of the deciding rule */
  rule?: string
  /** its message, or why the default/validation/fail mode decided */
  reason?: string
  severity?: string
  /** ids of warn/log rules that matched */
  warnings?: string[]
}

/**
 * A limit rule whose tool matched and whose condition held: the guard must check it against its store
 * and, if the final decision is allow, count the call.
 */
export interface PendingLimit {
  /** rule id */
  rule: string
  /** rule position in file order (enabled rules only), for the "first matching rule" tie-break */
  index: number
  /** the rule's action when the limit is exceeded */
  action: Action
  /** true for warn/log rules: exceeding only adds a warning */
  warn: boolean
  max: number
  perMs: number
  /** the key expression's value as a string: strings as is, anything else JSON.stringify'd ('undefined' when absent); '' when the rule has no key */
  key: string
  message: string
  severity?: string
  /** set for a context counter counted like a limit (never exceeded); keyed apart from limit rules */
  counter?: true
}

/** A context counter (`count:` field) that applies to a call: the guard reads it into `context[name]`. */
export interface PendingCount {
  name: string
  perMs: number
  /** the key expression's value as a string, as for limits; '' when the counter has no key */
  key: string
}

/** What `evaluate` returns: the stateless Decision plus what only the guard can decide. */
export interface Evaluation extends Decision {
  /**
   * Index of the deciding rule in `policy.rules`, or -1 when the default, unknown_tools, validation
   * or fail mode decided.
   */
  ruleIndex: number
  /** Present (non-empty) only when the decision is not deny and limit rules apply to this call. */
  limits?: PendingLimit[]
  /**
   * Under `fail_mode: open`, the rules skipped because their evaluation threw, each as
   * "rule `id` skipped: error" (the reason says the same, so the record carries it).
   */
  errors?: string[]
}

export interface EvaluateOptions {
  /** Epoch milliseconds for `outside_hours`; default `Date.now()`. */
  now?: number
  /** Run-time overrides of the policy's declared `params` (already validated by the guard). */
  params?: Record<string, unknown>
  /**
   * The call's session: what `session.labels` reads (absent ⇒ `[]`). The guard fills it from its
   * session store; rules never read labels from the context, so a caller cannot set them there.
   */
  session?: { id?: string; labels: readonly string[] }
}

/** What the result rules (`on: result`) decided about a handler's return value. */
export interface ResultEvaluation {
  action: 'pass' | 'redact' | 'deny'
  /** id of the deciding result rule */
  rule?: string
  reason?: string
  severity?: string
  /** index of the deciding rule in `policy.rules`; -1 when none decided */
  ruleIndex: number
  /** what the model may see: the original, the redacted copy, or undefined on deny */
  result: unknown
  /** labels from the matching result rules (the tool's own `adds:` are in `policy.adds`) */
  adds: string[]
  /** detectors named by a matching rule's `redact:`; the guard applies them to `result` */
  redactWith?: ('secrets' | 'pii')[]
}

export interface RuleInfo {
  id: string
  index: number
  action: Action
  warn: boolean
  tools: readonly string[] | '*'
  message: string
  description?: string
  severity?: string
  tags: readonly string[]
  metadata: Readonly<Record<string, unknown>>
  hasLimit: boolean
  /** `result` for a result rule (absent for call rules) */
  on?: 'result'
}

export interface PolicyInfo {
  name: string
  /** SHA-256 (hex) of the policy's canonical form */
  digest: string
  default: Action
  unknownTools: Action
  failMode: 'closed' | 'open'
  /** how long a review's approval id stays valid, in ms (`approval_ttl`; absent in modules built before it: 15 minutes) */
  approvalTtlMs?: number
  rules: readonly RuleInfo[]
  /** governed tool names */
  tools: readonly string[]
  /** per tool: argument paths to redact in records */
  redact: Readonly<Record<string, readonly string[]>>
  /** per tool: the session labels a call adds once it was allowed and its handler returned (absent in older modules) */
  adds?: Readonly<Record<string, readonly string[]>>
  /** declared params: type and default */
  params: Readonly<Record<string, { type: string; default: unknown }>>
}

/** The shape of an emitted module (`import * as compiled from './x.policy.yaml'`). */
export interface CompiledPolicy {
  policy: PolicyInfo
  evaluate(tool: string, args: unknown, context?: unknown, options?: EvaluateOptions): Evaluation
  /** the result rules on a handler's return value (absent in modules compiled before result rules) */
  evaluateResult?(tool: string, args: unknown, result: unknown, context?: unknown, options?: EvaluateOptions): ResultEvaluation
  /** the context counters that apply to a call (absent in modules without them) */
  counters?(tool: string, args: unknown, context?: unknown, options?: EvaluateOptions): PendingCount[] | null
  /** SPEC 4.2: the governed tools some call could be allowed or reviewed for under `context` (absent in older modules) */
  visibleTools?(context?: unknown, options?: EvaluateOptions): string[]
  /**
   * The arguments as rules see them after `normalize:`, which approvals are bound to; unchanged when
   * nothing applies (absent in older modules: the arguments). `{ words: false }` leaves `shell`
   * arguments as (normalised) text, the form records keep.
   */
  canonicalArgs?(tool: string, args: unknown, options?: { words?: boolean }): unknown
}

/**
 * Where limit counters live (memory by default, Redis for fleets). One call to `hit` is atomic:
 * for each limit it counts the allowed calls already recorded for (policy, rule, key) inside the
 * window ending at `now`, reports whether allowing one more would exceed `max`, and — only when
 * `consume` is true and no blocking limit (not `warn`, action not allow) is exceeded — records this
 * call against every limit. A store that cannot answer (Redis down, timeout) rejects/throws; the
 * guard turns that into the fail-mode decision with a reason.
 */
export interface LimitStore {
  hit(policy: string, limits: readonly PendingLimit[], now: number, consume: boolean): Promise<boolean[]> | boolean[]
  /**
   * For each counter (a `PendingLimit` with `counter: true`): how many calls it recorded inside the
   * window ending at `now`. Needed only by policies with context counters.
   */
  count?(policy: string, counters: readonly PendingLimit[], now: number): Promise<number[]> | number[]
  /** Release connections/timers. */
  close?(): Promise<void> | void
}
