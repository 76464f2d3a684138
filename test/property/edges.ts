/**
 * Values on the edges of a policy, for the differential test: bugs live where a value almost matches
 * a literal, so calls are built from the policy's own literals and their near misses rather than
 * drawn independently of it.
 * - strings: the literal, with a prefix, with a suffix, embedded in the middle, in another case, cut
 *   short;
 * - numbers: the literal, ±1, ±ε, and the same number spelled as a string in every hostile way
 *   (padded, hex, exponent, `Infinity`, `-0`, out of range);
 * - regexes: strings made to match (fast-check's `stringMatching`) and the same strings one character
 *   off;
 * - times: the first and last millisecond of the boundary minutes of every `outside_hours` window,
 *   on ordinary days and on daylight-saving change days;
 * - paths: every `args.x.y` / `context.x.y` the policy reads, so these values land where it looks.
 */
import fc from 'fast-check'
import type { Expr, OutsideHours, Policy } from '../../compiler/ir.js'

/** A place the policy reads, with the values it is compared against there. */
export interface Target {
  root: 'args' | 'context'
  keys: string[]
  /** near misses of the literals compared with this path (empty: only read) */
  values: unknown[]
  regexes: { source: string; flags: string }[]
}

export interface Edges {
  strings: string[]
  numbers: number[]
  regexes: { source: string; flags: string }[]
  windows: OutsideHours[]
  /** every static member chain read from `args` / `context` */
  targets: Target[]
}

export function edgesOf(policy: Policy): Edges {
  const edges: Edges = { strings: [], numbers: [], regexes: [], windows: [], targets: [] }
  const targetOf = (e: Expr): Target | undefined => {
    const chain = staticChain(e)
    if (!chain) return undefined
    const t: Target = { ...chain, values: [], regexes: [] }
    edges.targets.push(t)
    return t
  }
  // what a path is compared against: literals, arrays of them, regexes
  const compare = (subject: Expr, against: Expr | null, exists = false): void => {
    const t = targetOf(subject)
    if (!t) return
    if (exists) t.values.push(undefined, null, 0, '', false)
    if (against?.kind === 'lit') t.values.push(...nearMisses(against.value))
    if (against?.kind === 'array') for (const i of against.items) if (i.kind === 'lit') t.values.push(...nearMisses(i.value))
    if (against?.kind === 'regex') t.regexes.push({ source: against.source, flags: against.flags })
  }
  const walk = (e: Expr | null): void => {
    if (e === null) return
    switch (e.kind) {
      case 'lit':
        if (typeof e.value === 'string') edges.strings.push(e.value)
        else if (typeof e.value === 'number') edges.numbers.push(e.value)
        return
      case 'regex': edges.regexes.push({ source: e.source, flags: e.flags }); return
      case 'root': return
      case 'array': e.items.forEach(walk); return
      case 'member':
        targetOf(e)
        walk(e.object)
        if (typeof e.key !== 'string') walk(e.key)
        return
      case 'unary': walk(e.arg); return
      case 'binary': case 'logical':
        compare(e.left, e.right)
        compare(e.right, e.left)
        walk(e.left)
        walk(e.right)
        return
      case 'conditional': walk(e.test); walk(e.then); walk(e.otherwise); return
      case 'call':
        if (e.method === 'test') compare(e.args[0]!, e.receiver)
        else compare(e.receiver, e.args[0] ?? null)
        walk(e.receiver)
        e.args.forEach(walk)
        return
      case 'op':
        compare(e.subject, e.value, e.op === 'exists')
        walk(e.subject)
        walk(e.value)
        // a numeric bound spelled as a string is still a number to compare against
        if (e.value?.kind === 'lit' && typeof e.value.value === 'string' && e.value.value.trim() !== '' && Number.isFinite(Number(e.value.value))) {
          edges.numbers.push(Number(e.value.value))
          targetOf(e.subject)?.values.push(...numberNearMisses(Number(e.value.value)))
        }
        return
      case 'all': case 'any': e.items.forEach(walk); return
    }
  }
  for (const r of policy.rules) {
    walk(r.condition)
    if (r.limit) walk(r.limit.key)
    if (r.outsideHours) edges.windows.push(r.outsideHours)
  }
  return edges
}

function nearMisses(v: unknown): unknown[] {
  if (typeof v === 'string') return stringNearMisses(v)
  if (typeof v === 'number') return [...numberNearMisses(v), ...HOSTILE_NUMBER_SPELLINGS]
  return [v, v === null ? undefined : null, String(v)]
}

function staticChain(e: Expr): { root: 'args' | 'context'; keys: string[] } | null {
  const keys: string[] = []
  let cur: Expr = e
  while (cur.kind === 'member') {
    if (typeof cur.key !== 'string') return null
    keys.unshift(cur.key)
    cur = cur.object
  }
  return cur.kind === 'root' && (cur.name === 'args' || cur.name === 'context') && keys.length > 0 ? { root: cur.name, keys } : null
}

const swapCase = (s: string): string => [...s].map(c => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('')

export function stringNearMisses(s: string): string[] {
  return [s, `x${s}`, `/tmp${s}`, `${s}x`, `${s}/x`, `a${s}b`, `${s}${s}`, s.toUpperCase(), s.toLowerCase(), swapCase(s), s.slice(1), s.slice(0, -1), ` ${s}`, `${s}\n`]
}

/** Numbers written the ways hostile input writes them; only the first is JSON-number syntax. */
export const HOSTILE_NUMBER_SPELLINGS: readonly unknown[] = ['11', ' 11', '11 ', '0x10', '0b1', '0o7', '1_0', '.5', '5.', '+5', '1e309', '-1e309', '1e-400', 'Infinity', '-Infinity', 'NaN', '-0', '00', '1,5', '', ' ', Infinity, -Infinity, NaN, -0, 1e309, Number.MAX_VALUE, Number.MIN_VALUE]

export function numberNearMisses(n: number): unknown[] {
  const eps = Number.EPSILON * Math.max(1, Math.abs(n))
  const out: unknown[] = [n, n + 1, n - 1, n + eps, n - eps, -n, String(n), ` ${n}`, `${n} `, `+${n}`, `${n}.0`, `${n}e0`, `0${n}`, `${n + 1}`, `${n - 1}`]
  if (Number.isInteger(n) && n >= 0) out.push(`0x${n.toString(16)}`, `0b${n.toString(2)}`)
  return out
}

/** The same string one character off: each way a matcher's edge can be crossed. */
export function oneOff(s: string): string[] {
  const out = [s.slice(1), s.slice(0, -1), `x${s}`, `${s}x`, `${s}\n`, `\n${s}`, swapCase(s)]
  if (s.length > 0) out.push(`${s[0] === 'z' ? 'y' : 'z'}${s.slice(1)}`, `${s.slice(0, -1)}${s.at(-1) === '0' ? '1' : '0'}`)
  return out
}

export function regexNearMisses(re: { source: string; flags: string }): fc.Arbitrary<string> {
  // `stringMatching` takes no `i` flag: the case variants come from `oneOff` instead
  return fc.stringMatching(new RegExp(re.source, re.flags.replace(/[^u]/g, '')), { maxLength: 6 }).chain(s => fc.constantFrom(s, s, ...oneOff(s)))
}

function localMinutes(now: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', hour: 'numeric', minute: 'numeric' }).formatToParts(now)
  return (Number(parts.find(p => p.type === 'hour')!.value) % 24) * 60 + Number(parts.find(p => p.type === 'minute')!.value)
}

// an ordinary day, the US spring-forward and fall-back days, a summer day
const DAYS = [Date.UTC(2026, 0, 15), Date.UTC(2026, 2, 8), Date.UTC(2026, 6, 1), Date.UTC(2026, 10, 1)]

/** The first and last millisecond of the minutes either side of each edge of the window. */
export function boundaryInstants(w: OutsideHours): number[] {
  const out: number[] = []
  for (const day of DAYS) {
    for (const target of [w.from - 1, w.from, w.to - 1, w.to].map(m => (m + 1440) % 1440)) {
      // start from the UTC instant with that wall-clock minute, then correct by the zone's offset
      let t = day + target * 60_000
      for (let i = 0; i < 3; i++) {
        const diff = ((localMinutes(t, w.tz) - target + 2160) % 1440) - 720
        if (diff === 0) break
        t -= diff * 60_000
      }
      out.push(t, t + 59_999)
    }
  }
  return out
}

/** Sets `keys` under `root` as own, enumerable properties (also `__proto__`), creating objects on the way. */
export function setPath(root: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  const define = (o: Record<string, unknown>, k: string, v: unknown): void => {
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
  }
  let o = root
  for (const k of keys.slice(0, -1)) {
    let next = Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      next = {}
      define(o, k, next)
    }
    o = next as Record<string, unknown>
  }
  if (keys.length > 0) define(o, keys.at(-1)!, value)
}

/** Values near any of the policy's literals (an arbitrary, since regex matches are generated). */
export function edgeValue(edges: Edges): fc.Arbitrary<unknown> {
  const fixed = [...edges.strings.flatMap(stringNearMisses), ...edges.numbers.flatMap(numberNearMisses), ...HOSTILE_NUMBER_SPELLINGS]
  const arbs: fc.Arbitrary<unknown>[] = [fc.constantFrom(...fixed)]
  for (const re of edges.regexes) arbs.push(regexNearMisses(re))
  // lists holding an edge value, for `contains` / `includes` on arrays
  arbs.push(fc.array(fc.constantFrom(...fixed), { minLength: 1, maxLength: 3 }))
  return fc.oneof(...arbs)
}

/** Values near what this path is compared against, else near any literal. */
function targetValue(t: Target, anyEdge: fc.Arbitrary<unknown>, other: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const own: fc.Arbitrary<unknown>[] = t.regexes.map(regexNearMisses)
  if (t.values.length > 0) {
    own.push(fc.constantFrom(...t.values))
    // inside a list too, for `contains` and `includes` on arrays
    own.push(fc.array(fc.constantFrom(...t.values), { minLength: 1, maxLength: 3 }))
  }
  if (own.length === 0) return fc.oneof({ weight: 3, arbitrary: anyEdge }, { weight: 1, arbitrary: other })
  return fc.oneof({ weight: 6, arbitrary: fc.oneof(...own) }, { weight: 2, arbitrary: anyEdge }, { weight: 1, arbitrary: other })
}

/** An object with edge values at some of the paths the policy reads from `root`. */
export function edgeObject(edges: Edges, root: 'args' | 'context', other: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> {
  const targets = edges.targets.filter(t => t.root === root)
  if (targets.length === 0) return fc.constant({})
  const anyEdge = edgeValue(edges)
  const assignment = fc.integer({ min: 0, max: targets.length - 1 }).chain(i => fc.tuple(fc.constant(targets[i]!), targetValue(targets[i]!, anyEdge, other)))
  return fc.array(assignment, { minLength: 1, maxLength: 4 }).map(assignments => {
    const o: Record<string, unknown> = {}
    for (const [t, v] of assignments) setPath(o, t.keys, v)
    return o
  })
}

export function edgeInstant(edges: Edges): fc.Arbitrary<number> | null {
  const instants = edges.windows.flatMap(boundaryInstants)
  return instants.length > 0 ? fc.constantFrom(...instants) : null
}
