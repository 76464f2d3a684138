/**
 * The detectors' patterns (`containsSecret`, `containsPii`, `contains_secret`, `contains_pii`): data
 * only, read by the emitter (which compiles them once, at module load of the emitted module), by the
 * reference interpreter, and by the test that judges each one with the compiler's regex checker
 * (test/compiler/detectors.test.ts), like any rule regex.
 *
 * The secret patterns follow `src/records/redact.ts` (the runtime cannot import the compiler, nor the
 * emitted module the runtime, so the two lists are held together by that test): whatever a detector
 * calls a secret, the record redacts. Every pattern that repeats a character class starts with a
 * lookbehind excluding that class, so a match can only begin at the start of a run: scanning stays
 * linear on model-supplied text.
 *
 * Each pattern is searched with the `g` flag added (to find every candidate); the flags here are
 * the ones the regex checker judges.
 */

export interface DetectorPattern {
  /** what it finds, for documentation and test names */
  name: string
  source: string
  flags: string
  /**
   * `value`: the match is a `name=` / `name: ` prefix; the secret is the run after it up to the next
   * blank, quote, `&`, `,`, `;` or `}` (redaction keeps the prefix and replaces that run).
   * `luhn`: a candidate card number; it counts only when its 13 to 19 digits pass the Luhn check.
   */
  check?: 'value' | 'luhn'
}

const B = '(?<![A-Za-z0-9_-])'

export const SECRET_PATTERNS: readonly DetectorPattern[] = [
  { name: 'OpenAI, Anthropic or Stripe key', source: `${B}(?:sk|pk|rk)[-_][A-Za-z0-9_-]{16,}`, flags: '' },
  { name: 'Groq key', source: `${B}gsk_[A-Za-z0-9]{10,}`, flags: '' },
  { name: 'AWS access key id', source: `${B}(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![0-9A-Za-z])`, flags: '' },
  { name: 'GitHub token', source: `${B}(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})`, flags: '' },
  { name: 'GitLab token', source: `${B}glpat-[A-Za-z0-9_-]{20,}`, flags: '' },
  { name: 'Slack token', source: `${B}xox[abposr]-[A-Za-z0-9-]{10,}`, flags: '' },
  { name: 'Google API key', source: `${B}AIza[0-9A-Za-z_-]{30,}`, flags: '' },
  { name: 'Hugging Face or npm token', source: `${B}(?:hf_[A-Za-z0-9]{30,}|npm_[A-Za-z0-9]{36})`, flags: '' },
  { name: 'SendGrid key', source: `${B}SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}`, flags: '' },
  { name: 'JSON Web Token', source: `${B}eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}`, flags: '' },
  { name: 'Bearer credential', source: '(?<![A-Za-z0-9])Bearer[ \\t]{1,8}[A-Za-z0-9._~+/=-]{8,}', flags: '' },
  { name: 'private key block', source: '-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[A-Za-z0-9+/=\\s]*(?:-----END [A-Z ]{0,40}PRIVATE KEY-----)?', flags: '' },
  // starts only after a blank or a delimiter, and the user and password parts exclude `:`, so each
  // candidate is tried once and can be matched one way only
  { name: 'password in a URL', source: '(?<![^\\s"\'(<=,;])[a-z][a-z0-9+.-]{0,20}:\\/\\/[^\\s:/@]{1,64}:[^\\s:/@]{1,128}@', flags: 'i' },
  // a value already replaced by `[REDACTED]` is not a secret any more, so a redacted result reads clean
  {
    name: 'credential assignment (password=..., "api_key": ...)',
    source: '(?<![A-Za-z0-9_])(?:api[-_]?key|apikey|access[-_]?token|refresh[-_]?token|auth[-_]?token|client[-_]?secret|secret[-_]?key|private[-_]?key|secret|token|password|passwd|pwd|passphrase)["\']?[ \\t]?[:=][ \\t]?["\']?(?=[^\\s"\'&,;}])(?!\\[REDACTED\\])',
    flags: 'i',
    check: 'value',
  },
]

export const PII_PATTERNS: readonly DetectorPattern[] = [
  { name: 'e-mail address', source: '(?<![\\w.%+-])[\\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63})+', flags: '' },
  { name: 'phone number (E.164)', source: '(?<![\\w+.])\\+[1-9][0-9]{7,14}(?![0-9])', flags: '' },
  { name: 'phone number (grouped)', source: '(?<![\\w+.])(?<![0-9][ .-])(?:\\+[1-9][0-9]{0,2}[ .-]?)?(?:\\([0-9]{2,4}\\)[ .-]?|[0-9]{2,4}[ .-])[0-9]{3,4}[ .-][0-9]{3,4}(?![\\w.])(?![ .-][0-9])', flags: '' },
  { name: 'payment card number (Luhn-checked)', source: '(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])', flags: '', check: 'luhn' },
]

/** How deep the detectors look into arrays and objects; deeper (or cyclic) values are an evaluation error. */
export const DETECT_MAX_DEPTH = 64

/** The characters that end a `name=value` secret's value (see `check: 'value'`). */
export const VALUE_END: RegExp = /[\s"'&,;}]/
