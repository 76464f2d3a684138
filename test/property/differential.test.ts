/**
 * Differential property test: over generated policies (both dialects' IR, every operator, nested
 * paths, regexes, warn rules, limits, hours, typed and untyped tools, several rules of one action
 * that match together at different costs) and generated calls (missing, null, wrongly typed and
 * hostile values, prototype keys, and values on the policy's own edges: see `edges.ts`), the emitted
 * `evaluate` and the reference interpreter return the same Evaluation, reported rule and `ruleIndex`
 * included. Seeded, so a failure reproduces.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { emit } from '../../compiler/emit/index.js'
import { compile } from '../../compiler/index.js'
import type { Action, ArgNormalizer, Expr, NormalizeKind, OpName, Policy, ResultRedaction, Rule } from '../../compiler/ir.js'
import { interpret } from '../oracle/interpret.js'
import { importCode } from '../support/compiled.js'
import { edgeInstant, edgeObject, edgesOf, HOSTILE_NUMBER_SPELLINGS, numberNearMisses } from './edges.js'

const S = { start: 0, end: 0 }
const KEYS = ['a', 'b', 's', 'n', 'list', 'length', '__proto__', 'constructor', 'toString', '0', 'we"ird\u2028`${x}`']
const SAFE_REGEXES: [string, string][] = [['^a', ''], ['b$', 'i'], ['^\\d+$', ''], ['x|y', ''], ['^$', ''], ['é', 'u'], ['^[a-c]{2}', 's']]
const TOOLS = ['t1', 't2', '__proto__']

// values the normalisers and detectors care about: paths, URLs, shell lines, look-alike text, secrets, PII
const canonString = fc.constantFrom('/tmp/../etc/passwd', '....//etc/hosts', '/../x', 'a\u0000b', '//a//./b/', '../x/../../y', 'http://evil%2ecom/a/../b', 'HTTPS://ＥＶＩＬ。com:443/x', 'not a url', 'rm -fr /', "bash -c 'rm -r -f /'", 'ls $HOME', 'echo "a b" \\c;ls', "sudo\u00a0rm -r x", 'echo {a,b}', "eval 'ls -la'", 'a\'b', 'adm\ufeffin', '\u202eabc', 'ﬁ\u3000x', ' Trim Me ', 'AKIAABCDEFGHIJKLMNOP', 'mail me: ana@example.com', 'card 4111 1111 1111 1111', 'card 4111 1111 1111 1112', 'call +15550100199', 'password=hunter2', '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----')
const HOSTS = ['127.0.0.1', '2130706433', '0x7f.1', '[::ffff:127.0.0.1]', '::ffff:7f00:1', '::1', '169.254.169.254', 'localhost', 'LOCALHOST.', 'a.localhost', '10.1.2.3', '8.8.8.8', '[2002:a9fe:a9fe::]', '64:ff9b::10.0.0.1', '::10.0.0.1', 'api.stripe.com', 'http://127.0.0.1/', 'https://api.stripe.com/v1/charges', 'http://[fe80::1]:80/x?y', 'http://0x7f.1/', 'http://2130706433/', 'https://user@203.0.113.9:8443/p?q', 'file:///etc/passwd', 'evil@127.0.0.1', '127.0.0.1:80', '1.2.3', '256.1.1.1', 'fd00::1', '[fe80::1%25eth0]', '::', '0', '203.0.113.9', '2001:db8::5', '①②⑦.0.0.1', '100.64.1.1', '172.31.255.255', '172.32.0.1', 'ff02::1', '1.2.3.4.', ' 127.0.0.1 ', '127.0.0.1/x']
const CIDRS = ['10.0.0.0/8', '127.0.0.0/8', '0.0.0.0/0', '203.0.113.0/24', '8.8.8.8/32', '2001:db8::/32', '::/0', '::ffff:0:0/96', 'fe80::/10', '::1/128', '172.16.0.0/12', '64:ff9b::/96']
const hostileString = fc.constantFrom('', 'a', 'ab', 'B', '12', '1e3', '-0', 'x', '</script>', '`${a}`', '*/', '\u2028', '__proto__', 'é', '0', '1e309', '11abc', '/etc', 'rm -rf', 'https://', '.env', 'Admin', ...HOSTS)
// numbers spelled every way a caller can: none may dodge a comparison (SPEC 1.3)
const scalar = fc.oneof(hostileString, canonString, fc.integer({ min: -3, max: 200 }), fc.constantFrom<unknown>(0.5, -0, NaN, Infinity, -Infinity, ...HOSTILE_NUMBER_SPELLINGS), fc.boolean(), fc.constant(null))
const literal = fc.oneof(hostileString, fc.integer({ min: -3, max: 200 }), fc.constantFrom(0.1, 2.5, -0.5), fc.boolean(), fc.constant(null))

const rootExpr = fc.constantFrom<Expr>({ kind: 'root', name: 'args', span: S }, { kind: 'root', name: 'context', span: S }, { kind: 'root', name: 'tool', span: S }, { kind: 'root', name: 'params', span: S })

const PLAIN_KEYS = ['a', 'b', 's', 'n', 'list']
const pathOf = (keys: fc.Arbitrary<string[]>): fc.Arbitrary<Expr> => fc.tuple(fc.constantFrom<Expr>({ kind: 'root', name: 'args', span: S }, { kind: 'root', name: 'args', span: S }, { kind: 'root', name: 'context', span: S }), keys, fc.boolean())
  .map(([root, keys, optional]) => keys.reduce<Expr>((o, k) => ({ kind: 'member', object: o, key: k, optional, span: S }), root))
// mostly the paths a real policy reads, so that calls built from its literals reach them; sometimes
// any key (prototype names, `length`, quotes) at any depth
const path: fc.Arbitrary<Expr> = fc.oneof(
  { weight: 3, arbitrary: pathOf(fc.array(fc.constantFrom(...PLAIN_KEYS), { minLength: 1, maxLength: 2 })) },
  { weight: 1, arbitrary: pathOf(fc.array(fc.constantFrom(...KEYS), { minLength: 0, maxLength: 3 })) },
)

/** paths into a handler's result (result rules only) */
const resultPath: fc.Arbitrary<Expr> = fc.tuple(fc.array(fc.constantFrom(...KEYS), { minLength: 0, maxLength: 3 }), fc.boolean())
  .map(([keys, optional]) => keys.reduce<Expr>((o, k) => ({ kind: 'member', object: o, key: k, optional, span: S }), { kind: 'root', name: 'result', span: S }))
const labelsExpr: Expr = { kind: 'labels', span: S }


// some regexes carry an input bound, as `check` gives a polynomial one: a longer string must throw
const regex = fc.tuple(fc.constantFrom(...SAFE_REGEXES), fc.option(fc.constantFrom(0, 1, 2), { nil: undefined, freq: 3 }))
  .map(([[source, flags], inputLimit]): Expr => ({ kind: 'regex', source, flags, ...(inputLimit !== undefined ? { inputLimit } : {}), span: S }))

const quantifierKind = fc.constantFrom<'some' | 'every'>('some', 'every')
/** One quantifier, or two nested ones whose inner body reads both elements (and a hidden outer name). */
const quantifier: fc.Arbitrary<Expr> = fc.oneof(
  fc.tuple(quantifierKind, path, body('x')).map(([quantifier, array, b]): Expr => ({ kind: 'quantifier', quantifier, array, param: 'x', body: b, span: S })),
  fc.tuple(quantifierKind, quantifierKind, path, fc.constantFrom(...KEYS), fc.constantFrom('y', 'x').chain(n => fc.tuple(fc.constant(n), body(n))), opExpr(varPath('x'))).map(([q1, q2, array, key, [innerName, inner], outerTest]): Expr => ({
    kind: 'quantifier', quantifier: q1, array, param: 'x', span: S,
    body: {
      kind: 'logical', op: '||', left: outerTest, span: S,
      right: { kind: 'quantifier', quantifier: q2, array: { kind: 'member', object: { kind: 'var', name: 'x', span: S }, key, optional: true, span: S }, param: innerName, body: inner, span: S },
    },
  })),
)

function expressions(path: fc.Arbitrary<Expr>): fc.Arbitrary<Expr> {
  return fc.letrec<{ expr: Expr }>(tie => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    literal.map((value): Expr => ({ kind: 'lit', value, span: S })),
    path,
    rootExpr,
    fc.constant(labelsExpr),
    fc.tuple(fc.constantFrom('secret', 'untrusted', '__proto__', ''), fc.boolean()).map(([l, optional]): Expr => ({ kind: 'call', method: 'includes', receiver: labelsExpr, args: [{ kind: 'lit', value: l, span: S }], optional, span: S })),
    opExpr(fc.constant(labelsExpr)),
    fc.tuple(path, fc.oneof(tie('expr'), literal.map((value): Expr => ({ kind: 'lit', value, span: S })))).map(([o, k]): Expr => ({ kind: 'member', object: o, key: k, optional: false, span: S })),
    fc.tuple(fc.constantFrom<'!' | '-' | '+'>('!', '!', '-', '+'), tie('expr')).map(([op, arg]): Expr => ({ kind: 'unary', op, arg, span: S })),
    fc.tuple(fc.constantFrom<'===' | '!==' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%'>('===', '!==', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%'), tie('expr'), tie('expr')).map(([op, left, right]): Expr => ({ kind: 'binary', op, left, right, span: S })),
    fc.tuple(fc.constantFrom<'&&' | '||' | '??'>('&&', '||', '??'), tie('expr'), tie('expr')).map(([op, left, right]): Expr => ({ kind: 'logical', op, left, right, span: S })),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([test, then, otherwise]): Expr => ({ kind: 'conditional', test, then, otherwise, span: S })),
    fc.tuple(fc.constantFrom('startsWith', 'endsWith', 'includes', 'toLowerCase', 'toUpperCase', 'trim', 'match', 'test'), path, tie('expr'), regex, fc.boolean()).map(([method, receiver, arg, rx, optional]): Expr => {
      if (method === 'match') return { kind: 'call', method, receiver, args: [rx], optional, span: S }
      if (method === 'test') return { kind: 'call', method, receiver: rx, args: [receiver], optional: false, span: S }
      if (method === 'toLowerCase' || method === 'toUpperCase' || method === 'trim') return { kind: 'call', method, receiver, args: [], optional, span: S }
      return { kind: 'call', method: method as 'startsWith', receiver, args: [arg], optional, span: S }
    }),
    fc.array(literal, { maxLength: 3 }).map((items): Expr => ({ kind: 'array', items: items.map(value => ({ kind: 'lit', value, span: S })), span: S })),
    opExpr(path),
    fc.tuple(fc.constantFrom<'secret' | 'pii'>('secret', 'pii'), fc.oneof(path, rootExpr, tie('expr')), fc.boolean()).map(([detector, arg, negate]): Expr => {
      const found: Expr = { kind: 'detect', detector, arg, span: S }
      return negate ? { kind: 'unary', op: '!', arg: found, span: S } : found
    }),
    quantifier,
    fc.tuple(fc.oneof(path, literal.map((value): Expr => ({ kind: 'lit', value, span: S }))), fc.constantFrom('protocol', 'hostname', 'port', 'pathname', 'search', 'href', '__proto__'), fc.boolean())
      .map(([arg, key, bare]): Expr => (bare ? { kind: 'url', arg, span: S } : { kind: 'member', object: { kind: 'url', arg, span: S }, key, optional: true, span: S })),
    addressTest(path),
  ),
  })).expr
}
const expr = expressions(path)
const resultExpr = expressions(fc.oneof(path, resultPath))

function urlParts(subject: fc.Arbitrary<Expr>): fc.Arbitrary<Expr> {
  return fc.tuple(subject, fc.constantFrom<'protocol' | 'hostname' | 'port' | 'pathname' | 'search'>('protocol', 'hostname', 'port', 'pathname', 'search')).map(([object, part]): Expr => ({ kind: 'urlPart', object, part, span: S }))
}

/** `isPrivateAddress` / `ipInRange` of a path, a URL string's host, or a literal. */
function addressTest(subject: fc.Arbitrary<Expr>): fc.Arbitrary<Expr> {
  const arg = fc.oneof(subject, urlParts(subject), fc.constantFrom(...HOSTS).map((value): Expr => ({ kind: 'lit', value, span: S })))
  return fc.tuple(arg, fc.boolean(), fc.subarray(CIDRS, { minLength: 1, maxLength: 3 })).map(([a, priv, cidrs]): Expr => (priv ? { kind: 'privateAddress', arg: a, span: S } : { kind: 'inCidr', arg: a, cidrs, span: S }))
}

/** A path rooted at a quantifier's element. */
function varPath(name: string): fc.Arbitrary<Expr> {
  return fc.array(fc.constantFrom(...KEYS), { maxLength: 2 }).map(keys => keys.reduce<Expr>((o, k) => ({ kind: 'member', object: o, key: k, optional: true, span: S }), { kind: 'var', name, span: S }))
}

function body(name: string): fc.Arbitrary<Expr> {
  return fc.oneof(opExpr(varPath(name)), addressTest(varPath(name)), opExpr(urlParts(varPath(name))), fc.tuple(varPath(name), hostileString).map(([receiver, x]): Expr => ({ kind: 'call', method: 'endsWith', receiver, args: [{ kind: 'lit', value: x, span: S }], optional: true, span: S })))
}


function opExpr(subject: fc.Arbitrary<Expr>): fc.Arbitrary<Expr> {
  const ops: OpName[] = ['equals', 'contains', 'starts_with', 'ends_with', 'matches', 'greater_than', 'greater_than_or_equal', 'less_than', 'less_than_or_equal', 'in', 'exists']
  return fc.tuple(fc.constantFrom(...ops), fc.boolean(), subject, literal, regex, fc.array(literal, { maxLength: 3 }), fc.oneof(fc.integer({ min: -5, max: 100 }), fc.constantFrom(0.5, -2.5, '10', '-2.5', '1e2')), hostileString)
    .map(([op, negate, subj, lit, rx, list, bound, str]): Expr => {
      let value: Expr | null
      if (op === 'matches') value = rx
      else if (op === 'in') value = { kind: 'array', items: list.map(v => ({ kind: 'lit', value: v, span: S })), span: S }
      else if (op === 'exists') value = null
      else if (op.startsWith('greater') || op.startsWith('less')) value = { kind: 'lit', value: bound, span: S }
      else if (op === 'starts_with' || op === 'ends_with') value = { kind: 'lit', value: str, span: S }
      else value = { kind: 'lit', value: lit, span: S }
      return { kind: 'op', op, negate, subject: subj, value, span: S }
    })
}

const condition = fc.oneof(expr, opExpr(path), quantifier, addressTest(path), fc.array(opExpr(path), { minLength: 1, maxLength: 3 }).map((items): Expr => ({ kind: 'all', items, span: S })), fc.array(fc.array(opExpr(path), { minLength: 1, maxLength: 2 }).map((items): Expr => ({ kind: 'all', items, span: S })), { minLength: 1, maxLength: 3 }).map((items): Expr => ({ kind: 'any', items, span: S })))

const resultCondition = fc.oneof(resultExpr, opExpr(resultPath), opExpr(fc.constant(labelsExpr)), fc.array(opExpr(fc.oneof(resultPath, path)), { minLength: 1, maxLength: 3 }).map((items): Expr => ({ kind: 'all', items, span: S })))
const redactItem = fc.oneof(
  fc.array(fc.constantFrom('a', 'b', 's', 'list', '0', '*', '__proto__', 'we"ird\u2028`${x}`'), { minLength: 1, maxLength: 3 }).map((path): ResultRedaction => ({ kind: 'path', path })),
  fc.constantFrom<ResultRedaction>({ kind: 'secrets' }, { kind: 'pii' }),
)
const resultRule = fc.record({
  action: fc.constantFrom<Action>('allow', 'deny'),
  tools: fc.oneof(fc.constant<'*'>('*'), fc.subarray(TOOLS, { minLength: 1 })),
  condition: fc.option(resultCondition, { nil: null, freq: 4 }),
  redact: fc.option(fc.array(redactItem, { maxLength: 3 }), { nil: undefined }),
  adds: fc.option(fc.array(fc.constantFrom('secret', 'injected', '__proto__'), { maxLength: 2 }), { nil: undefined }),
  message: hostileString,
})

const rule = fc.record({
  action: fc.constantFrom<Action>('allow', 'review', 'deny', 'deny'),
  warn: fc.boolean(),
  tools: fc.oneof(fc.constant<'*'>('*'), fc.subarray(TOOLS, { minLength: 1 })),
  condition: fc.option(condition, { nil: null, freq: 4 }),
  limit: fc.option(fc.record({ max: fc.integer({ min: 0, max: 5 }), key: fc.option(expr, { nil: null }) }), { nil: undefined, freq: 6 }),
  hours: fc.option(fc.record({ from: fc.integer({ min: 0, max: 1439 }), to: fc.integer({ min: 0, max: 1439 }), tz: fc.constantFrom('UTC', 'America/New_York', 'Asia/Kolkata') }), { nil: undefined, freq: 6 }),
  message: hostileString,
})

type RawRule = typeof rule extends fc.Arbitrary<infer R> ? R : never

/** `o || !o`: always true, never throws, and costs what `o` costs (twice). */
const tautology: fc.Arbitrary<Expr> = opExpr(path).map((o): Expr => {
  const op = o as Extract<Expr, { kind: 'op' }>
  return { kind: 'any', items: [{ kind: 'all', items: [op], span: S }, { kind: 'all', items: [{ ...op, negate: !op.negate }], span: S }], span: S }
})

/**
 * Rules of one action that match together at different costs (SPEC 1.5: the first in file order
 * wins, whatever order the emitter evaluates them in): a cheaper copy after a rule, or a costlier one
 * (the rule's own condition AND a tautology) before it.
 */
const sibling = fc.record({ at: fc.nat(), later: fc.boolean(), unconditional: fc.boolean(), tautology })
function withSiblings(rules: RawRule[], siblings: (typeof sibling extends fc.Arbitrary<infer X> ? X : never)[]): RawRule[] {
  const out = [...rules]
  for (const s of siblings) {
    if (out.length === 0) break
    const i = s.at % out.length
    const base = out[i]!
    if (s.later) {
      out.splice(i + 1, 0, { ...base, limit: undefined, hours: undefined, condition: s.unconditional ? null : s.tautology })
    } else {
      const condition: Expr = base.condition ? { kind: 'all', items: [base.condition, s.tautology], span: S } : s.tautology
      out.splice(i, 0, { ...base, limit: undefined, condition })
    }
  }
  return out
}

const policyArb = fc.record({
  rules: fc.tuple(fc.array(rule, { minLength: 0, maxLength: 6 }), fc.array(sibling, { maxLength: 3 })).map(([rules, siblings]) => withSiblings(rules, siblings)),
  resultRules: fc.array(fc.tuple(fc.nat({ max: 6 }), resultRule), { maxLength: 4 }),
  default: fc.constantFrom<Action>('allow', 'review', 'deny'),
  unknownTools: fc.constantFrom<Action>('allow', 'deny'),
  failMode: fc.constantFrom<'closed' | 'open'>('closed', 'open'),
  typed: fc.boolean(),
  normalize: fc.array(fc.option(fc.array(fc.record({ arg: fc.constantFrom('s', 'a', 'b', 'list'), kinds: fc.constantFrom<NormalizeKind[]>(['path'], ['url'], ['text', 'lower'], ['trim'], ['text', 'shell'], ['shell'], ['lower', 'trim']) }), { maxLength: 2 }), { nil: undefined }), { minLength: 3, maxLength: 3 }),
}).map(({ rules, resultRules, normalize, ...p }): Policy => ({
  name: 'gen`${x}`</script>',
  default: p.default,
  unknownTools: p.unknownTools,
  failMode: p.failMode,
  regexInputLimit: 4096,
  tools: TOOLS.map((name, i) => ({ name, redact: [], span: S, ...(normalize[i] && normalize[i]!.length > 0 ? { normalize: dedupe(normalize[i]!).map(n => ({ ...n, span: S })) } : {}), ...(p.typed && i === 0 ? { schema: { type: 'object', properties: { s: { type: 'string' }, n: { type: 'number' }, list: { type: 'array', items: { type: 'string' } } }, required: ['s'] } } : {}) })),
  context: [],
  params: [{ name: 'cap', type: 'number', default: 3, span: S }],
  rules: interleave(rules.map((r): Rule => {
    const out: Rule = { id: '', index: 0, action: r.warn ? 'allow' : r.action, warn: r.warn, tools: r.tools, condition: r.condition, message: r.message, tags: [], metadata: {}, span: S }
    if (r.limit) out.limit = { max: r.limit.max, perMs: 60_000, key: r.limit.key, span: S }
    if (r.hours) out.outsideHours = { ...r.hours, span: S }
    return out
  }), resultRules.map(([at, r]): [number, Rule] => {
    const out: Rule = { id: '', index: 0, action: r.action, warn: false, tools: r.tools, condition: r.condition, message: r.message, tags: [], metadata: {}, on: 'result', span: S }
    if (r.redact) out.redact = r.redact
    if (r.adds) out.adds = [...new Set(r.adds)]
    return [at, out]
  })),
  span: S,
}))

/** call rules with the result rules put in at their positions; ids and indexes in file order */
function interleave(calls: Rule[], results: [number, Rule][]): Rule[] {
  const out = [...calls]
  for (const [at, r] of results) out.splice(Math.min(at, out.length), 0, r)
  return out.map((r, index) => ({ ...r, index, id: `r${index}'"\`${index}` }))
}

const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>(tie => ({
  v: fc.oneof({ depthSize: 'small' }, scalar, fc.constant(undefined), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom(...KEYS), tie('v'), { maxKeys: 3 })),
})).v

const argsArb = fc.oneof(
  fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 5 }),
  fc.record({ s: hostileString, n: fc.integer(), list: fc.array(hostileString, { maxLength: 2 }) }),
  fc.record({ s: canonString, a: canonString, n: fc.integer() }),
  fc.constantFrom<unknown>(null, undefined, [], 'str', 5),
  fc.constantFrom('{"__proto__":{"s":"x"},"s":"a"}', '{"constructor":{"prototype":1},"s":"ab"}', '{"s":"12","length":3}').map(t => JSON.parse(t) as unknown),
)

const contextArb = fc.oneof(fc.constant(undefined), fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 4 }))
const anyInstant = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) })
const sessionArb = fc.option(fc.oneof(
  fc.record({ labels: fc.array(fc.constantFrom('secret', 'untrusted', 'injected', '__proto__', ''), { maxLength: 3 }) }),
  fc.record({ id: fc.constantFrom('s1', '__proto__'), labels: fc.array(fc.oneof(fc.constantFrom('secret', 'x'), fc.integer(), fc.constant(null)), { maxLength: 3 }) }),
  fc.constantFrom<unknown>({ labels: 'secret' }, { labels: null }, {}, null, 'secret', { labels: { 0: 'secret', length: 1 } }),
), { nil: undefined })

interface Call { tool: string; args: unknown; context: unknown; now: number; params: { cap: number } | undefined; session: unknown; result: unknown; cyclic: boolean }

/** Calls for one policy: half drawn at large, half built from the policy's own edges. */
function callArb(policy: Policy): fc.Arbitrary<Call> {
  const edges = edgesOf(policy)
  const instant = edgeInstant(edges)
  const typedArgs = (o: Record<string, unknown>): Record<string, unknown> => (Object.prototype.hasOwnProperty.call(o, 's') ? o : { s: 'ab', ...o })
  return fc.record({
    tool: fc.constantFrom(...TOOLS, ...TOOLS, 'unknown', 'toString'),
    args: fc.oneof(argsArb, edgeObject(edges, 'args', value), edgeObject(edges, 'args', value).map(typedArgs)),
    context: fc.oneof(contextArb, edgeObject(edges, 'context', value)),
    now: instant ? fc.oneof(anyInstant, instant) : anyInstant,
    params: fc.option(fc.record({ cap: fc.integer({ min: 0, max: 9 }) }), { nil: undefined }),
    session: sessionArb,
    result: fc.oneof(value, hostileString, fc.constantFrom<unknown>(10n, () => 1, Symbol('s'))),
    cyclic: fc.boolean(),
  })
}

/** one normaliser per argument (the compiler rejects a duplicate key, YAML being a map) */
function dedupe(list: Omit<ArgNormalizer, 'span'>[]): Omit<ArgNormalizer, 'span'>[] {
  return list.filter((n, i) => list.findIndex(m => m.arg === n.arg) === i)
}

/** a cyclic copy of `v` when asked (an object that holds itself), else `v` */
function withCycle(v: unknown, cyclic: boolean): unknown {
  if (!cyclic || v === null || typeof v !== 'object') return v
  const o = Array.isArray(v) ? [...v, undefined] : { ...v }
  if (Array.isArray(o)) o[o.length - 1] = o
  else Object.defineProperty(o, 'a', { value: { inner: o }, enumerable: true, writable: true, configurable: true })
  return o
}

function normalise(e: Record<string, unknown>): Record<string, unknown> {
  const out = { ...e }
  // error texts are each implementation's own; which rules were skipped, and that it shows, must agree
  if (Array.isArray(out['errors'])) {
    out['errors'] = (out['errors'] as string[]).map(m => m.replace(/ skipped: [^]*$/, ' skipped')).sort()
    out['reason'] = String(out['reason']).replace(/ ?\(fail_mode open: [^]*\)$/, ' (fail_mode open)')
  }
  if (typeof out['reason'] === 'string' && out['reason'].startsWith('evaluation error:')) out['reason'] = 'evaluation error'
  return JSON.parse(JSON.stringify(out)) as Record<string, unknown>
}

function reasonless(e: Record<string, unknown>): Record<string, unknown> {
  return typeof e['reason'] === 'string' && e['reason'].startsWith('evaluation error:') ? { ...e, reason: 'evaluation error' } : e
}

describe('emitted evaluate agrees with the reference interpreter', () => {
  it('on generated policies and hostile calls', async () => {
    await fc.assert(
      fc.asyncProperty(policyArb.chain(policy => fc.tuple(fc.constant(policy), fc.array(callArb(policy), { minLength: 10, maxLength: 10 }))), async ([policy, calls]) => {
        const out = emit(policy, { source: '', filename: 'gen.policy.yaml' })
        const mod = await importCode(out.code)
        const oracle = interpret(policy)
        for (const c of calls) {
          const options = { now: c.now, ...(c.params ? { params: c.params } : {}) }
          let compiled: Record<string, unknown>
          expect(() => { compiled = mod.evaluate(c.tool, c.args, c.context, options) as unknown as Record<string, unknown> }).not.toThrow()
          const reference = oracle.evaluate(c.tool, c.args, c.context, options) as unknown as Record<string, unknown>
          expect(normalise(compiled!)).toEqual(normalise(reference))
          expect(mod.canonicalArgs!(c.tool, c.args)).toEqual(oracle.canonicalArgs(c.tool, c.args))
          expect(mod.canonicalArgs!(c.tool, c.args, { words: false })).toEqual(oracle.canonicalArgs(c.tool, c.args, { words: false }))
          const visible = mod.visibleTools!(c.context, options)
          expect(visible).toEqual(oracle.visibleTools(c.context, options))
          // a hidden tool is still denied when called (under fail_mode closed: open lets an evaluation error allow)
          if (policy.failMode === 'closed' && TOOLS.includes(c.tool) && !visible.includes(c.tool) && c.args !== null && typeof c.args === 'object' && !Array.isArray(c.args)) {
            expect(compiled!['decision']).toBe('deny')
          }
          // the same call's result through the result rules, with the session in the options
          const withSession = { ...options, ...(c.session !== undefined ? { session: c.session as never } : {}) }
          expect(normalise(mod.evaluate(c.tool, c.args, c.context, withSession) as never)).toEqual(normalise(oracle.evaluate(c.tool, c.args, c.context, withSession) as never))
          const result = withCycle(c.result, c.cyclic)
          let compiledResult: Record<string, unknown>
          expect(() => { compiledResult = mod.evaluateResult!(c.tool, c.args, result, c.context, withSession) as unknown as Record<string, unknown> }).not.toThrow()
          const referenceResult = oracle.evaluateResult(c.tool, c.args, result, c.context, withSession) as unknown as Record<string, unknown>
          expect(reasonless(compiledResult!)).toEqual(reasonless(referenceResult))
        }
      }),
      // `npm run mutate` runs fewer (test/support/mutate-setup.ts): every emitter mutant runs this test
      { seed: 20261124, numRuns: Number(process.env['VETOC_PROPERTY_RUNS'] ?? 300) },
    )
  }, 600_000) // a shared, loaded machine: 300 policies × 10 calls, each policy emitted and imported from disk
})

describe('emitted evaluate agrees with the reference interpreter on every number spelling', () => {
  // whatever the number semantics are, both sides must read each spelling the same way; one rule per
  // comparison, so the reported rule says which comparison held
  const ops: OpName[] = ['greater_than', 'greater_than_or_equal', 'less_than', 'less_than_or_equal']
  const bounds: (number | string)[] = [11, '11', 0, -0.5]
  const rules: Rule[] = bounds.flatMap((bound, b) => ops.map((op, o): Rule => {
    const index = b * ops.length + o
    const condition: Expr = { kind: 'op', op, negate: false, subject: { kind: 'member', object: { kind: 'root', name: 'args', span: S }, key: 'n', optional: false, span: S }, value: { kind: 'lit', value: bound, span: S }, span: S }
    return { id: `${op}-${String(bound)}`, index, action: 'allow', warn: true, tools: '*', condition, message: '', tags: [], metadata: {}, span: S }
  }))
  const policy: Policy = { name: 'numbers', default: 'allow', unknownTools: 'deny', failMode: 'closed', regexInputLimit: 4096, tools: [{ name: 't', redact: [], span: S }], context: [], params: [], rules, span: S }
  const spellings = [...HOSTILE_NUMBER_SPELLINGS, ...bounds.flatMap(b => numberNearMisses(Number(b))), '0x20', ' 5 ', '.5', '5e-1', '-.5', '1e2', '1E2', '+11', '011', '11.', '٣']
  for (const n of spellings) {
    it(`args.n = ${typeof n === 'string' ? JSON.stringify(n) : Object.is(n, -0) ? '-0' : String(n)}`, async () => {
      const mod = await importCode(emit(policy, { source: '', filename: 'numbers.policy.yaml' }).code)
      const compiled = mod.evaluate('t', { n }, undefined, { now: 0 }) as unknown as Record<string, unknown>
      expect(normalise(compiled)).toEqual(normalise(interpret(policy).evaluate('t', { n }, undefined, { now: 0 }) as unknown as Record<string, unknown>))
    })
  }
})

describe('a number spelling as the policy\'s own comparison value', () => {
  // the value a policy author writes goes through lowering: every spelling either compiles to a rule
  // that agrees with the reference interpreter on the lowered policy, or is refused with a diagnostic
  // that says why (never an internal error, never a rule that silently differs: "1e400" was read as
  // a rule that never holds)
  const values = [...HOSTILE_NUMBER_SPELLINGS.filter(v => typeof v === 'string'), '1e400', '-1e400', '1e308', '2e-400', '11', '-0', '0.5e1']
  const args = [0, 11, 1e308, -1e308, Infinity, '1e400', 5, '5', -0]
  for (const value of values) {
    it(`value ${JSON.stringify(value)}`, async () => {
      const rules = (['greater_than', 'less_than_or_equal'] as const).map(op => `  - { id: ${op}, tool: t, action: deny, conditions: [ { field: args.n, operator: ${op}, value: ${JSON.stringify(value)} } ] }\n`).join('')
      const out = compile(`tools:\n  t: {}\nrules:\n${rules}`, { filename: 'spelling.policy.yaml' })
      const errors = out.diagnostics.filter(d => d.severity === 'error')
      if (out.policy === null) {
        expect(errors.map(d => d.code).filter(c => c !== 'invalid-type' && c !== 'invalid-value')).toEqual([])
        return
      }
      const mod = await importCode(out.code)
      const oracle = interpret(out.policy)
      for (const n of args) {
        expect(normalise(mod.evaluate('t', { n }, undefined, { now: 0 }) as unknown as Record<string, unknown>), `n = ${String(n)}`).toEqual(normalise(oracle.evaluate('t', { n }, undefined, { now: 0 }) as unknown as Record<string, unknown>))
      }
    })
  }
})

describe('emitted evaluate agrees with the reference interpreter on value-returning logic', () => {
  // `x.match(re) && y` yields the match result itself when there is none (null, not false): the
  // emitter may treat `match` as a truth test only where the value is used as one
  const s: Expr = { kind: 'member', object: { kind: 'root', name: 'args', span: S }, key: 's', optional: false, span: S }
  const match: Expr = { kind: 'call', method: 'match', receiver: s, args: [{ kind: 'regex', source: '^a', flags: '', span: S }], optional: true, span: S }
  const lit = (value: string | boolean): Expr => ({ kind: 'lit', value, span: S })
  const keys: Expr[] = [
    { kind: 'logical', op: '&&', left: match, right: lit('k'), span: S },
    { kind: 'logical', op: '||', left: match, right: lit('k'), span: S },
    { kind: 'logical', op: '??', left: match, right: lit('k'), span: S },
    { kind: 'binary', op: '===', left: { kind: 'logical', op: '&&', left: match, right: lit(true), span: S }, right: { kind: 'lit', value: null, span: S }, span: S },
  ]
  const rules: Rule[] = keys.map((key, index): Rule => ({ id: `k${index}`, index, action: 'allow', warn: false, tools: '*', condition: index === 3 ? key : null, limit: { max: 1, perMs: 1000, key, span: S }, message: '', tags: [], metadata: {}, span: S }))
  const policy: Policy = { name: 'logic', default: 'allow', unknownTools: 'deny', failMode: 'closed', regexInputLimit: 4096, tools: [{ name: 't', redact: [], span: S }], context: [], params: [], rules, span: S }
  for (const value of ['abc', 'xyz', '', undefined, 5]) {
    it(`args.s = ${JSON.stringify(value) ?? 'undefined'}`, async () => {
      const mod = await importCode(emit(policy, { source: '', filename: 'logic.policy.yaml' }).code)
      const compiled = mod.evaluate('t', { s: value }, undefined, { now: 0 }) as unknown as Record<string, unknown>
      expect(normalise(compiled)).toEqual(normalise(interpret(policy).evaluate('t', { s: value }, undefined, { now: 0 }) as unknown as Record<string, unknown>))
    })
  }
})
