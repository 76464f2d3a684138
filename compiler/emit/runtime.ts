/**
 * The fixed helpers every emitted module carries. They implement the run-time semantics written in
 * `compiler/ir.ts`; the reference interpreter (test/oracle) implements the same independently.
 * No policy text appears here.
 *
 * `plainProto(o)`: whether `o`'s prototype is `Object.prototype` (read through the `__proto__`
 * getter, which the optimising compiler folds to a map check; `Object.getPrototypeOf` and
 * `hasOwnProperty` stay calls). For such an object, and a key `k` that `Object.prototype` does
 * not have at the time of the read (`!(k in ObjectProto)`: polluting `Object.prototype` makes it
 * false), `o[k]` can only be an own property or undefined, so the tool functions read it directly
 * and call `hasOwnProperty` only otherwise (compiler/emit/reads.ts). An object with an own
 * `__proto__` (JSON.parse makes one) yields that value, not `Object.prototype`, so it takes the
 * `hasOwnProperty` path, and so does one whose `__proto__` getter throws. Only the caller's own code
 * could define an own `__proto__` holding `Object.prototype` itself on an object with another
 * prototype; model output (JSON) and the guard's snapshot cannot.
 */
import { js, type Code } from './code.js'

export const HELPERS: Code = js`const hasOwn = Object.prototype.hasOwnProperty;
const isArray = Array.isArray;
const strIncludes = String.prototype.includes;
const strStarts = String.prototype.startsWith;
const strEnds = String.prototype.endsWith;
const strLower = String.prototype.toLowerCase;
const strUpper = String.prototype.toUpperCase;
const strTrim = String.prototype.trim;
const reExec = RegExp.prototype.exec;
const reTest = RegExp.prototype.test;
const jsonNumber = /^-?(0|[1-9]\\d*)(\\.\\d+)?([eE][+-]?\\d+)?$/;
function own(o, k) { return o !== null && typeof o === "object" && hasOwn.call(o, k) ? o[k] : undefined; }
const ObjectProto = Object.prototype;
function plainProto(o) { try { return o.__proto__ === ObjectProto; } catch { return false; } }
function ownLen(o) { return typeof o === "string" || isArray(o) ? o.length : own(o, "length"); }
function ownKey(o, k) { return k === "length" ? ownLen(o) : typeof k === "string" ? own(o, k) : typeof k === "number" ? own(o, String(k)) : undefined; }
function fail(m) { throw new TypeError(m); }
function eq(a, b) { return a === null || a === undefined ? b === null || b === undefined : a === b; }
const numberLike = /^\\s*[+-]?(\\d|\\.\\d|inf|nan)/i;
function cmpNum(x) {
  if (typeof x === "number") return x === x ? x : fail("cannot compare NaN");
  if (typeof x === "string") {
    if (jsonNumber.test(x)) return Number(x);
    return numberLike.test(x) ? fail("cannot compare the string \`" + (x.length > 40 ? x.slice(0, 40) + "..." : x) + "\` as a number: only JSON number spellings compare as numbers") : undefined;
  }
  if (x === undefined || x === null || typeof x === "boolean") return undefined;
  return fail("cannot compare a value of type " + kind(x) + " as a number");
}
function lt(a, b) { if (typeof a === "string" && typeof b === "string") return a < b; const x = cmpNum(a), y = cmpNum(b); return x !== undefined && y !== undefined && x < y; }
function le(a, b) { if (typeof a === "string" && typeof b === "string") return a <= b; const x = cmpNum(a), y = cmpNum(b); return x !== undefined && y !== undefined && x <= y; }
function gt(a, b) { if (typeof a === "string" && typeof b === "string") return a > b; const x = cmpNum(a), y = cmpNum(b); return x !== undefined && y !== undefined && x > y; }
function ge(a, b) { if (typeof a === "string" && typeof b === "string") return a >= b; const x = cmpNum(a), y = cmpNum(b); return x !== undefined && y !== undefined && x >= y; }
function add(a, b) { if ((typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string")) return a + b; return fail("\`+\` needs two numbers or two strings"); }
function arith(a, b, op) {
  if (typeof a !== "number" || typeof b !== "number") return fail("\`" + op + "\` needs two numbers");
  return op === "-" ? a - b : op === "*" ? a * b : op === "/" ? a / b : a % b;
}
function neg(a) { return typeof a === "number" ? -a : fail("unary \`-\` needs a number"); }
function pos(a) { return typeof a === "number" ? a : fail("unary \`+\` needs a number"); }
function within(s, n, src) { return typeof s === "string" && s.length > n ? fail("the input (" + s.length + " characters) is longer than the " + n + " characters regex \`" + src + "\` may run on (regex_input_limit): not tested") : s; }
function mMatch(s, re, opt) { if (typeof s === "string") return reExec.call(re, s); if (opt && s == null) return undefined; return fail("\`match\` needs a string, got " + kind(s)); }
function mFound(s, re, opt) { if (typeof s === "string") return reTest.call(re, s); if (opt && s == null) return undefined; return fail("\`match\` needs a string, got " + kind(s)); }
function mTest(re, s) { return typeof s === "string" ? reTest.call(re, s) : fail("\`test\` needs a string, got " + kind(s)); }
function mStr(s, x, opt, f, name) {
  if (typeof s === "string") return typeof x === "string" ? f.call(s, x) : fail("\`" + name + "\` needs a string argument, got " + kind(x));
  if (opt && s == null) return undefined;
  return fail("\`" + name + "\` needs a string, got " + kind(s));
}
function mIncludes(s, x, opt) {
  if (typeof s === "string") return typeof x === "string" ? strIncludes.call(s, x) : fail("\`includes\` needs a string argument, got " + kind(x));
  if (isArray(s)) { for (let i = 0; i < s.length; i++) { if (hasOwn.call(s, i)) { const e = s[i]; if (e === x || (e !== e && x !== x)) return true; } } return false; }
  if (opt && s == null) return undefined;
  return fail("\`includes\` needs a string or an array, got " + kind(s));
}
function mCase(s, opt, f, name) { if (typeof s === "string") return f.call(s); if (opt && s == null) return undefined; return fail("\`" + name + "\` needs a string, got " + kind(s)); }
function opContains(v, x) {
  if (typeof v === "string") return typeof x === "string" && strIncludes.call(v, x);
  if (isArray(v)) { for (let i = 0; i < v.length; i++) if (hasOwn.call(v, i) && v[i] === x) return true; }
  return false;
}
function opIn(v, list) { for (let i = 0; i < list.length; i++) if (list[i] === v) return true; return false; }
function opStarts(v, x) { return typeof v === "string" && typeof x === "string" && strStarts.call(v, x); }
function opEnds(v, x) { return typeof v === "string" && typeof x === "string" && strEnds.call(v, x); }
function opMatches(v, re) { return typeof v === "string" && reTest.call(re, v); }
function kind(v) { return v === null ? "null" : isArray(v) ? "array" : typeof v; }
function keyOf(v) { return typeof v === "string" ? v : v === undefined ? "undefined" : JSON.stringify(v); }
function nowOf(o) { const n = own(o, "now"); return typeof n === "number" ? n : Date.now(); }
function digitAt(s, i) { const d = s.charCodeAt(i) - 48; return d >= 0 && d <= 9 ? d : -100; }
function outside(fmt, now, from, to) {
  // the zone's "HH:MM" read from format(): formatToParts built an object per part, about twice the time
  const s = fmt.format(now);
  let h = -1, m = -1;
  if (s.length === 5 && s.charCodeAt(2) === 58) { h = digitAt(s, 0) * 10 + digitAt(s, 1); m = digitAt(s, 3) * 10 + digitAt(s, 4); }
  if (h < 0 || m < 0) {
    // any other spelling (another ICU's digits or marks): the parts, as they are named
    const parts = fmt.formatToParts(now);
    h = 0; m = 0;
    for (let i = 0; i < parts.length; i++) { const p = parts[i]; if (p.type === "hour") h = +p.value; else if (p.type === "minute") m = +p.value; }
  }
  const t = (h % 24) * 60 + m;
  return from < to ? !(t >= from && t < to) : !(t >= from || t < to);
}
function param(o, k, d) { const v = own(own(o, "params"), k); return v === undefined ? d : v; }
function errText(e) { try { return e instanceof Error ? String(e.message) : String(e); } catch { return "unprintable error"; } }
function skip(x, id, e) { (x ??= []).push("rule \`" + id + "\` skipped: " + errText(e)); return x; }
function finish(d, w, l, x) {
  if (w === null && l === null && (x === null || x === undefined)) return d;
  const r = { decision: d.decision, ruleIndex: d.ruleIndex };
  if (d.rule !== undefined) r.rule = d.rule;
  if (d.reason !== undefined) r.reason = d.reason;
  if (d.severity !== undefined) r.severity = d.severity;
  if (w !== null) r.warnings = w;
  if (l !== null) r.limits = l;
  if (x !== null && x !== undefined) { r.errors = x; r.reason = (d.reason === undefined ? "" : d.reason + " ") + "(fail_mode open: " + x.join("; ") + ")"; }
  return r;
}
function labelsOf(o) {
  const l = own(own(o, "session"), "labels");
  const out = [];
  if (isArray(l)) { const n = l.length; for (let i = 0; i < n; i++) if (hasOwn.call(l, i)) { const x = l[i]; if (typeof x === "string") out.push(x); } }
  return Object.freeze(out);
}
function deepFreeze(v) { if (v !== null && typeof v === "object") { Object.freeze(v); for (const k of Object.keys(v)) deepFreeze(v[k]); } return v; }
function argName(path) { return path === "" ? "the arguments" : "\`" + path.slice(1).split("/").join(".") + "\`"; }
function invalidReason(tool, errors) {
  const e = errors && errors[0];
  if (!e) return "invalid arguments for \`" + tool + "\`";
  const p = e.params || {};
  if (e.keyword === "required") return "invalid arguments for \`" + tool + "\`: missing required argument \`" + (e.instancePath ? e.instancePath.slice(1).split("/").join(".") + "." : "") + p.missingProperty + "\`";
  if (e.keyword === "additionalProperties") return "invalid arguments for \`" + tool + "\`: unexpected argument \`" + p.additionalProperty + "\`";
  return "invalid arguments for \`" + tool + "\`: " + argName(e.instancePath) + " " + e.message;
}
function ucs2length(str) {
  const len = str.length; let length = 0; let pos = 0; let value;
  while (pos < len) { length++; value = str.charCodeAt(pos++); if (value >= 0xd800 && value <= 0xdbff && pos < len) { value = str.charCodeAt(pos); if ((value & 0xfc00) === 0xdc00) pos++; } }
  return length;
}
function equal(a, b) {
  if (a === b) return true;
  if (a && b && typeof a === "object" && typeof b === "object") {
    if (isArray(a) !== isArray(b)) return false;
    const ka = Object.keys(a), kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    for (const k of ka) if (!hasOwn.call(b, k) || !equal(a[k], b[k])) return false;
    return true;
  }
  return a !== a && b !== b;
}`
