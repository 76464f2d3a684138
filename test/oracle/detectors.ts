/** The reference reading of the `Detect` node (compiler/ir.ts), over the patterns of compiler/detectors.ts. */
import { DETECT_MAX_DEPTH, PII_PATTERNS, SECRET_PATTERNS, type DetectorPattern } from '../../compiler/detectors.js'

function luhnValid(candidate: string): boolean {
  const digits = [...candidate].filter(c => c >= '0' && c <= '9').map(Number).reverse()
  if (digits.length < 13 || digits.length > 19) return false
  const sum = digits.reduce((acc, d, i) => acc + (i % 2 === 1 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d), 0)
  return sum % 10 === 0
}

const compiled = (list: readonly DetectorPattern[]): { re: RegExp; luhn: boolean; value: boolean }[] => list.map(p => ({ re: new RegExp(p.source, `g${p.flags}`), luhn: p.check === 'luhn', value: p.check === 'value' }))
const SECRETS = compiled(SECRET_PATTERNS)
const PII = compiled(PII_PATTERNS)

function inString(s: string, list: { re: RegExp; luhn: boolean }[]): boolean {
  return list.some(({ re, luhn }) => [...s.matchAll(re)].some(m => !luhn || luhnValid(m[0])))
}

export function detectValue(detector: 'secret' | 'pii', value: unknown): boolean {
  const list = detector === 'secret' ? SECRETS : PII
  const walk = (v: unknown, depth: number): boolean => {
    if (typeof v === 'string') return inString(v, list)
    if (typeof v === 'number') return inString(String(v), list)
    if (v === null || typeof v !== 'object') return false
    if (depth >= DETECT_MAX_DEPTH) throw new TypeError('value nested too deeply')
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (Object.prototype.hasOwnProperty.call(v, i) && walk(v[i], depth + 1)) return true
      return false
    }
    return Object.keys(v).some(k => walk((v as Record<string, unknown>)[k], depth + 1))
  }
  return walk(value, 0)
}

const VALUE_STOP = new Set([' ', '\t', '\n', '\r', '\f', '\v', '"', "'", '&', ',', ';', '}'])

/** One string with one pattern's matches replaced; after a `value` match the search resumes past the value it swallowed. */
function redactOne(s: string, p: { re: RegExp; luhn: boolean; value: boolean }): string {
  let out = ''
  let at = 0
  let from = 0
  for (;;) {
    p.re.lastIndex = from
    const m = p.re.exec(s)
    if (m === null) break
    const start = m.index
    const end = start + m[0].length
    from = end
    if (p.luhn && !luhnValid(m[0])) continue
    if (p.value) {
      let stop = end
      while (stop < s.length && !VALUE_STOP.has(s[stop]!) && !/\s/.test(s[stop]!)) stop++
      out += `${s.slice(at, end)}[REDACTED]`
      at = stop
      from = stop
    } else {
      out += `${s.slice(at, start)}[REDACTED]`
      at = end
    }
  }
  return out + s.slice(at)
}

/** The reference reading of `redactDetected` (compiler/ir.ts) on a copy made by `redactCopy`. */
export function redactDetectedValue(detector: 'secrets' | 'pii', value: unknown): unknown {
  const list = detector === 'secrets' ? SECRETS : PII
  const text = (s: string): string => list.reduce((acc, p) => redactOne(acc, p), s)
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return text(v)
    if (typeof v === 'number') return text(String(v)) === String(v) ? v : '[REDACTED]'
    if (v === null || typeof v !== 'object') return v
    if (depth >= DETECT_MAX_DEPTH) return '[DEPTH]'
    if (Array.isArray(v)) return v.map(x => walk(x, depth + 1))
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: walk((v as Record<string, unknown>)[k], depth + 1), enumerable: true, writable: true, configurable: true })
    return out
  }
  return walk(value, 0)
}
