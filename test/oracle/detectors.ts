/** The reference reading of the `Detect` node (compiler/ir.ts), over the patterns of compiler/detectors.ts. */
import { DETECT_MAX_DEPTH, PII_PATTERNS, SECRET_PATTERNS, type DetectorPattern } from '../../compiler/detectors.js'

function luhnValid(candidate: string): boolean {
  const digits = [...candidate].filter(c => c >= '0' && c <= '9').map(Number).reverse()
  if (digits.length < 13 || digits.length > 19) return false
  const sum = digits.reduce((acc, d, i) => acc + (i % 2 === 1 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d), 0)
  return sum % 10 === 0
}

const compiled = (list: readonly DetectorPattern[]): { re: RegExp; luhn: boolean }[] => list.map(p => ({ re: new RegExp(p.source, `g${p.flags}`), luhn: p.check === 'luhn' }))
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
