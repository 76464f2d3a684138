/**
 * One snapshot per call. Whatever an SDK or a caller hands over as a tool call's arguments is copied
 * once into a frozen plain value, and the guard, the decision record and the handler all receive that
 * copy. A getter that answers the guard's reads with one value and the handler's with another, a
 * Proxy whose traps change their mind, or a caller that edits the object after the decision can then
 * no longer make the call that runs differ from the call that was checked.
 *
 * What is copied: own enumerable string-keyed properties of plain objects (prototype
 * `Object.prototype` or `null`), the elements of arrays, primitives as they are, and a `Date` as a new
 * `Date` with the same time. Each getter is called exactly once. Anything else (a function, a `Map`,
 * a class instance, a boxed `new Number(11)`, a typed array), a getter or trap that throws, a cycle, or
 * a value past `SNAPSHOT_LIMITS` is not copied: the snapshot fails with a reason, and callers deny the
 * call with that reason (whatever the policy's fail mode: there is no faithful value to run).
 */
import { errorMessage } from './error-message.js'

/** Bounds on the work one snapshot may do. */
export const SNAPSHOT_LIMITS: Readonly<{ maxDepth: number; maxNodes: number }> = Object.freeze({
  /** nesting levels below the arguments object */
  maxDepth: 64,
  /** objects, arrays, properties and elements visited in total */
  maxNodes: 1_000_000,
})

export type Snapshot = { ok: true; value: unknown } | { ok: false; reason: string }

/** The roots this module produced: snapshotting one again is free and returns it unchanged. */
const produced = new WeakSet<object>()

const hasOwn = Object.prototype.hasOwnProperty
const dateTime = Date.prototype.getTime

/**
 * Why a value cannot be copied. The keys leading to it are collected while the error unwinds (each
 * level puts its own key in front), so a copy that succeeds keeps no path at all: on the arguments of
 * a tool call, pushing and popping every key cost more than copying it.
 */
class Unreadable extends Error {
  readonly path: string[] = []
  /** `at`: the message names where the value is (`where(path)`) */
  constructor(readonly text: string, readonly at: boolean) {
    super(text)
  }
}

function where(path: readonly string[]): string {
  if (path.length === 0) return 'the arguments'
  const text = path.join('.')
  // keys are the model's text: keep the reason short
  return `\`${text.length > 120 ? `${text.slice(0, 120)}…` : text}\``
}

function isPlainPrototype(p: object | null): boolean {
  if (p === null || p === Object.prototype) return true
  // a plain object from another realm (a `vm` context, an iframe): its prototype is that realm's
  // Object.prototype, which has no prototype itself and whose own `constructor` is named `Object`
  if (Object.getPrototypeOf(p) !== null) return false
  const c = Object.getOwnPropertyDescriptor(p, 'constructor')?.value as unknown
  return typeof c === 'function' && c.name === 'Object'
}

function kindOf(v: object): string {
  if (typeof v === 'function') return 'a function'
  const tag = Object.prototype.toString.call(v).slice(8, -1)
  // a `Symbol.toStringTag` is the object's own text: name only the built-in kinds
  return tag !== 'Object' && /^[A-Z][A-Za-z0-9]{0,30}$/.test(tag) ? `a ${tag}` : 'an object that is not plain data'
}

/** The root this module produced last: the guard's record snapshots it again right away, and this spares that check a WeakSet lookup. */
let lastProduced: object | undefined

/** True when `value` is a snapshot this module made (or a primitive, which is its own snapshot). */
export function isSnapshot(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function') || value === lastProduced || produced.has(value)
}

/** One copy's state: passed down, not closed over (no closure and no Set allocated per call). */
interface CopyState {
  nodes: number
  /** the objects being copied, outermost first (at most `maxDepth` + 1): a cycle is one of them again */
  open: object[]
}

/** A value inside the arguments: a primitive as it is, a snapshot taken before as it is, else a copy. */
function copyValue(v: unknown, st: CopyState, depth: number): unknown {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v
  if (produced.has(v)) return v
  return copyObject(v, st, depth)
}

/** Copies one object or array (not a snapshot) `depth` levels below the arguments object. */
function copyObject(v: object, st: CopyState, depth: number): object {
  if (++st.nodes > SNAPSHOT_LIMITS.maxNodes) throw new Unreadable(`the arguments have more than ${SNAPSHOT_LIMITS.maxNodes} values`, false)
  if (depth > SNAPSHOT_LIMITS.maxDepth) throw new Unreadable(`the arguments are nested deeper than ${SNAPSHOT_LIMITS.maxDepth} levels`, false)
  if (st.open.includes(v)) throw new Unreadable('refers back to itself (a cycle)', true)
  if (typeof v === 'function') throw new Unreadable('is a function, not data', true)
  st.open.push(v)
  let out: object
  if (Array.isArray(v)) {
    const length: unknown = v.length
    if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) throw new Unreadable('has no usable length', true)
    if (st.nodes + length > SNAPSHOT_LIMITS.maxNodes) throw new Unreadable(`the arguments have more than ${SNAPSHOT_LIMITS.maxNodes} values`, false)
    const items: unknown[] = new Array(length)
    for (let i = 0; i < length; i++) {
      st.nodes++
      try {
        items[i] = copyValue(v[i], st, depth + 1)
      } catch (e) {
        if (e instanceof Unreadable) e.path.unshift(String(i))
        throw e
      }
    }
    out = items
  } else if (v instanceof Date) {
    out = new Date(dateTime.call(v))
  } else {
    if (!isPlainPrototype(Object.getPrototypeOf(v))) throw new Unreadable(`is ${kindOf(v)}`, true)
    const obj: Record<string, unknown> = {}
    const keys = Object.keys(v)
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!
      st.nodes++
      let x: unknown
      try {
        x = copyValue((v as Record<string, unknown>)[k], st, depth + 1)
      } catch (e) {
        if (e instanceof Unreadable) e.path.unshift(k)
        throw e
      }
      setOwnData(obj, k, x)
    }
    out = obj
  }
  st.open.pop()
  return Object.freeze(out)
}

/** Copies `value` once into a frozen plain value, or says why it cannot. Never throws. */
export function snapshot(value: unknown): Snapshot {
  return take(value, true)
}

/**
 * `snapshot` for a copy that never leaves its caller (the guard's own copy of a call's arguments,
 * which it evaluates and records): the copy is not remembered as a snapshot, so `snapshot` of it
 * would copy it again. Remembering is a WeakSet insertion, 0.25-0.5 µs per call here, and was about
 * a fifth of what the guard adds to `evaluate` (bench/guard-path.ts). A value that already is a
 * snapshot is still taken as it is.
 */
export function privateSnapshot(value: unknown): Snapshot {
  return take(value, false)
}

function take(value: unknown, remember: boolean): Snapshot {
  if (isSnapshot(value)) return { ok: true, value }
  try {
    // not a primitive and not a snapshot (`isSnapshot` just said so): straight to the copy
    const copy = copyObject(value as object, { nodes: 0, open: [] }, 0)
    if (remember) {
      produced.add(copy)
      lastProduced = copy
    }
    return { ok: true, value: copy }
  } catch (e) {
    if (e instanceof Unreadable) return { ok: false, reason: `unreadable arguments: ${e.at ? `${where(e.path)} ${e.text}` : e.text}` }
    return { ok: false, reason: `unreadable arguments: reading them threw: ${errorMessage(e)}` }
  }
}

/**
 * `o[k] = v` as an own, enumerable data property of a fresh plain object. A key `Object.prototype`
 * has (`__proto__`, or one a polluted prototype gained, perhaps as a setter) is defined, so it stays
 * own data and no inherited setter runs; any other is assigned, which costs a fraction of a
 * definition and can only make an own data property. The snapshot and the record's redacted copy
 * both build their copies with it.
 */
export function setOwnData(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k in OBJECT_PROTOTYPE) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
  else o[k] = v
}
const OBJECT_PROTOTYPE = Object.prototype

/** `o[key]` when `key` is an own property of `o`: reads of name-keyed maps never reach the prototype. */
export function ownEntry<T>(o: Readonly<Record<string, T>> | undefined | null, key: string): T | undefined {
  return o !== null && o !== undefined && hasOwn.call(o, key) ? o[key] : undefined
}
