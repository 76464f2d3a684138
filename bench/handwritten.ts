/**
 * The practical limit: the same rules written by hand as TypeScript if-chains, with hoisted regexes,
 * preallocated frozen results and the same argument validation the compiled module does (object,
 * not array, required string arguments, optional string arguments) — but none of its own-property
 * read guards or fail-mode wrapper, and each chain stops at the first rule that decides (the
 * compiled module evaluates every applicable condition, so that an error never depends on order).
 * Within each action the checks are in file order, so the reported rule is the compiled module's.
 */
type D = { decision: 'allow' | 'review' | 'deny'; rule?: string }

const ALLOW: D = Object.freeze({ decision: 'allow' })
const DENY_UNKNOWN: D = Object.freeze({ decision: 'deny' })
const INVALID: D = Object.freeze({ decision: 'deny' })
const G = {
  cap: Object.freeze({ decision: 'deny', rule: 'hourly_call_cap' }) as D,
  host: Object.freeze({ decision: 'deny', rule: 'api_domain_allowlist' }) as D,
  key: Object.freeze({ decision: 'deny', rule: 'no_model_supplied_api_keys' }) as D,
  recipient: Object.freeze({ decision: 'deny', rule: 'sms_per_recipient_cap' }) as D,
  hours: Object.freeze({ decision: 'deny', rule: 'sms_business_hours' }) as D,
}
const HOST = /^https:\/\/api\.(stripe|twilio|sendgrid|openweathermap)\.invalid\//
const DOMAIN = /@approved\.example\.com$/

export function groqTools(tool: string, a: any, c: any): D {
  if (tool === 'fetch_external_api') {
    if (a === null || typeof a !== 'object' || Array.isArray(a) || typeof a.url !== 'string' || (a.api_key !== undefined && typeof a.api_key !== 'string')) return INVALID
    if (c && c.hourly_calls >= 60) return G.cap
    if (!HOST.test(a.url)) return G.host
    if (a.api_key != null) return G.key
    return ALLOW
  }
  if (tool === 'send_sms') {
    if (a === null || typeof a !== 'object' || Array.isArray(a) || typeof a.to !== 'string' || typeof a.body !== 'string') return INVALID
    if (c && c.hourly_calls >= 60) return G.cap
    if (c && c.recipient_hourly_count >= 1) return G.recipient
    if (c && (c.local_hour < 9 || c.local_hour >= 20)) return G.hours
    return ALLOW
  }
  return DENY_UNKNOWN
}

const S = {
  email: Object.freeze({ decision: 'deny', rule: 'email-approved-domain-only' }) as D,
  del: Object.freeze({ decision: 'review', rule: 'require-approval-deletes' }) as D,
  cap: Object.freeze({ decision: 'deny', rule: 'hourly-call-cap' }) as D,
}

export function geminiSafety(tool: string, a: any, c: any): D {
  if (tool === 'send_email') {
    if (a === null || typeof a !== 'object' || Array.isArray(a) || typeof a.to !== 'string' || typeof a.subject !== 'string' || typeof a.body !== 'string') return INVALID
    if (!DOMAIN.test(a.to)) return S.email
    if (c && c.hourly_count > 10) return S.cap
    return ALLOW
  }
  if (tool === 'delete_file') {
    if (a === null || typeof a !== 'object' || Array.isArray(a) || typeof a.path !== 'string') return INVALID
    if (c && c.hourly_count > 10) return S.cap
    if (!a.path.startsWith('/tmp/')) return S.del
    return ALLOW
  }
  return DENY_UNKNOWN
}

// ---------------------------------------------------------------------------------------------
// The same rules by hand with the compiled module's guarantees, so that both compute the same
// function on every input, not only on the workload: own-property reads only (prototype pollution
// and inherited getters cannot reach a rule), arguments validated as the schema says (an object,
// required properties own and of their type), comparisons that hold only between numbers (or
// JSON-number strings for `greater_than`) with no coercion, every applicable condition evaluated
// (so an error, and so the fail-mode decision, does not depend on which rule matched first), and one
// try/catch that turns any error into the fail-mode decision. Hand-written means: specialised per
// tool and per rule, with no generic helpers, no validator framework and no shared dispatch.

const hasOwn = Object.prototype.hasOwnProperty
const reTest = RegExp.prototype.test
const strStarts = String.prototype.startsWith
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/
const FAILED: D = Object.freeze({ decision: 'deny' })

export function groqToolsExact(tool: string, a: any, c: any): D {
  try {
    if (tool === 'fetch_external_api') {
      if (a === null || typeof a !== 'object' || Array.isArray(a)) return INVALID
      const url = hasOwn.call(a, 'url') ? a.url : undefined
      if (typeof url !== 'string') return INVALID
      const key = hasOwn.call(a, 'api_key') ? a.api_key : undefined
      if (key !== undefined && typeof key !== 'string') return INVALID
      const ctx = c !== null && typeof c === 'object'
      const calls = ctx && hasOwn.call(c, 'hourly_calls') ? c.hourly_calls : undefined
      const cap = typeof calls === 'number' && calls >= 60
      const host = !reTest.call(HOST, url)
      const keyed = key != null
      if (cap) return G.cap
      if (host) return G.host
      if (keyed) return G.key
      return ALLOW
    }
    if (tool === 'send_sms') {
      if (a === null || typeof a !== 'object' || Array.isArray(a)) return INVALID
      if (!hasOwn.call(a, 'to') || typeof a.to !== 'string' || !hasOwn.call(a, 'body') || typeof a.body !== 'string') return INVALID
      const ctx = c !== null && typeof c === 'object'
      const calls = ctx && hasOwn.call(c, 'hourly_calls') ? c.hourly_calls : undefined
      const count = ctx && hasOwn.call(c, 'recipient_hourly_count') ? c.recipient_hourly_count : undefined
      const hour = ctx && hasOwn.call(c, 'local_hour') ? c.local_hour : undefined
      const cap = typeof calls === 'number' && calls >= 60
      const recipient = typeof count === 'number' && count >= 1
      const hours = typeof hour === 'number' && (hour < 9 || hour >= 20)
      if (cap) return G.cap
      if (recipient) return G.recipient
      if (hours) return G.hours
      return ALLOW
    }
    return DENY_UNKNOWN
  } catch {
    return FAILED
  }
}

/** `greater_than`'s number: a finite number, or a string that is a JSON number. */
function count(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
  if (typeof v === 'string' && JSON_NUMBER.test(v)) {
    const n = Number(v)
    return Number.isFinite(n) ? n : undefined
  }
  return undefined
}

export function geminiSafetyExact(tool: string, a: any, c: any): D {
  try {
    if (tool === 'send_email') {
      if (a === null || typeof a !== 'object' || Array.isArray(a)) return INVALID
      if (!hasOwn.call(a, 'to') || typeof a.to !== 'string' || !hasOwn.call(a, 'subject') || typeof a.subject !== 'string' || !hasOwn.call(a, 'body') || typeof a.body !== 'string') return INVALID
      const n = count(c !== null && typeof c === 'object' && hasOwn.call(c, 'hourly_count') ? c.hourly_count : undefined)
      const cap = n !== undefined && n > 10
      const outside = !reTest.call(DOMAIN, a.to)
      if (outside) return S.email
      if (cap) return S.cap
      return ALLOW
    }
    if (tool === 'delete_file') {
      if (a === null || typeof a !== 'object' || Array.isArray(a)) return INVALID
      if (!hasOwn.call(a, 'path') || typeof a.path !== 'string') return INVALID
      const n = count(c !== null && typeof c === 'object' && hasOwn.call(c, 'hourly_count') ? c.hourly_count : undefined)
      const cap = n !== undefined && n > 10
      const outside = !strStarts.call(a.path, '/tmp/')
      if (cap) return S.cap
      if (outside) return S.del
      return ALLOW
    }
    return DENY_UNKNOWN
  } catch {
    return FAILED
  }
}
