/** What needs the guard's state or clock: `limit`, context counters and `outside_hours`. */
import type { Counter, Expr, Limit, OutsideHours } from '../ir.js'
import type { YEntry, YNode } from '../parse/index.js'
import { COUNTER_KEYS, HOURS_KEYS, LIMIT_KEYS, Lowerer, PER_UNITS, toolList } from './lowerer.js'

/** `per: 1h`: a window length in milliseconds, or undefined (with a diagnostic). */
export function duration(lw: Lowerer, node: YNode): number | undefined {
  const pm = node.kind === 'scalar' && typeof node.value === 'string' ? /^(\d+)\s*([smhd])$/.exec(node.value) : null
  if (!pm || Number(pm[1]) === 0) {
    lw.error('invalid-value', 'a duration must be written such as `30s`, `10m`, `1h` or `1d`', node.span)
    return undefined
  }
  return Number(pm[1]) * PER_UNITS[pm[2]!]!
}

/** `key: args.to`: the key expression of a limit or counter; undefined on error, null when absent. */
function keyExpression(lw: Lowerer, m: Map<string, YEntry>): Expr | null | undefined {
  const kE = m.get('key')
  if (!kE) return null
  const kv = kE.value
  if (kv.kind !== 'scalar' || typeof kv.value !== 'string') {
    lw.error('invalid-type', '`key` must be an expression string such as `args.to`', kv.span)
    return undefined
  }
  return lw.expression(kv, kv.value) ?? undefined
}

export function lowerCounter(lw: Lowerer, node: YNode): Counter | null {
  const m = lw.entries(node, COUNTER_KEYS, '`count`')
  if (m === null) return null
  const perE = m.get('per')
  if (!perE) {
    lw.error('missing-key', '`count` needs `per` (e.g. `1h`)', node.span)
    return null
  }
  const perMs = duration(lw, perE.value)
  const tools = toolList(lw, m, '`count`')
  const key = keyExpression(lw, m)
  if (perMs === undefined || key === undefined) return null
  return { perMs, tools, key, span: node.span }
}

export function lowerLimit(lw: Lowerer, node: YNode): Limit | null {
  const m = lw.entries(node, LIMIT_KEYS, '`limit`')
  if (m === null) return null
  const maxE = m.get('max')
  const perE = m.get('per')
  if (!maxE) lw.error('missing-key', '`limit` needs `max`', node.span)
  if (!perE) lw.error('missing-key', '`limit` needs `per` (e.g. `1h`)', node.span)
  if (!maxE || !perE) return null
  const mv = maxE.value
  if (mv.kind !== 'scalar' || typeof mv.value !== 'number' || !Number.isInteger(mv.value) || mv.value < 0) {
    lw.error('invalid-type', '`max` must be a whole number of calls', mv.span)
    return null
  }
  const perMs = duration(lw, perE.value)
  const key = keyExpression(lw, m)
  if (perMs === undefined || key === undefined) return null
  return { max: mv.value, perMs, key, span: node.span }
}

export function lowerHours(lw: Lowerer, node: YNode): OutsideHours | null {
  const m = lw.entries(node, HOURS_KEYS, '`outside_hours`')
  if (m === null) return null
  const fromE = m.get('from')
  const toE = m.get('to')
  const tzE = m.get('tz')
  if (!fromE || !toE || !tzE) {
    lw.error('missing-key', '`outside_hours` needs `from`, `to` and `tz`', node.span, 'e.g. `{ from: "09:00", to: "20:00", tz: "America/New_York" }`')
    return null
  }
  const from = clock(lw, fromE.value)
  const to = clock(lw, toE.value)
  const tz = lw.string(tzE.value, '`tz`')
  if (from === undefined || to === undefined || tz === undefined) return null
  if (!validTimeZone(tz)) {
    lw.error('invalid-value', `unknown time zone \`${tz}\``, tzE.value.span, 'use an IANA zone name such as `America/New_York` or `Europe/Berlin`')
    return null
  }
  if (from === to) lw.warn('never-matches', '`outside_hours` with `from` equal to `to` covers the whole day', node.span)
  return { from, to, tz, span: node.span }
}

function clock(lw: Lowerer, node: YNode): number | undefined {
  // A YAML number's text never holds a `:`, so only a string can be a time of day (YAML 1.2 has no sexagesimal `9:00`).
  const text = node.kind === 'scalar' && typeof node.value === 'string' ? node.value : ''
  const m = /^([01]?\d|2[0-4]):([0-5]\d)$/.exec(text)
  if (!m || (Number(m[1]) === 24 && Number(m[2]) !== 0)) {
    lw.error('invalid-value', 'a time of day must be written `"HH:MM"` (24-hour)', node.span, 'quote it: `"09:00"`')
    return undefined
  }
  return Number(m[1]) * 60 + Number(m[2])
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
    // Stryker disable next-line BlockStatement: an empty catch returns undefined, which the caller reads as false too
  } catch {
    return false
  }
}