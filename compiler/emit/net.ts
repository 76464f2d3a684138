/**
 * Run-time helpers for URL parts and address tests (SPEC 4.4), emitted only into modules whose
 * policy uses them. They implement `UrlOf`, `UrlPart`, `PrivateAddress` and `InCidr` of
 * compiler/ir.ts with the platform's WHATWG `URL` (a global: the module still imports nothing) and
 * integer arithmetic over the eight 16-bit groups of an IPv6 address; an IPv4 address is its
 * IPv4-mapped form ::ffff:a.b.c.d, which is how `node:net`'s BlockList matches them too.
 */
import { PRIVATE_RANGES } from '../net.js'
import { js, jsonValue, type Code } from './code.js'

/** `url()` and URL parts: one parse per distinct string in a row (two reads of `args.url` parse once). */
export const URL_HELPERS: Code = js`const URLCtor = URL;
let urlKey, urlParts = null;
function urlParse(s) {
  if (s === urlKey) return urlParts;
  let p = null;
  try { const u = new URLCtor(s); p = [u.protocol, u.hostname, u.port, u.pathname, u.search]; } catch { p = null; }
  urlKey = s; urlParts = p;
  return p;
}
function urlOf(s) {
  if (typeof s !== "string") return null;
  const p = urlParse(s);
  return p === null ? null : Object.freeze({ protocol: p[0], hostname: p[1], port: p[2], pathname: p[3], search: p[4] });
}
function urlGet(s, i) { if (typeof s !== "string") return undefined; const p = urlParse(s); return p === null ? undefined : p[i]; }
function urlPart(v, i, k) { return typeof v === "string" ? urlGet(v, i) : own(v, k); }`

/** Address tests. `cidrs` runs once per list, at module load. */
export const ADDRESS_HELPERS: Code = js`function hostOf(h) {
  if (typeof h !== "string" || h === "") return null;
  const t = h.indexOf(":") >= 0 && h.charCodeAt(0) !== 91 ? "[" + h + "]" : h;
  let u;
  try { u = new URLCtor("http://" + t + "/"); } catch { return null; }
  if (u.username !== "" || u.password !== "" || u.port !== "" || u.pathname !== "/" || u.search !== "" || u.hash !== "") return null;
  return u.hostname;
}
function ipGroups(host) {
  if (host === null || host === "") return null;
  if (host.charCodeAt(0) === 91) {
    const inner = host.slice(1, -1);
    const cut = inner.indexOf("::");
    const head = cut < 0 ? inner.split(":") : cut === 0 ? [] : inner.slice(0, cut).split(":");
    const tail = cut < 0 ? [] : cut + 2 === inner.length ? [] : inner.slice(cut + 2).split(":");
    if (head.length + tail.length > 8 || (cut < 0 && head.length !== 8)) return null;
    const g = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < head.length; i++) g[i] = parseInt(head[i], 16);
    for (let i = 0; i < tail.length; i++) g[8 - tail.length + i] = parseInt(tail[i], 16);
    for (let i = 0; i < 8; i++) if (!(g[i] >= 0 && g[i] <= 0xffff)) return null;
    return g;
  }
  const p = host.split(".");
  if (p.length !== 4) return null;
  const n = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) { if (!/^[0-9]{1,3}$/.test(p[i])) return null; n[i] = +p[i]; if (n[i] > 255) return null; }
  return [0, 0, 0, 0, 0, 0xffff, (n[0] << 8) | n[1], (n[2] << 8) | n[3]];
}
function inNet(g, r) {
  let bits = r[8];
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const m = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((g[i] & m) !== (r[i] & m)) return false;
  }
  return true;
}
function cidrs(list) {
  const out = [];
  for (let i = 0; i < list.length; i++) {
    const s = list[i], at = s.indexOf("/"), a = s.slice(0, at);
    const g = ipGroups(hostOf(a));
    if (g === null) throw new Error("internal: CIDR " + s);
    g.push(+s.slice(at + 1) + (a.indexOf(":") < 0 ? 96 : 0));
    out.push(Object.freeze(g));
  }
  return Object.freeze(out);
}
function inAny(g, nets) { for (let i = 0; i < nets.length; i++) if (inNet(g, nets[i])) return true; return false; }
function ipInRange(h, nets) { const g = ipGroups(hostOf(h)); return g !== null && inAny(g, nets); }
const PRIVATE = cidrs(${jsonValue(PRIVATE_RANGES)});
function embeddedV4(g) {
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0) return [0, 0, 0, 0, 0, 0xffff, g[6], g[7]];
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0) return [0, 0, 0, 0, 0, 0xffff, g[6], g[7]];
  if (g[0] === 0x2002) return [0, 0, 0, 0, 0, 0xffff, g[1], g[2]];
  return null;
}
function isPrivate(h) {
  const host = hostOf(h);
  if (host === null) return false;
  const name = host.charCodeAt(host.length - 1) === 46 ? host.slice(0, -1) : host;
  if (name === "localhost" || strEnds.call(name, ".localhost")) return true;
  const g = ipGroups(host);
  if (g === null) return false;
  if (inAny(g, PRIVATE)) return true;
  const v4 = embeddedV4(g);
  return v4 !== null && inAny(v4, PRIVATE);
}`
