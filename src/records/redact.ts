/** Redaction: credentials are replaced by `[REDACTED]` before anything is written or shown. */
import { setOwnData } from '../snapshot.js'

export const REDACTED = '[REDACTED]'


// Credentials found anywhere inside a string, not only as the whole value. Every pattern that repeats a
// character class is preceded by a lookbehind excluding that class, so a match can only start at the
// beginning of a run and each run is scanned once: linear time on model-supplied text (test/runtime).
const B = '(?<![A-Za-z0-9_-])'
const TOKEN_PATTERNS: readonly RegExp[] = [
  // OpenAI (sk-…, sk-proj-…), Anthropic (sk-ant-…), Stripe (sk_live_…, rk_…, pk_…)
  new RegExp(`${B}(?:sk|pk|rk)[-_][A-Za-z0-9_-]{16,}`, 'g'),
  new RegExp(`${B}gsk_[A-Za-z0-9]{10,}`, 'g'), // Groq
  new RegExp(`${B}(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![0-9A-Za-z])`, 'g'), // AWS access key id
  new RegExp(`${B}(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})`, 'g'), // GitHub
  new RegExp(`${B}glpat-[A-Za-z0-9_-]{20,}`, 'g'), // GitLab
  new RegExp(`${B}xox[abposr]-[A-Za-z0-9-]{10,}`, 'g'), // Slack
  new RegExp(`${B}AIza[0-9A-Za-z_-]{30,}`, 'g'), // Google API key
  new RegExp(`${B}(?:hf_[A-Za-z0-9]{30,}|npm_[A-Za-z0-9]{36})`, 'g'), // Hugging Face, npm
  new RegExp(`${B}SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}`, 'g'), // SendGrid
  new RegExp(`${B}eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}`, 'g'), // JWT
  // Authorization header values (capitalised as in headers, so prose like "basic functionality" stays)
  /(?<![A-Za-z0-9])Bearer[ \t]{1,8}[A-Za-z0-9._~+/=-]{8,}/g,
  /(?<![A-Za-z0-9])Basic[ \t]{1,8}(?=[A-Za-z._~-]{0,200}[0-9+/=])[A-Za-z0-9._~+/=-]{8,}/g,
  /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[A-Za-z0-9+/=\s]*(?:-----END [A-Z ]{0,40}PRIVATE KEY-----)?/g,
]
// user:password@ in URLs: the userinfo is redacted, scheme and host kept
export const URL_USERINFO: RegExp = /(?<![A-Za-z0-9+.-])([a-z][a-z0-9+.-]{0,20}:\/\/)[^\s:/@]{1,64}:[^\s/@]{1,128}@/gi
// `name=value` / `"name": "value"` / `name: value` inside text (query strings, headers, env dumps):
// the name is kept, the value redacted.
export const KEY_VALUE: RegExp = /(?<![A-Za-z0-9_])((?:[A-Za-z0-9]{1,20}[-_])?(?:api[-_]?key|apikey|access[-_]?token|refresh[-_]?token|auth[-_]?token|id[-_]?token|token|secret|client[-_]?secret|secret[-_]?access[-_]?key|password|passwd|pwd|passphrase|private[-_]?key)["']?[ \t]{0,4}[:=][ \t]{0,4}["']?)([^\s"'&,;}]{1,})/gi

// Keys whose value is a credential, whatever it looks like (after camelCase/kebab-case → snake_case).
const SECRET_KEY = /(?:^|_)(?:api_?key|apikey|token|access_?token|refresh_?token|id_?token|auth_?token|bearer_?token|secret|client_?secret|secret_?key|secret_?access_?key|access_?key|private_?key|password|passwd|pwd|passphrase|authorization|auth|credentials?|cookie|set_cookie|session_?id|session_?token)$/

const keyVerdicts = new Map<string, boolean>()

/** True when a property name names a credential (`apiKey`, `x-api-key`, `OPENAI_API_KEY`, `password`, …). */
export function isSecretKey(key: string): boolean {
  let v = keyVerdicts.get(key)
  if (v === undefined) {
    v = SECRET_KEY.test(key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().replace(/[-.\s]/g, '_'))
    if (keyVerdicts.size < 4096) keyVerdicts.set(key, v)
  }
  return v
}

/** The shortest text any of `TOKEN_PATTERNS` matches (test/runtime/records.test.ts holds it to them). */
export const TOKEN_MIN = 14

// all token patterns in one pass (each alternative keeps its own lookbehind, so the scan stays linear)
export const TOKENS: RegExp = new RegExp(TOKEN_PATTERNS.map(r => `(?:${r.source})`).join('|'), 'g')

/**
 * Every name `KEY_VALUE` matches contains one of these (`api_key`, `token`, `secret`, `password`,
 * `passwd`, `passphrase`, `pwd` ...), in any case: text without any of them takes no `KEY_VALUE` scan,
 * the costliest of the three (test/runtime/records.test.ts holds the two to the same answers).
 */
const KEY_HINT = /key|token|secret|pass|pwd/i

/** `text` with every credential-looking substring replaced by `[REDACTED]`. */
export function redactText(text: string): string {
  // no token pattern matches fewer than 14 characters (`gsk_` + 10, `Basic` + 1 + 8), userinfo needs
  // `://` and `@`, a key-value pair `:` or `=` and a credential name: most argument text (a URL
  // without userinfo, a message) takes none of the three scans
  let out = text.length < TOKEN_MIN ? text : text.replace(TOKENS, REDACTED)
  if (out.includes('@') && out.includes('://')) out = out.replace(URL_USERINFO, `$1${REDACTED}@`)
  if ((out.includes(':') || out.includes('=')) && KEY_HINT.test(out)) out = out.replace(KEY_VALUE, (_m, name: string, value: string) => (value === REDACTED ? `${name}${value}` : `${name}${REDACTED}`))
  return out
}

/** True when `value` contains something that looks like a key, token or password. */
export function looksSecret(value: string): boolean {
  return redactText(value) !== value
}

function splitPath(p: string): string[] {
  return p.replace(/\[(\d+|\*)\]/g, '.$1').replace(/^\./, '').split('.')
}

// the policy's and the guard's redact paths, split once (bounded: paths come from the policy and the app)
const splitPaths = new Map<string, readonly string[]>()
function splitCached(p: string): readonly string[] {
  let s = splitPaths.get(p)
  if (s === undefined) {
    s = splitPath(p)
    if (splitPaths.size < 1024) splitPaths.set(p, s)
  }
  return s
}

/**
 * A copy of `value` with the given paths, keys that name credentials and credential-looking
 * substrings replaced by `[REDACTED]`. Paths are dotted and rooted at `value` (`headers.authorization`,
 * `items.*.token`, `items[0].token`); `*` matches any one key or index. Own enumerable properties only;
 * getters that throw, cycles and over-deep nesting become markers instead of exceptions.
 */
export function redact(value: unknown, paths: readonly string[] = []): unknown {
  const split = paths.length === 0 ? NO_PATHS : paths.map(splitCached)
  return walk(value, split.length === 0 ? null : [], 0, split, [])
}

const NO_PATHS: readonly (readonly string[])[] = []

/**
 * One value of `redact`: `at` is its path (null when there are no paths to match), `open` the
 * objects being copied around it, outermost first (at most 33: a cycle is one of them again). A
 * stack, not a WeakSet: this runs for every record, and a WeakSet per record cost more than the walk.
 */
function walk(v: unknown, at: string[] | null, depth: number, split: readonly (readonly string[])[], open: object[]): unknown {
  if (at !== null && split.some(p => p.length === at.length && p.every((s, i) => s === at[i] || s === '*'))) return REDACTED
  if (typeof v === 'string') return redactText(v)
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? String(v) : typeof v === 'function' || typeof v === 'symbol' ? undefined : v
  if (depth > 32) return '[DEPTH]'
  if (open.includes(v)) return '[CIRCULAR]'
  open.push(v)
  let out: unknown
  if (Array.isArray(v)) {
    // `map`, so a hole in the array stays a hole in the record (the hash covers it as it always did)
    out = v.map((x, i) => walk(x, at === null ? null : [...at, String(i)], depth + 1, split, open))
  } else {
    const o: Record<string, unknown> = {}
    for (const k of Object.keys(v)) {
      let x: unknown
      try {
        x = (v as Record<string, unknown>)[k]
      } catch {
        x = '[UNREADABLE]'
      }
      const r = isSecretKey(k) && x !== null && x !== undefined && x !== '' ? REDACTED : walk(x, at === null ? null : [...at, k], depth + 1, split, open)
      setOwnData(o, k, r)
    }
    out = o
  }
  open.pop()
  return out
}
