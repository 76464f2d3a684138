/**
 * `createGuard(compiled, options)`: the compiled `evaluate` plus what needs state or I/O — limit
 * counters, approvals, context hooks and the decision record. `guard(tool, args, context?)` never
 * throws or rejects: every failure ends in the policy's fail-mode decision with a reason.
 */
import { ApprovalQueue, createMemoryPendingStore } from './approvals/index.js'
import { createReviewStep } from './approvals/review-step.js'
import { applyLimits, checkedCounts, checkedVerdicts, counterLimit } from './limits/apply.js'
import { createMemoryStore } from './limits/memory.js'
import { LimitKeysFullError } from './limits/keys.js'
import { createFileSink, redact, redactText } from './records/index.js'
import { recordEntry, type RecordInput } from './records/entry.js'
import type { CallOptions, Guard, GuardDecision, GuardOptions, GuardSession, RecordExtra } from './guard-types.js'
import { createResultStep } from './results/step.js'
import { createMemorySessionStore } from './sessions/memory.js'
import { invalidSessionId } from './sessions/store.js'
import { createShadow, type ShadowDisagreement } from './shadow.js'
import { ownEntry, privateSnapshot, snapshot, type Snapshot } from './snapshot.js'
import type { Action, CompiledPolicy, EvaluateOptions, PendingCount, PendingLimit } from './types.js'
import { errorMessage } from './error-message.js'

export type { CallOptions, Guard, GuardDecision, GuardOptions, GuardSession, RecordExtra, ResultDecision } from './guard-types.js'

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'string': return typeof v === 'string'
    case 'number': return typeof v === 'number' && Number.isFinite(v)
    case 'boolean': return typeof v === 'boolean'
    case 'string[]': return Array.isArray(v) && v.every(x => typeof x === 'string')
    case 'number[]': return Array.isArray(v) && v.every(x => typeof x === 'number')
    default: return true
  }
}

function withTimeout<T>(answer: Promise<T> | T, ms: number, what: string): Promise<T> {
  // a value given at once needs no timer; a promise, or any object that may be another library's
  // thenable (one that never calls back must time out as well), gets one
  if (answer === null || (typeof answer !== 'object' && typeof answer !== 'function') || Array.isArray(answer)) return Promise.resolve(answer)
  // a thenable is adopted (a `then` that throws, or a getter of it that throws, rejects)
  const p = answer instanceof Promise ? answer : Promise.resolve(answer)
  // one promise and one timer per call (a race and a `finally` made three more promises)
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    // the timer is set after `then` returns: a store promise whose `then` throws rejects at once and
    // leaves no timer behind (the callbacks run later, never before the timer exists)
    p.then(
      v => {
        clearTimeout(timer)
        resolve(v)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e)
      },
    )
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
  })
}

/** A decided call: the decision, the context it was decided in, and the shadow policy's disagreement. */
interface Decided {
  d: GuardDecision
  context: unknown
  shadow?: ShadowDisagreement
}

const NO_CALL_OPTIONS: CallOptions = Object.freeze({})
const NO_LABELS: readonly string[] = Object.freeze([])

/** What a record holds for arguments that could not be copied (the decision's reason says why). */
const UNREADABLE = '[UNREADABLE]'

const NO_SESSION: { id?: string; invalid?: string } = Object.freeze({})

/** The session a call names: its id, or why the id is not one. */
function sessionOf(callOptions: CallOptions | undefined): { id?: string; invalid?: string } {
  let id: unknown
  try {
    id = callOptions?.session
  } catch (e) {
    return { invalid: `invalid session id: ${errorMessage(e)}` }
  }
  if (id === undefined) return NO_SESSION
  const invalid = invalidSessionId(id)
  return invalid === undefined ? { id: id as string } : { invalid }
}

export function createGuard(compiled: CompiledPolicy, options: GuardOptions = {}): Guard {
  const info = compiled.policy
  if (!info || typeof compiled.evaluate !== 'function') throw new TypeError('createGuard needs a compiled policy module (with `policy` and `evaluate`)')
  const params: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(options.params ?? {})) {
    const decl = ownEntry(info.params, k)
    if (!decl) throw new TypeError(`unknown param \`${k}\` for policy \`${info.name}\`; declared: ${Object.keys(info.params).join(', ') || 'none'}`)
    if (!typeOk(decl.type, v)) throw new TypeError(`param \`${k}\` of policy \`${info.name}\` must be a ${decl.type}`)
    params[k] = v
  }
  const clock = options.clock ?? Date.now
  const store = options.store ?? createMemoryStore()
  const storeTimeoutMs = options.storeTimeoutMs ?? 1000
  if (options.signingKey !== undefined && typeof options.sink !== 'string') throw new TypeError('signingKey goes with a file path `sink`; give a sink object its key yourself (createFileSink(path, { signingKey }))')
  const sink = typeof options.sink === 'string' ? createFileSink(options.sink, options.signingKey === undefined ? {} : { signingKey: options.signingKey }) : options.sink
  const reportError = options.onError ?? ((e: Error) => console.error(`vetoc: ${e.message}`))
  // the app's own error hook must not turn a decided call into a rejection either
  const onError = (e: Error): void => {
    try {
      reportError(e)
    } catch {
      /* nothing left to tell */
    }
  }
  const approvals = options.approvals instanceof ApprovalQueue ? options.approvals.handler : options.approvals
  const pendingStore = options.pending ?? createMemoryPendingStore()
  const channels = options.approvalChannels ?? []
  const waitForApproval = options.waitForApproval ?? channels.length > 0
  const approvalTtlMs = info.approvalTtlMs ?? 15 * 60_000
  const approvalTimeoutMs = options.approvalTimeoutMs ?? 300_000
  const onTimeout = options.onApprovalTimeout ?? 'deny'
  const failAction: Action = info.failMode === 'open' ? 'allow' : 'deny'
  const sessions = options.sessions ?? createMemorySessionStore()
  /** The guard's clock; a clock that throws, or gives anything but a finite number, falls back to the system's. */
  const now = (): number => {
    try {
      const t: unknown = clock()
      return typeof t === 'number' && Number.isFinite(t) ? t : Date.now()
    } catch {
      return Date.now()
    }
  }
  /** One limit-store round trip, bounded by `storeTimeoutMs`. */
  const storeCall = <T>(p: Promise<T> | T): Promise<T> => withTimeout(p, storeTimeoutMs, 'the limit store')
  /** The decision when the limit store cannot answer, or cannot take one more key: the fail mode, saying why. */
  const storeDown = (e: unknown): GuardDecision => ({
    decision: failAction,
    reason: e instanceof LimitKeysFullError ? `limit key bound reached (fail mode ${info.failMode}): ${e.message}` : `limit store unavailable (fail mode ${info.failMode}): ${errorMessage(e)}`,
  })

  /** What the record shows of the arguments: the canonical value rules read (`normalize:`), `shell` arguments as text. */
  const recordedArgs = (tool: string, args: unknown): unknown => {
    try {
      return compiled.canonicalArgs ? compiled.canonicalArgs(tool, args, { words: false }) : args
    } catch {
      return args
    }
  }

  /** Every decision leaves a record, whatever the tool is called (`__proto__` too) and whatever its arguments are. */
  // per governed tool, built once (any other name, the model's choice, is built per call, not kept)
  const pathsOf = (tool: string): string[] => [...(ownEntry(info.redact, tool) ?? []), ...(ownEntry(options.redact, tool) ?? []), ...(ownEntry(options.redact, '*') ?? [])]
  const governedPaths = new Map(info.tools.map(t => [t, pathsOf(t)]))
  // read only: `redact` never changes the list it is given, so the kept lists are handed out as they are
  const redactPaths = (tool: string): readonly string[] => (typeof tool === 'string' ? governedPaths.get(tool) : undefined) ?? pathsOf(tool)
  const full = options.capture === 'full'
  const shadow = options.shadow ? createShadow(options.shadow, options.shadowStore) : undefined
  // built once, not per record: closures made per call cost an allocation each
  const hide = (v: unknown, p?: readonly string[]): unknown => (full ? v : redact(v, p))
  /** `copied`: `args` is the guard's own copy of this call's arguments (privateSnapshot), not the caller's value. */
  const record = (tool: string, args: unknown, context: unknown, d: GuardDecision, at: number, extra: RecordExtra = {}, copied = false): void => {
    if (!sink) return
    try {
      const paths = redactPaths(tool)
      const copy: Snapshot = copied ? { ok: true, value: args } : snapshot(args)
      const input: RecordInput = {
        at, policy: info.name, digest: info.digest, tool: typeof tool === 'string' ? tool : errorMessage(tool), d,
        args: copy.ok ? hide(recordedArgs(tool, copy.value), paths) : UNREADABLE, full, extra,
      }
      if (context !== undefined) input.context = hide(context)
      if (d.editedArgs !== undefined) input.editedArgs = hide(d.editedArgs, paths)
      sink.write(recordEntry(input))
    } catch (e) {
      onError(new Error(`decision record not written: ${errorMessage(e)}`))
    }
  }

  /** The caller's context with the `context` hook's fields merged over it. */
  const contextOf = async (tool: string, args: unknown, context: unknown): Promise<unknown> => {
    if (!options.context) return context
    const extra = await options.context(tool, args)
    return { ...(context !== null && typeof context === 'object' ? context : {}), ...extra }
  }
  /** The session's labels, read from the store (bounded like a limit-store call). */
  const labelsOf = async (session: string): Promise<string[]> => [...(await storeCall(sessions.labels(session)))]
  const review = createReviewStep({
    compiled, failAction, pendingStore, channels, waitForApproval, approvalTtlMs, approvalTimeoutMs, onTimeout,
    pollMs: options.approvalPollMs ?? 200, now, onError, redactPaths, store, storeCall, storeDown,
    ...(approvals ? { handler: approvals } : {}),
  })

  /** The candidate's verdict on a call the live policy decided `live` (before any review was answered). */
  const judgeShadow = async (tool: string, args: unknown, ctx: unknown, at: number, live: GuardDecision, evalOptions: EvaluateOptions): Promise<ShadowDisagreement | undefined> => {
    if (!shadow) return undefined
    try {
      const disagreement = await storeCall(shadow.judge(tool, args, ctx, evalOptions, at, live))
      // the candidate's reason is policy text but may quote arguments: redacted like any record text
      return disagreement?.candidate.reason !== undefined ? { ...disagreement, candidate: { ...disagreement.candidate, reason: redactText(disagreement.candidate.reason) } } : disagreement
    } catch (e) {
      onError(new Error(`shadow policy not evaluated: ${errorMessage(e)}`))
      return undefined
    }
  }

  /**
   * Decides a call. Without a context hook, context counters, a shadow policy or a review, and with a
   * store that answers at once (the memory store), it returns without a single await: each one is a
   * trip through the microtask queue, and together they were a fifth of what the guard adds to
   * `evaluate` (bench/guard-path.ts).
   */
  const decide = (tool: string, args: unknown, context: unknown, at: number, call: CallOptions, session: string | undefined, labels: readonly string[]): Decided | Promise<Decided> => {
    if (options.context) return contextOf(tool, args, context).then(ctx => decideIn(tool, args, ctx, at, call, session, labels))
    return decideIn(tool, args, context, at, call, session, labels)
  }

  const decideIn = (tool: string, args: unknown, ctx: unknown, at: number, call: CallOptions, session: string | undefined, labels: readonly string[]): Decided | Promise<Decided> => {
    const evalOptions: EvaluateOptions = { params, now: at }
    if (session !== undefined) evalOptions.session = { id: session, labels }
    // context counters (`count:` fields): read before evaluation, counted with the limits after it
    const specs = compiled.counters?.(tool, args, ctx, evalOptions) ?? null
    if (specs !== null && specs.length > 0) return withCounters(tool, args, ctx, at, call, evalOptions, specs)
    return judge(tool, args, ctx, at, call, evalOptions, [])
  }

  /** The context with each counter's current count filled in, then the call judged in it. */
  const withCounters = async (tool: string, args: unknown, ctx: unknown, at: number, call: CallOptions, evalOptions: EvaluateOptions, specs: readonly PendingCount[]): Promise<Decided> => {
    const counts = specs.map(counterLimit)
    let n: number[]
    try {
      if (!store.count) throw new Error('the store cannot read counters (it has no `count`)')
      n = checkedCounts(await storeCall(store.count(info.name, counts, at)), counts.length)
    } catch (e) {
      return { d: storeDown(e), context: ctx }
    }
    const filled: Record<string, unknown> = { ...(ctx !== null && typeof ctx === 'object' ? ctx : {}) }
    specs.forEach((c, i) => { filled[c.name] = n[i] })
    return judge(tool, args, filled, at, call, evalOptions, counts)
  }

  /** Evaluates, counts the limits (and counters) in the store, and merges its verdicts into the decision. */
  const judge = (tool: string, args: unknown, ctx: unknown, at: number, call: CallOptions, evalOptions: EvaluateOptions, counts: readonly PendingLimit[]): Decided | Promise<Decided> => {
    const ev = compiled.evaluate(tool, args, ctx, evalOptions)
    const limits = ev.limits ?? []
    // what the call spends: its limits and its counters, counted now and again if a review is approved
    const spend = counts.length === 0 ? limits : [...limits, ...counts]
    if (limits.length > 0 || (counts.length > 0 && ev.decision === 'allow')) {
      let hit: Promise<boolean[]> | boolean[]
      try {
        hit = store.hit(info.name, spend, at, ev.decision === 'allow')
        // an array is an answer given at once (the memory store) and is not awaited; anything else (a
        // promise, another library's thenable, a wrong answer) goes through one await and the check
        if (Array.isArray(hit)) hit = checkedVerdicts(hit, spend.length)
      } catch (e) {
        return { d: storeDown(e), context: ctx }
      }
      if (Array.isArray(hit)) return settle(tool, args, ctx, at, call, evalOptions, spend, applyLimits(ev, hit))
      // only the store's own failure (or a wrong answer) is the fail mode; a throw in what follows is the guard's error
      return storeCall(hit).then(
        answer => {
          let exceeded: boolean[]
          try {
            exceeded = checkedVerdicts(answer, spend.length)
          } catch (e) {
            return { d: storeDown(e), context: ctx }
          }
          return settle(tool, args, ctx, at, call, evalOptions, spend, applyLimits(ev, exceeded))
        },
        (e: unknown) => ({ d: storeDown(e), context: ctx }),
      )
    }
    const d: GuardDecision = { decision: ev.decision }
    if (ev.rule !== undefined) d.rule = ev.rule
    if (ev.reason !== undefined) d.reason = ev.reason
    if (ev.severity !== undefined) d.severity = ev.severity
    if (ev.warnings !== undefined) d.warnings = ev.warnings
    return settle(tool, args, ctx, at, call, evalOptions, spend, d)
  }

  /** The shadow policy's verdict and a review's answer, when there are any: the only steps left that wait. */
  const settle = (tool: string, args: unknown, ctx: unknown, at: number, call: CallOptions, evalOptions: EvaluateOptions, spend: readonly PendingLimit[], d: GuardDecision): Decided | Promise<Decided> => {
    if (!shadow && d.decision !== 'review') return { d, context: ctx }
    return (async (): Promise<Decided> => {
      const disagreement = shadow ? await judgeShadow(tool, args, ctx, at, d, evalOptions) : undefined
      const out: Decided = { d: d.decision === 'review' ? await review(tool, args, ctx, d, spend, at, call, evalOptions) : d, context: ctx }
      if (disagreement !== undefined) out.shadow = disagreement
      return out
    })()
  }

  const guard = (async (tool: string, raw: unknown, context?: unknown, call?: CallOptions): Promise<GuardDecision> => {
    const at = now()
    const session = sessionOf(call)
    // one snapshot: evaluation, counters, the context hook, the approval request and the record all
    // read the same frozen copy (an adapter's own snapshot is passed through as is)
    const copy = privateSnapshot(raw)
    // no faithful value to evaluate or run: denied whatever the fail mode, like unparseable JSON
    const unusable = typeof tool !== 'string' ? 'the tool name is not a string' : !copy.ok ? redactText(copy.reason) : undefined
    if (unusable !== undefined || !copy.ok) {
      const d: GuardDecision = { decision: 'deny', reason: unusable ?? 'unreadable arguments' }
      record(tool, copy.ok ? copy.value : UNREADABLE, context, d, at, session.id !== undefined ? { session: session.id } : {}, true)
      return d
    }
    const args = copy.value
    let out: Decided
    let labels: string[] | undefined
    try {
      if (session.invalid !== undefined) out = { d: { decision: failAction, reason: `${session.invalid} (fail mode ${info.failMode})` }, context }
      else {
        if (session.id !== undefined) {
          try {
            labels = await labelsOf(session.id)
          } catch (e) {
            out = { d: { decision: failAction, reason: `session store unavailable (fail mode ${info.failMode}): ${errorMessage(e)}` }, context }
            record(tool, args, context, out.d, at, { session: session.id }, true)
            return out.d
          }
        }
        const decided = decide(tool, args, context, at, call ?? NO_CALL_OPTIONS, session.id, labels ?? NO_LABELS)
        out = decided instanceof Promise ? await decided : decided
      }
    } catch (e) {
      out = { d: { decision: failAction, reason: `guard error (fail mode ${info.failMode}): ${errorMessage(e)}` }, context }
    }
    if (sink) {
      // member by member, and only when there is a record to write (spread literals cost microseconds on Node 20)
      const extra: RecordExtra = {}
      if (session.id !== undefined) {
        extra.session = session.id
        if (labels !== undefined) extra.labels = labels
      }
      if (out.shadow !== undefined) extra.shadow = out.shadow
      record(tool, args, out.context, out.d, at, extra, true)
    }
    return out.d
  }) as Guard
  guard.result = createResultStep({
    compiled,
    failAction,
    sessions,
    params,
    now,
    storeCall,
    contextOf,
    sessionOf,
    record,
  })
  guard.session = (id: string): GuardSession => ({
    id,
    call: (tool, args, context) => guard(tool, args, context, { session: id }),
    result: (tool, args, result, context) => guard.result(tool, args, result, context, { session: id }),
    labels: async () => {
      try {
        return invalidSessionId(id) === undefined ? await labelsOf(id) : []
      } catch {
        return []
      }
    },
  })
  Object.defineProperty(guard, 'policy', { value: info, enumerable: true })
  Object.defineProperty(guard, 'pending', { value: pendingStore, enumerable: true })
  guard.reject = (tool, args, reason, context) => {
    const d: GuardDecision = { decision: 'deny', reason }
    record(tool, args, context, d, now())
    return d
  }
  guard.visibleTools = (context?: unknown): string[] => {
    try {
      if (typeof compiled.visibleTools !== 'function') return [...info.tools]
      const listed = compiled.visibleTools(context, { params })
      return Array.isArray(listed) ? listed.filter(t => typeof t === 'string') : []
    } catch (e) {
      onError(new Error(`visibleTools failed (fail mode ${info.failMode}): ${errorMessage(e)}`))
      return failAction === 'allow' ? [...info.tools] : []
    }
  }
  guard.flush = async () => {
    try {
      await sink?.flush()
    } catch (e) {
      onError(new Error(`decision log flush failed: ${errorMessage(e)}`))
    }
  }
  guard.close = async () => {
    await guard.flush()
    try {
      await sink?.close?.()
      await store.close?.()
      await sessions.close?.()
      await shadow?.close()
    } catch (e) {
      onError(new Error(`close failed: ${errorMessage(e)}`))
    }
  }
  return guard
}
