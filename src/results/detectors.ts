/**
 * The detectors a result rule's `redact: [secrets]` / `redact: [pii]` names, applied by the guard to
 * the copy `evaluateResult` returns. `secrets` is the record redaction (src/records/redact.ts): token
 * and key formats, private-key blocks, `password=…` pairs and values under credential-named keys.
 * `pii` is deliberately simple: e-mail addresses, phone numbers written with a `+` country code or
 * in groups (`555-010-0199`, `(555) 010 0199`), and 13–19 digit card numbers that pass the Luhn
 * check. Every pattern starts only at the beginning of a run (lookbehind), so each scans linearly.
 */
import { REDACTED, redact } from '../records/redact.js'

const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}/g
const CARD = /(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])/g
const PHONE = /(?<![\w+])(?:\+[0-9]{7,15}|(?:\+[0-9]{1,3}[ .-]?)?(?:\([0-9]{2,4}\)[ .-]?|[0-9]{2,4}[ .-])[0-9]{3,4}[ .-]?[0-9]{3,4})(?![\w])/g

/** The PII patterns, for tests that judge them like any policy regex. */
export const PII_PATTERNS: readonly RegExp[] = [EMAIL, CARD, PHONE]

function luhn(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    sum += d
  }
  return sum % 10 === 0
}

/** `text` with e-mail addresses, Luhn-valid card numbers and phone numbers replaced by `[REDACTED]`. */
export function redactPiiText(text: string): string {
  return text
    .replace(EMAIL, REDACTED)
    .replace(CARD, m => (luhn(m.replace(/[ -]/g, '')) ? REDACTED : m))
    .replace(PHONE, REDACTED)
}

function mapStrings(v: unknown, f: (s: string) => string, depth: number): unknown {
  if (typeof v === 'string') return f(v)
  if (v === null || typeof v !== 'object' || depth > 64) return v
  if (Array.isArray(v)) return v.map(x => mapStrings(x, f, depth + 1))
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: mapStrings((v as Record<string, unknown>)[k], f, depth + 1), enumerable: true, writable: true, configurable: true })
  return out
}

/**
 * Applies the named detectors to `value` (the plain copy `evaluateResult` made). Total: cycles,
 * depth and unreadable values end as markers, never as exceptions.
 */
export function applyDetectors(value: unknown, detectors: readonly string[]): unknown {
  let out = value
  if (detectors.includes('secrets')) out = redact(out)
  if (detectors.includes('pii')) out = mapStrings(out, redactPiiText, 0)
  return out
}
