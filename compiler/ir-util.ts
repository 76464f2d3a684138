/** IR helpers: span-free views for equality and the canonical form behind the digest. */
import { createHash } from 'node:crypto'
import type { Policy, ResultAction, Rule } from './ir.js'

/** A deep copy without `span` keys: structural equality ignores positions. */
export function stripSpans<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stripSpans) as T
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (k !== 'span') Object.defineProperty(out, k, { value: stripSpans(v), enumerable: true, writable: true, configurable: true })
    return out as T
  }
  return value
}

/** JSON with sorted keys, no spans: the same policy always gives the same text. */
export function canonical(policy: Policy): string {
  return JSON.stringify(sortKeys(stripSpans(policy)))
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) Object.defineProperty(out, k, { value: sortKeys((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true })
    return out
  }
  return v
}

export function digestOf(policy: Policy): string {
  return createHash('sha256').update(canonical(policy)).digest('hex')
}

/** What a result rule does when it matches (see `ResultAction` in ir.ts). */
export function resultAction(rule: Rule): ResultAction {
  if (rule.action === 'deny') return 'deny'
  return rule.redact !== undefined && rule.redact.length > 0 ? 'redact' : 'pass'
}
