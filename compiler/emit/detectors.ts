/**
 * The detectors in the emitted module (semantics: `Detect` in compiler/ir.ts; patterns:
 * compiler/detectors.ts). Emitted only by modules that use them. The pattern lists are compiled once,
 * at module load, with the `g` flag (every candidate is looked at: a card number must also pass Luhn).
 *
 * What other features of the emitted module may call (when `detectorHelpers` was emitted with them):
 * - `detect(value, DET_SECRET | DET_PII, 0)`: the `Detect` node's meaning; may throw on over-deep values.
 * - `redactDetected(value, DET_SECRET | DET_PII)`: a copy of a JSON-like value in which every
 *   detected secret (or PII) inside strings is replaced by `[REDACTED]`; for a `name=value`
 *   credential the name is kept and the value replaced; a number the detector finds becomes
 *   `[REDACTED]`. Own enumerable properties and array elements; values deeper than
 *   `DETECT_MAX_DEPTH` become `[DEPTH]`; non-JSON values are kept as they are.
 */
import { DETECT_MAX_DEPTH, PII_PATTERNS, SECRET_PATTERNS, type DetectorPattern } from '../detectors.js'
import { join, js, type Code } from './code.js'

function list(patterns: readonly DetectorPattern[]): Code {
  return js`Object.freeze([${join(patterns.map(p => js`Object.freeze([new RegExp(${p.source}, ${`g${p.flags}`}), ${p.check ?? ''}])`))}])`
}

export interface DetectorUse {
  secret: boolean
  pii: boolean
  /** also emit `redactDetected` */
  redact?: boolean
}

export function detectorHelpers(use: DetectorUse): Code {
  const parts: Code[] = []
  if (use.secret) parts.push(js`const DET_SECRET = ${list(SECRET_PATTERNS)};`)
  if (use.pii) parts.push(js`const DET_PII = ${list(PII_PATTERNS)};`)
  parts.push(js`const DET_MAX = ${DETECT_MAX_DEPTH};
const reValueEnd = /[\\s"'&,;}]/;
const detKeys = Object.keys;
function luhn(m) {
  let sum = 0, count = 0, double = false;
  for (let i = m.length - 1; i >= 0; i--) {
    const c = m.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    let d = c;
    if (double) { d *= 2; if (d > 9) d -= 9; }
    sum += d; count++; double = !double;
  }
  return count >= 13 && count <= 19 && sum % 10 === 0;
}
function detectString(s, list) {
  for (let i = 0; i < list.length; i++) {
    const re = list[i][0], check = list[i][1];
    re.lastIndex = 0;
    let m;
    while ((m = reExec.call(re, s)) !== null) {
      if (check !== "luhn" || luhn(m[0])) { re.lastIndex = 0; return true; }
    }
  }
  return false;
}
function detect(v, list, depth) {
  if (typeof v === "string") return detectString(v, list);
  if (typeof v === "number") return detectString(String(v), list);
  if (v === null || typeof v !== "object") return false;
  if (depth >= DET_MAX) return fail("a value nested deeper than " + DET_MAX + " levels cannot be searched");
  if (isArray(v)) { for (let i = 0; i < v.length; i++) if (hasOwn.call(v, i) && detect(v[i], list, depth + 1)) return true; return false; }
  const keys = detKeys(v);
  for (let i = 0; i < keys.length; i++) if (detect(v[keys[i]], list, depth + 1)) return true;
  return false;
}`)
  if (use.redact) parts.push(js`function redactString(s, list) {
  for (let i = 0; i < list.length; i++) {
    const re = list[i][0], check = list[i][1];
    re.lastIndex = 0;
    let out = "", at = 0, m;
    while ((m = reExec.call(re, s)) !== null) {
      const start = m.index, end = start + m[0].length;
      if (check === "luhn" && !luhn(m[0])) continue;
      if (check === "value") {
        let stop = end;
        while (stop < s.length && !reValueEnd.test(s[stop])) stop++;
        out += s.slice(at, end) + "[REDACTED]"; at = stop; re.lastIndex = stop;
      } else { out += s.slice(at, start) + "[REDACTED]"; at = end; }
    }
    if (at > 0) s = out + s.slice(at);
  }
  return s;
}
function redactDetected(v, list, depth) {
  depth = depth || 0;
  if (typeof v === "string") return redactString(v, list);
  if (typeof v === "number") { const t = String(v); return redactString(t, list) === t ? v : "[REDACTED]"; }
  if (v === null || typeof v !== "object") return v;
  if (depth >= DET_MAX) return "[DEPTH]";
  if (isArray(v)) { const out = []; for (let i = 0; i < v.length; i++) out.push(redactDetected(v[i], list, depth + 1)); return out; }
  const out = {};
  const keys = detKeys(v);
  for (let i = 0; i < keys.length; i++) Object.defineProperty(out, keys[i], { value: redactDetected(v[keys[i]], list, depth + 1), enumerable: true, writable: true, configurable: true });
  return out;
}`)
  return join(parts, js`\n`)
}
