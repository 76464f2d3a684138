/**
 * The record of one decision, as the guard hands it to its sink (which seals it: seq, prev, hash).
 * Built member by member: on Node 20, object literals of conditional spreads and spreads followed by
 * more members cost microseconds per record (bench/guard-path.ts), more than the hash.
 */
import type { DecisionRecord, UnsignedRecord } from './chain.js'
import { isoTime } from './iso-time.js'

/** What a record says about the decision (a `GuardDecision` has these, and more). */
export interface RecordedDecision {
  decision: DecisionRecord['decision']
  rule?: string
  reason?: string
  severity?: string
  warnings?: string[]
  approvalId?: string
  resolvedBy?: string
  channel?: string
  resolvedAt?: string
}

export interface RecordInput {
  at: number
  policy: string
  digest: string
  tool: string
  d: RecordedDecision
  /** the arguments as recorded (redacted unless `full`), or the unreadable marker */
  args: unknown
  /** the context as recorded; absent when the call had none */
  context?: unknown
  /** the edited arguments as recorded, when an approver edited them */
  editedArgs?: unknown
  full: boolean
  extra: Pick<DecisionRecord, 'session' | 'labels' | 'on' | 'result' | 'adds' | 'shadow'>
}

export function recordEntry(i: RecordInput): UnsignedRecord {
  const d = i.d
  const r = { time: isoTime(i.at), policy: i.policy, digest: i.digest, tool: i.tool, decision: d.decision } as UnsignedRecord
  if (d.rule !== undefined) r.rule = d.rule
  if (d.reason !== undefined) r.reason = d.reason
  if (d.severity !== undefined) r.severity = d.severity
  if (d.warnings !== undefined) r.warnings = d.warnings
  r.args = i.args
  if (i.context !== undefined) r.context = i.context
  if (i.full) r.capture = 'full'
  if (d.approvalId !== undefined) r.approvalId = d.approvalId
  if (d.resolvedBy !== undefined) r.resolvedBy = d.resolvedBy
  if (d.channel !== undefined) r.channel = d.channel
  if (d.resolvedAt !== undefined) r.resolvedAt = d.resolvedAt
  if (i.editedArgs !== undefined) r.editedArgs = i.editedArgs
  const x = i.extra
  // the extra members in their own order, as a spread would copy them (only the ones present)
  for (const k of Object.keys(x) as (keyof typeof x)[]) (r as Record<string, unknown>)[k] = x[k]
  return r
}
