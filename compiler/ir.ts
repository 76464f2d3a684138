/**
 * The intermediate representation: what both rule dialects lower to, what the checks read, what the
 * emitter turns into code and what the reference interpreter (test/oracle) evaluates.
 *
 * Nothing here knows YAML exists. Every node carries a `span` (offsets into the policy text); equality
 * of IR values ignores spans (see `stripSpans` in `compiler/ir-util.ts`), so structural tests don't
 * depend on positions.
 *
 * Run-time semantics of every node are fixed here, in one place: the emitter and the oracle must both
 * follow these comments, and the differential property tests hold them to it.
 */

/** Offsets into the source text, `start` inclusive, `end` exclusive. */
export interface Span {
  start: number
  end: number
}

/** The three decisions. Aliases (`block`, `require_approval`, `warn`, `log`) are resolved by `lower`. */
export type Action = 'allow' | 'review' | 'deny'

/**
 * What an evaluation error decides.
 * - `closed`: the call is denied (the default);
 * - `open`: the call is allowed.
 * Either way the Decision's `reason` carries the error, and no exception reaches the caller.
 */
export type FailMode = 'closed' | 'open'

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info'

/** A declared context field or param type. */
export type ScalarType = 'string' | 'number' | 'boolean' | 'string[]' | 'number[]' | 'unknown'

export interface Policy {
  name: string
  /** Decision for a governed tool when no rule matches. */
  default: Action
  /** Decision for a tool this policy does not govern. */
  unknownTools: Action
  failMode: FailMode
  /**
   * `regex_input_limit`: the longest string a polynomial (degree 2) regex of this policy runs on;
   * a degree-d regex gets limit^(2/d) (see `RegexLit.inputLimit`).
   */
  regexInputLimit: number
  /** How long a review's approval id stays valid (SPEC 4.3: `approval_ttl`); absent: 15 minutes. */
  approvalTtlMs?: number
  /** Governed tools, in order of first appearance (under `tools:`, then in rules). */
  tools: ToolDecl[]
  context: FieldDecl[]
  params: ParamDecl[]
  /** Enabled rules only, in file order; `index` is the position in this array. */
  rules: Rule[]
  /** Warnings attached to the policy as a whole come out as diagnostics, not IR. */
  span: Span
}

export interface ToolDecl {
  name: string
  description?: string
  /** The JSON Schema of the arguments (OpenAI/Gemini `parameters`), or undefined for an untyped tool. */
  schema?: JsonSchema
  /** Argument paths (dotted, rooted at the arguments object) whose values are redacted in records. */
  redact: string[]
  /**
   * The regexes the schema holds (`pattern`, `patternProperties` keys), with their place in the YAML,
   * so `check` judges them like any rule regex: the validator runs them on every call. Flags `u`,
   * as the generated validator compiles them.
   */
  schemaRegexes?: RegexLit[]
  /** SPEC 4.2 `normalize:`: the arguments whose canonical value rules and validation see, in YAML order. */
  normalize?: ArgNormalizer[]
  /**
   * `adds:` — session labels this tool carries (SPEC 4.2). The session gains them once a call of the
   * tool was allowed and its handler returned (the guard's `result` step), never on a decision alone.
   */
  adds?: string[]
  /** `returns:` — the JSON Schema of the handler's return value; result rules reading `result` are typed against it. */
  returns?: JsonSchema
  span: Span
}

/**
 * SPEC 4.2 `normalize:` kinds. Each maps a string to its canonical string (`shell`: to a string
 * array), or finds it invalid:
 * - `path`: POSIX, lexical. Invalid if it holds NUL. Split on `/`; empty and `.` segments dropped;
 *   `..` removes the segment before it. An absolute path (leading `/`) whose `..` would climb above
 *   `/` is invalid; a relative one keeps its leading `..` segments (they depend on a working
 *   directory the policy cannot know). Result: `/` + segments joined by `/` (absolute; `/` alone when
 *   none are left), or the segments joined by `/` (relative; `.` when none are left). Symlinks are
 *   not resolved.
 * - `url`: `new URL(s).href` (WHATWG: scheme and host lower-cased, percent-encoded host bytes
 *   decoded, IDN hosts to ASCII, every IPv4 spelling to dotted decimal, default port dropped, dot
 *   segments resolved). Invalid when `new URL(s)` throws.
 * - `text`: NFKC, then every code point that is Default_Ignorable_Code_Point or Bidi_Control
 *   removed and every other White_Space code point outside ASCII made U+0020, then NFKC again (so
 *   a removed character cannot leave an unnormalised pair behind).
 * - `lower`: `s.toLowerCase()`. `trim`: `s.trim()`.
 * - `shell`: the words of a shell command line (see `shellWords` in compiler/emit/normalize.ts, and
 *   its reference in test/oracle/shell.ts): blanks separate words; quotes and backslashes are
 *   removed as POSIX sh reads them; each unquoted control operator (`;`, `|`, `&&`, `>`, `(`, ...)
 *   is a word of its own; a `#` at the start of a word comments out the rest of its line. Then:
 *   the script of `sh`/`bash`/`zsh`/`dash`/`ksh` `-c <script>` (also `-lc`, `-ec` ...) and the
 *   arguments of `eval` are replaced by their own words (at most 8 levels deep), and after every
 *   cluster of short flags (`-fr`: `-` and two or more ASCII letters) its letters follow as single
 *   flags (`-fr`, `-f`, `-r`). Invalid: an unterminated quote, a trailing backslash, and what only a
 *   running shell could expand (`$name`, `${`, `$(`, `` ` ``, `$'...'`, brace expansion with `,` or
 *   `..`), nesting deeper than 8, or more than 10,000 words.
 */
export type NormalizeKind = 'path' | 'url' | 'shell' | 'text' | 'lower' | 'trim'

/**
 * `normalize: { <arg>: <kind> | [<kind>, ...] }` of one argument (a top-level property of the
 * arguments object). At run time, before validation, `evaluate` replaces the arguments by a copy
 * (own enumerable properties only) in which each normalised argument that is present and a string
 * has had its kinds applied in order; a value that is not a string is left as it is (the schema, if
 * any, rejects it). `shell`, always last, is applied after validation (the schema describes the
 * string the model sends; rules read the words). A kind that finds the value invalid makes the
 * decision `deny` (whatever the fail mode, as for arguments the schema rejects), with a reason that
 * names the argument.
 */
export interface ArgNormalizer {
  arg: string
  kinds: NormalizeKind[]
  span: Span
}

export type JsonSchema = { [key: string]: unknown }

export interface FieldDecl {
  name: string
  type: ScalarType
  /** Set for a counter field (`{ count: {...} }`): the guard fills it; its type is `number`. */
  count?: Counter
  span: Span
}

/**
 * A context field the guard fills before evaluation: how many calls ended allowed, within the window
 * `(now - perMs, now]`, among calls to `tools` with the same key value. Counted by the guard's limit
 * store after each allowed call. Not atomic with the decision (use `limit:` for an exact cap).
 */
export interface Counter {
  perMs: number
  /** the tools whose allowed calls are counted and which see the field; `'*'` = every governed tool */
  tools: string[] | '*'
  /** the key expression; `null` means one count for all calls of those tools */
  key: Expr | null
  span: Span
}

export interface ParamDecl {
  name: string
  type: ScalarType
  /** JSON value; the deployment may override it at run time (validated against `type` by the guard). */
  default: JsonValue
  span: Span
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

export interface Rule {
  /** `id`, else `name`. Unique within the policy. */
  id: string
  /** Position among enabled rules, in file order: the tie-break for "first matching rule". */
  index: number
  action: Action
  /** True for the `warn` / `log` aliases: action is `allow`, and a match is listed in `warnings`. */
  warn: boolean
  /** The tools this rule applies to; `'*'` means every governed tool. */
  tools: string[] | '*'
  /**
   * The condition; `null` means the rule always matches its tools.
   * `when`, `conditions` (AND) and `condition_groups` (OR of ANDs) are combined with AND between
   * `when` and the others, and (conditions OR any group) when both of those are present — exactly:
   *   when && (conditions-all || group1-all || group2-all ...)
   * where an absent part is left out.
   */
  condition: Expr | null
  /** SPEC 3 `limit:`. The rule matches when the call would exceed the limit (decided by the guard). */
  limit?: Limit
  /** SPEC 3 `outside_hours:`; a condition ANDed with `condition`, true when `now` is outside [from, to). */
  outsideHours?: OutsideHours
  /** The message: `message`, else `description`, else the id. */
  message: string
  description?: string
  severity?: Severity
  tags: string[]
  metadata: { [key: string]: JsonValue }
  /**
   * `on: result` (SPEC 4.2): a result rule. It never takes part in `evaluate`; `evaluateResult` runs
   * it on the handler's return value. Absent: a call rule.
   */
  on?: 'result'
  /** Result rules only: what `redact:` removes from the result (see `ResultEvaluation` below). */
  redact?: ResultRedaction[]
  /** Result rules only: session labels added when the rule matches (whatever its action). */
  adds?: string[]
  span: Span
}

/**
 * One entry of a result rule's `redact:`.
 * - `path`: dotted segments rooted at the result; `*` matches any one key or index. The value there
 *   becomes the string `[REDACTED]`.
 * - `secrets` / `pii`: the same patterns as `containsSecret` / `containsPii` (`Detect`, over
 *   compiler/detectors.ts), applied by the compiled module: whatever the detector would find is gone
 *   from the copy (`redactDetected` below). They are also listed in `redactWith`; for `secrets` the guard
 *   then applies the decision record's redaction as well (values under credential-named keys such as
 *   `password`, and the record's token formats), so a result shows the model no more than a record.
 */
export type ResultRedaction = { kind: 'path'; path: string[] } | { kind: 'secrets' } | { kind: 'pii' }

/**
 * What a result rule does when it matches: `deny` (action deny/block), else `redact` (it has a
 * non-empty `redact:`), else `pass` (it may still add labels).
 *
 * `evaluateResult(tool, args, result, context, options)` semantics, over the result rules of `tool`
 * in file order (a tool with none, or an ungoverned tool: `{ action: 'pass', ruleIndex: -1, result,
 * adds: [] }`):
 * 1. Every such rule's condition is evaluated (roots: `args`, `context`, `params`, `tool`, `result`,
 *    `session.labels`); matching ones are those whose condition holds (or that have none).
 * 2. `adds`: the `adds` of every matching rule, in file order, each label once.
 * 3. If a matching rule denies: `{ action: 'deny', rule, reason, severity?, ruleIndex, result: undefined, adds }`
 *    for the first such rule in file order.
 * 4. Else if a matching rule redacts: `result` is `redactCopy(result)` with every matching redact
 *    rule's paths set to `[REDACTED]` and its detectors applied (`redactDetected`; in file order, and
 *    the order does not change the outcome), `{ action: 'redact', rule, reason, severity?,
 *    ruleIndex, result, adds }` naming the first, plus `redactWith: ['secrets' | 'pii' ...]` (each
 *    once, in first-mention order) when a matching rule names a detector.
 * 5. Else `{ action: 'pass', ruleIndex: -1, result, adds }` with the result unchanged (same value).
 * An exception anywhere: fail mode `closed` → `{ action: 'deny', reason: 'evaluation error: …',
 * ruleIndex: -1, result: undefined, adds: [] }`; `open` → the same with `action: 'pass'` and the
 * original result.
 *
 * `redactCopy(v)` (total, never throws): strings, numbers, booleans, null as is; bigint → its decimal
 * string; undefined, functions, symbols → undefined; arrays → arrays of copies (holes → undefined);
 * other objects → plain objects of their own enumerable string keys (set with defineProperty, so a
 * `__proto__` key stays data). A value met again on the current path → `[CIRCULAR]`; deeper than 64
 * → `[DEPTH]`; a read that throws (getter, revoked Proxy) → `[UNREADABLE]`.
 * Setting a path: walks own properties of the copy; a missing step or a non-object ends it silently.
 *
 * `redactDetected(v, patterns)` on the copy: a string has each pattern applied in list order, every
 * match replaced by `[REDACTED]` (a `luhn` candidate only when it passes; a `value` match keeps its
 * `name=` prefix and replaces the run after it up to the next blank, quote, `&`, `,`, `;` or `}`); a
 * number whose decimal text the detector would find becomes `[REDACTED]`; arrays and objects are
 * walked (own enumerable keys), and a value deeper than `DETECT_MAX_DEPTH` becomes `[DEPTH]`.
 */
export type ResultAction = 'pass' | 'redact' | 'deny'

export interface Limit {
  max: number
  /** Window length in milliseconds. */
  perMs: number
  /** The key expression; `null` means one counter for the rule. */
  key: Expr | null
  span: Span
}

export interface OutsideHours {
  /** Minutes after local midnight, inclusive. */
  from: number
  /** Minutes after local midnight, exclusive. When `to <= from` the window wraps midnight. */
  to: number
  /** IANA time zone, e.g. `America/New_York`. */
  tz: string
  span: Span
}

/**
 * Expressions. Values at run time are JSON-like (plus `undefined` for absent ones), but the guard
 * may be handed any JavaScript value, so every node must be total over hostile input: a node either
 * yields a value or throws an `EvalError`-like exception, which `evaluate` turns into the fail-mode
 * decision. No node ever calls a function or getter found on the input (other than own-property
 * getters reached by a plain read, whose exceptions end in fail mode).
 */
export type Expr =
  | Lit
  | RegexLit
  | ArrayLit
  | Root
  | Member
  | Unary
  | Binary
  | Logical
  | Conditional
  | Call
  | Op
  | AllOf
  | AnyOf
  | Detect
  | Quantifier
  | Var
  | UrlOf
  | UrlPart
  | PrivateAddress
  | InCidr
  | SessionLabels

/** A JSON scalar literal. */
export interface Lit {
  kind: 'lit'
  value: null | boolean | number | string
  span: Span
}

/**
 * A regex, compiled once at module load. Flags never include `g` or `y` (rejected by `check`).
 * Where it runs (`matches`, `s.match(re)`, `re.test(s)`), a string longer than `inputLimit` is not
 * tested: the test throws instead (so the call goes to the fail mode, with a reason that names the
 * bound). `check` sets `inputLimit` on a regex whose worst case is polynomial (from the policy's
 * `regexInputLimit`); a linear regex has none and runs on any input.
 */
export interface RegexLit {
  kind: 'regex'
  source: string
  flags: string
  inputLimit?: number
  span: Span
}

export interface ArrayLit {
  kind: 'array'
  items: Expr[]
  span: Span
}

/**
 * `args` (also `arguments`), `context`, `params`, `tool` (the tool name, a string), and in result
 * rules only `result` (the handler's return value, as given to `evaluateResult`).
 * `args` is the arguments object; `context` is the context object, or `undefined` when none was passed;
 * `params` is the declared params with run-time overrides applied. (`env` never reaches the IR: it is
 * folded into literals by `lower`.)
 */
export interface Root {
  kind: 'root'
  name: 'args' | 'context' | 'params' | 'tool' | 'result'
  span: Span
}

/**
 * `session.labels` (conditions: `field: session.labels`): the labels of the call's session, read
 * from `options.session.labels` — never from the context, so a caller cannot forge them there.
 * Each read yields a fresh frozen array holding the own elements of that array that are strings, in
 * order (a hole or a non-string is left out); `[]` when `options`, `options.session` or its `labels`
 * is absent or `labels` is not an array. Reading an element may throw (a getter): fail mode.
 */
export interface SessionLabels {
  kind: 'labels'
  span: Span
}

/**
 * `object.key`, `object[key]`, `object?.key`.
 * - If `key` is the string `length` and the object is a string or an array: its length.
 * - Else if the object is a non-null object (arrays included) and has an OWN property of that key:
 *   its value. A computed key is converted with String() only if it is a string or a number;
 *   any other computed key reads `undefined`.
 * - Else `undefined` (also for `null`/`undefined` objects whether or not `optional`: reads never throw).
 * So `args.__proto__`, `args.constructor`, `args.toString` are `undefined`.
 */
export interface Member {
  kind: 'member'
  object: Expr
  key: string | Expr
  optional: boolean
  span: Span
}

/** `!x`: JS truthiness negation. `-x`, `+x`: x must be a number, else throw. */
export interface Unary {
  kind: 'unary'
  op: '!' | '-' | '+'
  arg: Expr
  span: Span
}

/**
 * - `===`, `!==`: JS strict equality.
 * - `==`, `!=`: `a == null` is true iff a is null or undefined; otherwise as `===` (no coercion).
 * - `<`, `<=`, `>`, `>=`: two strings compare as JS compares strings; any other pair compares
 *   ord(a) with ord(b) as numbers, false when either is undefined. ord(x), the number a value spells
 *   (one rule for both dialects):
 *   - a number: itself (±Infinity included); NaN throws;
 *   - a string in the JSON number grammar /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/: Number(x)
 *     (`"1e309"` is Infinity, `"-0"` is -0);
 *   - any other string that starts like a number, /^\s*[+-]?(\d|\.\d|inf|nan)/i (`" 11"`, `"0x10"`,
 *     `"Infinity"`, `"11abc"`): throws, so the call goes to the fail mode instead of silently not
 *     matching;
 *   - undefined, null, a boolean, any other string: undefined (not a number: the comparison is false);
 *   - anything else (a bigint, a `Number` object, an array, an object): throws.
 *   The policy's own comparisons therefore never dodge a cap by the spelling of a number.
 * - `+`: both numbers add, both strings concatenate; otherwise throw.
 * - `-`, `*`, `/`, `%`: both numbers; otherwise throw.
 * - `in`, `instanceof` and everything else do not exist (compile errors).
 */
export interface Binary {
  kind: 'binary'
  op: '===' | '!==' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%'
  left: Expr
  right: Expr
  span: Span
}

/** `&&`, `||`, `??` with JS semantics (short-circuit, value-returning). */
export interface Logical {
  kind: 'logical'
  op: '&&' | '||' | '??'
  left: Expr
  right: Expr
  span: Span
}

/** `test ? then : otherwise`, JS truthiness. */
export interface Conditional {
  kind: 'conditional'
  test: Expr
  then: Expr
  otherwise: Expr
  span: Span
}

/**
 * The whitelisted methods of SPEC 1.2. The receiver's type is checked at run time and a wrong type
 * throws (fail mode), so a method found on the input is never called:
 * - `match(re)`: receiver string, arg a regex → the real match array, or null.
 * - `test(s)`: receiver regex, arg must be a string, else throw.
 * - `startsWith(x)`, `endsWith(x)`, `includes(x)` on a string receiver: x must be a string, else throw.
 * - `includes(x)` on an array receiver: SameValueZero membership (as Array.prototype.includes).
 * - `toLowerCase()`, `toUpperCase()`, `trim()`: string receiver.
 * A receiver of any other type (undefined included) throws.
 */
export interface Call {
  kind: 'call'
  method: 'match' | 'test' | 'startsWith' | 'endsWith' | 'includes' | 'toLowerCase' | 'toUpperCase' | 'trim'
  receiver: Expr
  args: Expr[]
  /** `a?.m()` (or a call after an optional link in the same chain): a null/undefined receiver yields `undefined` instead of throwing. */
  optional: boolean
  span: Span
}

/** The condition operators of SPEC 1.3, positive forms; `not_X` lowers to `{ negate: true }`. */
export type OpName =
  | 'equals'
  | 'contains'
  | 'starts_with'
  | 'ends_with'
  | 'matches'
  | 'greater_than'
  | 'greater_than_or_equal'
  | 'less_than'
  | 'less_than_or_equal'
  | 'in'
  | 'exists'

/**
 * A condition-dialect operator applied to the value at `subject` (a Root/Member chain).
 * Semantics of the positive form, for any subject value v (absent = undefined):
 * - equals: v === value
 * - contains: (typeof v === 'string' && typeof value === 'string' && v.includes(value))
 *             || (Array.isArray(v) && v.some(e => e === value))
 * - starts_with / ends_with: typeof v === 'string' && typeof value === 'string' && v.startsWith/endsWith(value)
 * - matches: typeof v === 'string' && regex.test(v)   (`value` is a RegexLit)
 * - greater_than ...: ord(v) (see `Binary`: it may throw) defined and comparing so with the bound,
 *   a literal number (or JSON-number string) checked by `lower`
 * - in: `value` is an ArrayLit of literals; some element e has e === v
 * - exists: v !== undefined   (`value` is null)
 * `negate` gives exactly `!positive`, for every v, absent ones included. Only the comparisons throw
 * (for a number spelled other than as JSON, see `Binary`), and then both forms throw.
 */
export interface Op {
  kind: 'op'
  op: OpName
  negate: boolean
  subject: Expr
  value: Expr | null
  span: Span
}

/** AND of conditions (empty: true). Truthiness of each item. Result is a boolean. */
export interface AllOf {
  kind: 'all'
  items: Expr[]
  span: Span
}

/** OR of conditions (empty: false). Result is a boolean. */
export interface AnyOf {
  kind: 'any'
  items: Expr[]
  span: Span
}

/**
 * `containsSecret(x)` / `containsPii(x)` in `when`; `contains_secret` / `contains_pii` in conditions
 * (whose `not_` forms lower to `!`). True when x, or any string or finite number found in x through
 * own enumerable properties and array elements, holds a match of one of the detector's patterns
 * (compiler/detectors.ts; a `luhn` candidate only when its digits pass the Luhn check). Numbers are
 * read as `String(n)`. Anything else (null, absent, booleans, object keys) holds nothing. The search
 * is depth-first, array elements in index order (own ones only) and object properties in
 * `Object.keys` order, and stops at the first hit; reaching an object or array at depth
 * `DETECT_MAX_DEPTH` (x itself is depth 0; cycles end there too) before a hit throws, and so may
 * a throwing getter.
 */
export interface Detect {
  kind: 'detect'
  detector: 'secret' | 'pii'
  arg: Expr
  span: Span
}
// ---- SPEC 4.4: quantifiers, URL parts, addresses ----

/**
 * `xs.some(x => body)` / `xs.every(x => body)`, and a `*` segment of a condition path (`some`).
 * Evaluate `array` once. If it is not an array (`Array.isArray`): `false` for both. Else read its
 * `length` once, and for each index i below it that is an OWN property of the array (holes are
 * skipped, as `Array.prototype.some` does), bind `param` to the element and evaluate `body`:
 * - `some`: true as soon as a body is truthy; false after the last element (empty: false);
 * - `every`: false as soon as a body is falsy; true after the last element (empty: true).
 * `param` is visible in `body` only; an inner quantifier's `param` hides an outer one of the same
 * name (lowering refuses such shadowing, so in practice names within one rule are distinct).
 */
export interface Quantifier {
  kind: 'quantifier'
  quantifier: 'some' | 'every'
  array: Expr
  param: string
  body: Expr
  span: Span
}

/** The element bound by the innermost enclosing `Quantifier` whose `param` is `name`. */
export interface Var {
  kind: 'var'
  name: string
  span: Span
}

/** The URL parts `url(s)` yields and condition paths may end with. */
export type UrlPartName = 'protocol' | 'hostname' | 'port' | 'pathname' | 'search'

/**
 * `url(s)`: when `s` is a string that the WHATWG URL parser (`new URL(s)`, no base) accepts, a new
 * frozen plain object with exactly the own properties `protocol`, `hostname`, `port`, `pathname`,
 * `search`, each the parser's string (so `hostname` is lower-cased, IDN in ASCII, IPv4 in dotted
 * decimal whatever its spelling, IPv6 in brackets and compressed); otherwise `null`. Never throws.
 * Each evaluation yields a distinct object (the parse itself may be reused).
 */
export interface UrlOf {
  kind: 'url'
  arg: Expr
  span: Span
}

/**
 * The conditions dialect's `<path>.hostname` (and the other `UrlPartName`s): for v = `object`,
 * - a string: `url(v)`'s part, or `undefined` when `url(v)` is null;
 * - anything else: the own property `part` of v, as `Member` reads it.
 */
export interface UrlPart {
  kind: 'urlPart'
  object: Expr
  part: UrlPartName
  span: Span
}

/**
 * `isPrivateAddress(h)` and the `private_address` operator. True iff `h` is a string that names a
 * host which is `localhost` or ends in `.localhost` (case-insensitive, one trailing dot allowed), or
 * an IP address in `PRIVATE_RANGES` (compiler/net.ts). An IP address is read as the WHATWG URL parser
 * reads a host: `h` (in brackets when it holds a `:` and has none) must be all of `http://<h>/`'s
 * host, and the parsed host must be an IPv4 or IPv6 address; so `2130706433`, `0x7f.1`, `127.1`,
 * `[::ffff:127.0.0.1]` are all 127.0.0.1. An IPv4 address matches IPv4 ranges and also their
 * IPv4-mapped IPv6 form (::ffff:a.b.c.d), as `node:net`'s BlockList does; an IPv6 address that
 * embeds an IPv4 one (IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) is also tested
 * by that IPv4 address. Anything else (not a string, a name other than localhost, an address with a
 * zone, a port or a path) is false. Hostnames are never resolved. Never throws.
 */
export interface PrivateAddress {
  kind: 'privateAddress'
  arg: Expr
  span: Span
}

/**
 * `ipInRange(h, cidr)` and the `in_cidr` operator: true iff `h` reads as an IP address (as for
 * `PrivateAddress`, without the `localhost` names and the embedded-IPv4 rule) inside one of `cidrs`
 * (each `address/prefix`, checked when the policy compiles), with `node:net` BlockList semantics:
 * IPv4 addresses and ranges are their IPv4-mapped IPv6 forms. False for anything else; never throws.
 */
export interface InCidr {
  kind: 'inCidr'
  arg: Expr
  cidrs: string[]
  span: Span
}
