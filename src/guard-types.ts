/** The guard's public types: its options, per-call options, decisions and the `Guard` itself (`guard.ts` builds it). */
import type { ApprovalChannel, ApprovalHandler, ApprovalQueue, PendingStore } from './approvals/index.js'
import type { DecisionRecord, RecordSink, SigningKey } from './records/index.js'
import type { ResultDecision } from './results/step.js'
import type { SessionStore } from './sessions/store.js'
import type { CompiledPolicy, Decision, LimitStore } from './types.js'

export type { ResultDecision } from './results/step.js'

/** The fields a record gains beyond the decision. */
export type RecordExtra = Pick<DecisionRecord, 'session' | 'labels' | 'on' | 'result' | 'adds' | 'shadow'>

export interface GuardDecision extends Decision {
  /** set when the policy asked for review */
  approvalId?: string
  /** who or what resolved a review: the handler's `by`, `timeout`, or `handler` */
  resolvedBy?: string
  /** how the review was answered: `code`, `page`, `webhook`, `elicitation`, `timeout` */
  channel?: string
  /** when the review was answered (ISO 8601) */
  resolvedAt?: string
  /** the arguments an approver edited: the call runs with these (they passed the policy again) */
  editedArgs?: unknown
}

/** Per-call options of `guard(tool, args, context, call)`. */
export interface CallOptions {
  /**
   * The session the call belongs to (the app's id for a conversation, never the model's):
   * `session.labels` are this session's, and an approval is bound to it. @default none (no labels)
   */
  session?: string
  /**
   * The approval id of an answered review of this very call, handed back earlier: an approved,
   * unexpired, unused id for the same tool, arguments, session and policy allows the call once.
   */
  approval?: string
  /** Answers a review of this call, instead of the guard's `approvals` (e.g. MCP elicitation). */
  approve?: ApprovalHandler
}

export interface GuardOptions {
  /** The clock for limits, `outside_hours` and records (epoch ms). @default Date.now */
  clock?: () => number
  /** Where decision records go: a sink, or a JSON Lines file path. @default no record */
  sink?: RecordSink | string
  /**
   * When `sink` is a file path: the Ed25519 private key that signs the log's checkpoints
   * (`createFileSink(path, { signingKey })`; for a sink object, pass the key to the sink).
   * @default none (hash-chained, unsigned)
   */
  signingKey?: SigningKey
  /**
   * Who resolves `review` decisions: a callback or an `ApprovalQueue`. Without one, a review is
   * returned to the caller as is (with an `approvalId`) for it to hand on.
   * @default none
   */
  approvals?: ApprovalHandler | ApprovalQueue
  /**
   * Where pending reviews live, bound to their call. Share one (e.g. `createRedisPendingStore`)
   * across a fleet so any worker, page or webhook can answer. @default an in-memory store
   */
  pending?: PendingStore
  /** Who else is told of each pending review (the approval page, a webhook). @default none */
  approvalChannels?: readonly ApprovalChannel[]
  /**
   * Wait for an answer in the pending store even without an `approvals` handler (it comes from the
   * page, a webhook or another worker). @default true when `approvalChannels` are given
   */
  waitForApproval?: boolean
  /** How often a waiting review looks for its answer in a store that cannot tell (Redis). @default 200 */
  approvalPollMs?: number
  /** How long a review may wait for its handler. @default 300000 (5 minutes) */
  approvalTimeoutMs?: number
  /** The decision when a review times out. @default 'deny' */
  onApprovalTimeout?: 'allow' | 'deny'
  /** Where limit counters live. @default an in-memory store */
  store?: LimitStore
  /** Bound on one limit-store round trip; past it the fail mode decides. @default 1000 */
  storeTimeoutMs?: number
  /** Overrides of the policy's declared `params`, checked against their types here. @default {} */
  params?: Record<string, unknown>
  /** Adds context per call (e.g. the user id); merged over the caller's context. @default none */
  context?: (tool: string, args: unknown) => Record<string, unknown> | Promise<Record<string, unknown>>
  /**
   * `'full'`: records keep the arguments, context and edited arguments unredacted (and say
   * `capture: "full"`), so `vetoc replay` re-decides exactly what ran. Only for logs kept somewhere
   * as safe as the secrets they will then hold. @default 'redacted'
   */
  capture?: 'redacted' | 'full'
  /**
   * Shadow mode: a candidate compiled policy evaluated on every call that never decides; each
   * disagreement with the live policy is written into the call's record as `shadow`
   * (`vetoc log disagreements`). @default none
   */
  shadow?: CompiledPolicy
  /** Where the shadow candidate's limit counters live. @default an in-memory store */
  shadowStore?: LimitStore
  /** Extra argument paths to redact in records, per tool (`'*'` for every tool). @default {} */
  redact?: Record<string, readonly string[]>
  /** Called with internal errors that did not change a decision (e.g. a sink that threw). @default console.error */
  onError?: (error: Error) => void
  /** Where session labels live. @default an in-memory store (createMemorySessionStore) */
  sessions?: SessionStore
}

/** A session handle: calls and results that share one session id. */
export interface GuardSession {
  readonly id: string
  call(tool: string, args: unknown, context?: unknown): Promise<GuardDecision>
  result(tool: string, args: unknown, result: unknown, context?: unknown): Promise<ResultDecision>
  /** the session's labels now; `[]` when the store cannot answer */
  labels(): Promise<string[]>
}

export interface Guard {
  (tool: string, args: unknown, context?: unknown, call?: CallOptions): Promise<GuardDecision>
  readonly policy: CompiledPolicy['policy']
  /** The pending reviews of this guard (answer them with `pending.answer`). */
  readonly pending: PendingStore
  /**
   * The result rules on an allowed call's output, after its handler returned: what the model may
   * see, and the labels the session gains (the tool's `adds:` and the matching rules' `adds:`).
   * Recorded; never throws or rejects.
   */
  result(tool: string, args: unknown, result: unknown, context?: unknown, options?: CallOptions): Promise<ResultDecision>
  /** A handle whose calls and results share the session `id`. */
  session(id: string): GuardSession
  /**
   * Records and returns a denial decided before evaluation (e.g. arguments that are not valid JSON),
   * so every call a model proposed leaves a record.
   */
  reject(tool: string, args: unknown, reason: string, context?: unknown): GuardDecision
  /**
   * SPEC 4.2: the governed tools some call could be allowed or reviewed for under `context`
   * (decided statically by the compiled `visibleTools`, with this guard's params). Never throws: if
   * the module cannot answer, fail mode closed lists none and open lists every governed tool.
   */
  visibleTools(context?: unknown): string[]
  /** Writes out buffered records. */
  flush(): Promise<void>
  /** Flushes records and releases the store. */
  close(): Promise<void>
}
