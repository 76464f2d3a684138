/**
 * `vetoc replay <log.jsonl> --policy <candidate.yaml>`: re-decides every recorded call of the
 * candidate's policy (records whose `policy` is its name) with the candidate, on a fresh limit store
 * and the recorded clock, in log order, and reports which decisions would change.
 *
 * What is compared is what the policy asked: a recorded call with an `approvalId` was a review
 * (whatever its answer), and a candidate review is a review. A candidate review is answered as the
 * recorded call ended (allowed or not), so limits spend as they did.
 */
import { createGuard, type GuardDecision } from '../guard.js'
import { createMemoryStore } from '../limits/memory.js'
import type { DecisionRecord } from '../records/index.js'
import type { CompiledPolicy, Decision } from '../types.js'

export interface Change {
  tool: string
  from: string
  to: string
  /** the candidate's deciding rule, when one decided */
  rule?: string
  count: number
  /** up to three `{ line, args }` of the calls that changed */
  examples: { line: number; args: unknown }[]
}

export interface ReplayReport {
  /** records of this policy that were re-decided */
  total: number
  changed: number
  changes: Change[]
  /** lines that were not records of this policy, or not JSON */
  skipped: number
}

export async function replayLog(text: string, candidate: CompiledPolicy, options: { policyName?: string } = {}): Promise<ReplayReport> {
  const name = options.policyName ?? candidate.policy.name
  let t = 0
  const store = createMemoryStore()
  const guard = createGuard(candidate, { clock: () => t, store, onError: () => {} })
  const report: ReplayReport = { total: 0, changed: 0, changes: [], skipped: 0 }
  const byKey = new Map<string, Change>()
  const lines = text.split('\n')
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue
    let r: DecisionRecord
    try {
      r = JSON.parse(line) as DecisionRecord
    } catch {
      report.skipped++
      continue
    }
    if (r === null || typeof r !== 'object' || r.policy !== name || typeof r.tool !== 'string') {
      report.skipped++
      continue
    }
    const time = Date.parse(r.time)
    if (!Number.isNaN(time)) t = time
    const from = r.approvalId !== undefined ? 'review' : r.decision
    let asked: Decision | undefined
    const session: unknown = (r as { session?: unknown }).session
    const d: GuardDecision = await guard(r.tool, r.args, r.context, {
      ...(typeof session === 'string' ? { session } : {}),
      approve: request => {
        asked = request.decision
        return { approved: r.decision === 'allow', by: 'vetoc replay' }
      },
    })
    const now = asked ?? d
    report.total++
    if (now.decision === from) continue
    report.changed++
    const key = JSON.stringify([r.tool, from, now.decision, now.rule ?? null])
    let c = byKey.get(key)
    if (!c) {
      c = { tool: r.tool, from, to: now.decision, ...(now.rule !== undefined ? { rule: now.rule } : {}), count: 0, examples: [] }
      byKey.set(key, c)
      report.changes.push(c)
    }
    c.count++
    if (c.examples.length < 3) c.examples.push({ line: i + 1, args: r.args })
  }
  report.changes.sort((a, b) => b.count - a.count)
  return report
}

export function formatReplay(report: ReplayReport, file: string): string {
  const out = [`${report.changed} of ${report.total} decisions would change`]
  for (const c of report.changes) {
    out.push(`${c.tool} ${c.from} -> ${c.to} [${c.rule ?? 'no rule'}] ${c.count}`)
    for (const e of c.examples) out.push(`    e.g. ${file}:${e.line} ${clip(JSON.stringify(e.args) ?? 'undefined', 100)}`)
  }
  return `${out.join('\n')}\n`
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`
}
