/**
 * `normalize:` in the emitted module (semantics: `NormalizeKind` and `ArgNormalizer` in
 * compiler/ir.ts). The helpers are fixed text, emitted only by modules whose policy normalises an
 * argument. They use only globals every JavaScript runtime has (`URL`, `String.prototype.normalize`,
 * Unicode property escapes), so the module still imports nothing.
 *
 * The shell splitter is written here by hand because the emitted module cannot import `shell-quote`;
 * test/property/shell.test.ts holds it to `shell-quote`'s `parse` on generated command lines, and
 * the reference interpreter has its own (test/oracle/shell.ts).
 */
import type { Policy } from '../ir.js'
import { join, js, jsonValue, type Code } from './code.js'

/** Each tool's normalisers as `[[arg, [kind, ...]], ...]`, for `normalizeArgs`. */
export function normalizeSpecs(policy: Policy): Map<string, Code> {
  const out = new Map<string, Code>()
  for (const t of policy.tools) {
    if (!t.normalize || t.normalize.length === 0) continue
    out.set(t.name, jsonValue(t.normalize.map(n => [n.arg, n.kinds])))
  }
  return out
}

export function usesNormalize(policy: Policy): boolean {
  return policy.tools.some(t => (t.normalize?.length ?? 0) > 0)
}

/** `canonicalArgs(tool, args, options?)`, exported by every module (arguments unchanged when nothing is normalised). */
export function canonicalArgsFunction(specs: ReadonlyMap<string, Code>): Code {
  if (specs.size === 0) return js`export function canonicalArgs(tool, args, options) { return args; }`
  return js`const NORM = new Map([${join([...specs.keys()].map(t => js`[${t}, ${specs.get(t)!}]`))}]);
export function canonicalArgs(tool, args, options) {
  try {
    const spec = typeof tool === "string" ? NORM.get(tool) : undefined;
    if (spec === undefined || args === null || typeof args !== "object" || isArray(args)) return args;
    const first = normalizeArgs(args, spec, false);
    if (isBad(first) || own(options, "words") === false) return isBad(first) ? args : first;
    const words = normalizeArgs(first, spec, true);
    return isBad(words) ? args : words;
  } catch (e) { return args; }
}`
}

export const NORMALIZE_HELPERS: Code = js`const strNormalize = String.prototype.normalize;
const strReplace = String.prototype.replace;
const strSplit = String.prototype.split;
const strIndexOf = String.prototype.indexOf;
const defProp = Object.defineProperty;
const normKeys = Object.keys;
const reIgnorable = new RegExp("[\\\\p{Default_Ignorable_Code_Point}\\\\p{Bidi_Control}]", "gu");
const reOddSpace = new RegExp("(?![\\\\t\\\\n\\\\v\\\\f\\\\r ])\\\\p{White_Space}", "gu");
const SHELLS = ["sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish"];
const SH_OPS = [";;&", "<<<", "<<-", "&>>", "||", "&&", "&>", ";;", ";&", "|&", "<(", "<<", ">>", ">&", ">|", ">(", "<&", "<>", "&", ";", "(", ")", "|", "<", ">"];
const reFlags = /^-[A-Za-z]{2,}$/;
const reBlank = /\\s/;
const reDollar = /[A-Za-z0-9_{(@*#?$!'"-]/;
const reDollarQuoted = /[A-Za-z0-9_{(@*#?$!-]/;
class Invalid { constructor(m) { this.bad = m; } }
function bad(m) { return new Invalid(m); }
function badArgs(tool, m) { return { decision: "deny", reason: "invalid arguments for \`" + tool + "\`: " + m, ruleIndex: -1 }; }
function isBad(v) { return v instanceof Invalid; }
function setOwn(o, k, v) { defProp(o, k, { value: v, enumerable: true, writable: true, configurable: true }); }
function nText(s) {
  s = strNormalize.call(s, "NFKC");
  s = strReplace.call(strReplace.call(s, reIgnorable, ""), reOddSpace, " ");
  return strNormalize.call(s, "NFKC");
}
function nPath(s) {
  if (strIndexOf.call(s, "\\0") >= 0) return bad("holds a NUL character");
  const abs = s.charCodeAt(0) === 47;
  const parts = strSplit.call(s, "/");
  const out = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === "" || p === ".") continue;
    if (p !== "..") out.push(p);
    else if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (abs) return bad("climbs above \`/\`");
    else out.push("..");
  }
  return abs ? "/" + out.join("/") : out.length === 0 ? "." : out.join("/");
}
function nUrl(s) { try { return new URL(s).href; } catch (e) { return bad("is not a valid URL"); } }
function shOp(s, i) {
  if (strIndexOf.call("|&;()<>", s[i]) < 0) return "";
  for (let k = 0; k < SH_OPS.length; k++) {
    const op = SH_OPS[k];
    if (strStarts.call(s, op, i)) return op === "<<" && s.charCodeAt(i + 2) === 40 ? "<" : op;
  }
  return "";
}
function shSplit(s) {
  const words = [];
  let w = "", inWord = false, brace = -1;
  const n = s.length;
  let i = 0;
  const end = () => { if (inWord) words.push(w); w = ""; inWord = false; brace = -1; };
  while (i < n) {
    const c = s[i];
    if (reBlank.test(c)) { end(); i++; continue; }
    if (c === "#" && !inWord) { while (i < n && s[i] !== "\\n") i++; continue; }
    const op = shOp(s, i);
    if (op !== "") { end(); words.push(op); i += op.length; continue; }
    if (c === "\\\\") {
      if (i + 1 >= n) return "a trailing backslash";
      if (s[i + 1] !== "\\n") { w += s[i + 1]; inWord = true; }
      i += 2; continue;
    }
    if (c === "'") {
      const j = strIndexOf.call(s, "'", i + 1);
      if (j < 0) return "an unterminated quote";
      w += s.slice(i + 1, j); inWord = true; i = j + 1; continue;
    }
    if (c === "\\"") {
      inWord = true; i++;
      for (;;) {
        if (i >= n) return "an unterminated quote";
        const d = s[i];
        if (d === "\\"") { i++; break; }
        if (d === "\\\\") {
          const e = s[i + 1];
          if (e === "\\"" || e === "\\\\" || e === "$" || e === "\`") { w += e; i += 2; }
          else if (e === "\\n") i += 2;
          else { w += d; i++; }
          continue;
        }
        if (d === "\`") return "command substitution";
        if (d === "$" && i + 1 < n && reDollarQuoted.test(s[i + 1])) return "\`$\` expansion";
        w += d; i++;
      }
      continue;
    }
    if (c === "\`") return "command substitution";
    if (c === "$" && i + 1 < n && reDollar.test(s[i + 1])) return "\`$\` expansion";
    if (c === "{") brace = w.length;
    else if (c === "}" && brace >= 0) { const inner = w.slice(brace); if (strIndexOf.call(inner, ",") >= 0 || strIndexOf.call(inner, "..") >= 0) return "brace expansion"; }
    w += c; inWord = true; i++;
  }
  end();
  return words;
}
function shName(w) { const k = w.lastIndexOf("/"); return SHELLS.indexOf(k < 0 ? w : w.slice(k + 1)) >= 0; }
function shWords(s, depth) {
  if (depth > 8) return "nesting deeper than 8 levels";
  const base = shSplit(s);
  if (typeof base === "string") return base;
  const out = [];
  let shell = false;
  for (let i = 0; i < base.length; i++) {
    const w = base[i];
    if (SH_OPS.indexOf(w) >= 0) { shell = false; out.push(w); continue; }
    if (w === "eval") {
      let j = i + 1;
      while (j < base.length && SH_OPS.indexOf(base[j]) < 0) j++;
      const inner = shWords(base.slice(i + 1, j).join(" "), depth + 1);
      if (typeof inner === "string") return inner;
      out.push(w);
      for (let k = 0; k < inner.length; k++) out.push(inner[k]);
      i = j - 1; continue;
    }
    out.push(w);
    if (shName(w)) shell = true;
    if (reFlags.test(w)) {
      const seen = [];
      for (let k = 1; k < w.length; k++) if (seen.indexOf(w[k]) < 0) { seen.push(w[k]); out.push("-" + w[k]); }
      if (shell && seen.indexOf("c") >= 0 && i + 1 < base.length && SH_OPS.indexOf(base[i + 1]) < 0) {
        const inner = shWords(base[i + 1], depth + 1);
        if (typeof inner === "string") return inner;
        for (let k = 0; k < inner.length; k++) out.push(inner[k]);
        i++;
      }
    } else if (shell && w === "-c" && i + 1 < base.length && SH_OPS.indexOf(base[i + 1]) < 0) {
      const inner = shWords(base[i + 1], depth + 1);
      if (typeof inner === "string") return inner;
      for (let k = 0; k < inner.length; k++) out.push(inner[k]);
      i++;
    }
    if (out.length > 10000) return "more than 10000 words";
  }
  return out;
}
function nShell(s) { const r = shWords(s, 0); return typeof r === "string" ? bad("cannot be split into shell words: " + r) : r; }
function normalizeOne(kind, s) {
  switch (kind) {
    case "path": return nPath(s);
    case "url": return nUrl(s);
    case "text": return nText(s);
    case "lower": return strLower.call(s);
    case "trim": return strTrim.call(s);
    default: return nShell(s);
  }
}
function normalizeArgs(a, spec, words) {
  const out = {};
  const keys = normKeys(a);
  for (let i = 0; i < keys.length; i++) setOwn(out, keys[i], a[keys[i]]);
  for (let i = 0; i < spec.length; i++) {
    const name = spec[i][0], kinds = spec[i][1];
    if (!hasOwn.call(out, name)) continue;
    let v = out[name];
    for (let k = 0; k < kinds.length; k++) {
      if (typeof v !== "string" || (kinds[k] === "shell") !== words) continue;
      v = normalizeOne(kinds[k], v);
      if (isBad(v)) return bad("\`" + name + "\` " + v.bad);
    }
    setOwn(out, name, v);
  }
  return out;
}`
