/**
 * The tool function's reads (compiler/emit/reads.ts): each argument and each always-read context
 * field read once into a local, direct reads only where no prototype can answer, and comparisons
 * specialised on numbers. Each test is an input where a shortcut would change the decision.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { compile } from '../../compiler/index.js'
import { importCode } from '../support/compiled.js'

async function load(yaml: string): Promise<{ evaluate: (tool: string, args: unknown, context?: unknown) => { decision: string; rule?: string; reason?: string } }> {
  const out = compile(yaml, { filename: 'reads.policy.yaml' })
  expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
  return importCode(out.code) as never
}

const SMS = `
name: reads
default: allow
fail_mode: closed
tools:
  send_sms:
    parameters:
      type: object
      properties: { to: { type: string }, body: { type: string }, n: { type: integer } }
      required: [n, to, body]
context:
  hourly_calls: number
  local_hour: number
  quiet: boolean
  boom: number
rules:
  - id: cap
    tool: send_sms
    when: "context.hourly_calls >= 60"
    action: deny
  - id: hours
    tool: send_sms
    when: "context.local_hour < 9 || context.local_hour >= 20"
    action: deny
  - id: quiet-needs-hour
    tool: send_sms
    when: "context.quiet === true && context.boom > 0"
    action: deny
  - id: no-premium
    tool: send_sms
    when: "args.to.startsWith('+1900')"
    action: deny
`

const polluted: string[] = []
afterEach(() => {
  for (const k of polluted.splice(0)) delete (Object.prototype as Record<string, unknown>)[k]
})
function pollute(key: string, value: unknown): void {
  polluted.push(key)
  ;(Object.prototype as Record<string, unknown>)[key] = value
}

describe('reads once, own properties only', () => {
  it('reads each argument and each always-read context field once', async () => {
    const m = await load(SMS)
    const reads: Record<string, number> = {}
    const counted = (o: Record<string, unknown>): Record<string, unknown> => {
      const out = {}
      for (const [k, v] of Object.entries(o)) Object.defineProperty(out, k, { enumerable: true, get: () => ((reads[k] = (reads[k] ?? 0) + 1), v) })
      return out
    }
    const d = m.evaluate('send_sms', counted({ to: '+15550100', body: 'hi', n: 1 }), counted({ hourly_calls: 3, local_hour: 12, quiet: false }))
    expect(d.decision).toBe('allow')
    expect(reads).toEqual({ to: 1, body: 1, n: 1, hourly_calls: 1, local_hour: 1, quiet: 1 })
  })

  it('under fail_mode open reads no context field ahead: a getter that throws skips only the rule that reads it', async () => {
    const m = await load(`fail_mode: open\ntools: { t: {} }\ncontext: { boom: number }\nrules:\n  - { id: hot, tool: t, action: deny, when: "context.boom > 0" }\n  - { id: x, tool: t, action: review, when: "args.x == 1" }\n`)
    const d = m.evaluate('t', { x: 1 }, { get boom(): number { throw new Error('boom read') } })
    expect(d).toMatchObject({ decision: 'review', rule: 'x' })
    expect(d.reason).toMatch(/rule `hot` skipped: boom read/)
  })

  it('does not read ahead a context field only some evaluations read', async () => {
    const m = await load(SMS)
    // `context.boom` is read only when `context.quiet === true`: its throwing getter must not decide
    const context = (quiet: boolean): object => ({ hourly_calls: 3, local_hour: 12, quiet, get boom(): number { throw new Error('boom read') } })
    expect(m.evaluate('send_sms', { to: '+15550100', body: 'hi', n: 1 }, context(false)).decision).toBe('allow')
    expect(m.evaluate('send_sms', { to: '+15550100', body: 'hi', n: 1 }, context(true)).reason).toMatch(/boom read/)
  })

  it('keeps the values Ajv accepted where the fast check did not (an integer the fast check is stricter about)', async () => {
    const m = await load(SMS)
    // `n: Infinity` fails the fast check (Infinity % 1 is NaN) and passes Ajv's; `to` must still reach the rule
    expect(m.evaluate('send_sms', { n: Infinity, to: '+19005550100', body: 'hi' }).rule).toBe('no-premium')
    expect(m.evaluate('send_sms', { n: Infinity, to: '+15550100', body: 'hi' }).decision).toBe('allow')
  })

  it('ignores polluted Object.prototype properties, for arguments and context', async () => {
    const m = await load(SMS)
    const ok = { to: '+15550100', body: 'hi', n: 1 }
    expect(m.evaluate('send_sms', ok, { local_hour: 12 }).decision).toBe('allow')
    pollute('hourly_calls', 99)
    pollute('to', '+19005550100')
    expect(m.evaluate('send_sms', ok, { local_hour: 12 }).decision).toBe('allow')
    expect(m.evaluate('send_sms', { body: 'hi', n: 1 }, { local_hour: 12 }).reason).toMatch(/missing required argument `to`/)
  })

  it('ignores inherited properties of objects with other prototypes, and reads null-prototype objects', async () => {
    const m = await load(SMS)
    const args = Object.assign(Object.create({ to: '+19005550100' }) as object, { body: 'hi', n: 1 })
    expect(m.evaluate('send_sms', args, { local_hour: 12 }).reason).toMatch(/missing required argument `to`/)
    const context = Object.create({ hourly_calls: 99 }) as Record<string, unknown>
    context['local_hour'] = 12
    expect(m.evaluate('send_sms', { to: '+15550100', body: 'hi', n: 1 }, context).decision).toBe('allow')
    const bare = Object.assign(Object.create(null) as object, { to: '+19005550100', body: 'hi', n: 1 })
    const bareContext = Object.assign(Object.create(null) as object, { hourly_calls: 75, local_hour: 12 })
    expect(m.evaluate('send_sms', bare, bareContext).rule).toBe('cap')
    expect(m.evaluate('send_sms', bare, { local_hour: 12 }).rule).toBe('no-premium')
  })

  it('takes an own `__proto__` (as JSON.parse makes it) for what it is', async () => {
    const m = await load(SMS)
    const args = JSON.parse('{"__proto__": {"to": "+15550100"}, "body": "hi", "n": 1}') as unknown
    expect(m.evaluate('send_sms', args).reason).toMatch(/missing required argument `to`/)
    const context = JSON.parse('{"__proto__": {"hourly_calls": 1}, "hourly_calls": 75, "local_hour": 12}') as unknown
    expect(m.evaluate('send_sms', { to: '+15550100', body: 'hi', n: 1 }, context).rule).toBe('cap')
  })

  it('a polluting getter cannot slip a later read past the own-property check', async () => {
    const m = await load(SMS)
    // reading `to` pollutes Object.prototype.hourly_calls; the later context read must not see it
    const args = { body: 'hi', n: 1, get to(): string { pollute('hourly_calls', 99); return '+15550100' } }
    expect(m.evaluate('send_sms', args, { local_hour: 12 }).decision).toBe('allow')
  })
})

describe('what counts as always read', () => {
  // Two rules read `context.f` where every evaluation reads it: it is read once, up front. A position
  // the emitter failed to see as always read would leave a read in each rule (two reads).
  const cases: [string, string, string, unknown, string][] = [
    ['a computed key', 'args[context.f] === 1', 'args[context.f] === 2', 'k', 'string'],
    ['the test of ?:', 'context.f ? args.a === 1 : false', 'context.f ? args.a === 2 : false', true, 'boolean'],
    ['a quantifier\'s array', 'context.f.some(x => x === 1)', 'context.f.some(x => x === 2)', [3], 'number[]'],
    ['an array literal\'s items', "[context.f, 'z'].includes(args.a)", "[context.f, 'y'].includes(args.a)", 'q', 'string'],
    ['a detector\'s argument', 'containsSecret(context.f) && args.a === 1', 'containsSecret(context.f) && args.a === 2', 'hello', 'string'],
    ['url()', 'url(context.f) == null && args.a === 1', 'url(context.f) == null && args.a === 2', 'http://h.example/', 'string'],
    ['isPrivateAddress()', 'isPrivateAddress(context.f) && args.a === 1', 'isPrivateAddress(context.f) && args.a === 2', '10.0.0.1', 'string'],
    ['ipInRange()', "ipInRange(context.f, '10.0.0.0/8') && args.a === 1", "ipInRange(context.f, '10.0.0.0/8') && args.a === 2", '10.0.0.1', 'string'],
  ]
  it.each(cases)('%s', async (_, first, second, value, type) => {
    const m = await load(`tools: { t: {} }\ncontext: { f: ${JSON.stringify(type)} }\nrules:\n  - { id: one, tool: t, action: deny, when: ${JSON.stringify(first)} }\n  - { id: two, tool: t, action: deny, when: ${JSON.stringify(second)} }\n`)
    let reads = 0
    const d = m.evaluate('t', { a: 0 }, { get f() { reads++; return value } })
    expect(d.reason ?? '').not.toMatch(/error/)
    expect(d.decision).toBe('allow')
    expect(reads).toBe(1)
  })
  it('the first item of `conditions` and of a `condition_groups` group', async () => {
    const cond = (a: number): string => `[{ field: context.f, operator: equals, value: x }, { field: arguments.a, operator: equals, value: ${a} }]`
    const m = await load(`tools: { t: {} }\ncontext: { f: string }\nrules:\n  - { id: one, tool: t, action: deny, conditions: ${cond(1)} }\n  - { id: two, tool: t, action: deny, condition_groups: [${cond(2)}, ${cond(3)}] }\n`)
    let reads = 0
    expect(m.evaluate('t', { a: 0 }, { get f() { reads++; return 'x' } }).decision).toBe('allow')
    expect(reads).toBe(1)
  })
  it('a URL part in `conditions`', async () => {
    const cond = (a: number): string => `[{ field: context.f.hostname, operator: equals, value: h.example }, { field: arguments.a, operator: equals, value: ${a} }]`
    const m = await load(`tools: { t: {} }\ncontext: { f: string }\nrules:\n  - { id: one, tool: t, action: deny, conditions: ${cond(1)} }\n  - { id: two, tool: t, action: deny, conditions: ${cond(2)} }\n`)
    let reads = 0
    expect(m.evaluate('t', { a: 0 }, { get f() { reads++; return 'http://h.example/' } }).decision).toBe('allow')
    expect(reads).toBe(1)
  })
})

describe('number comparisons on locals', () => {
  it('compare numbers directly and every other spelling as before', async () => {
    const m = await load(SMS)
    const args = { to: '+15550100', body: 'hi', n: 1 }
    expect(m.evaluate('send_sms', args, { hourly_calls: 60, local_hour: 12 }).rule).toBe('cap')
    expect(m.evaluate('send_sms', args, { hourly_calls: 59.5, local_hour: 12 }).decision).toBe('allow')
    // a JSON-number string compares as its number; other number-like strings and NaN are errors
    expect(m.evaluate('send_sms', args, { hourly_calls: '75', local_hour: 12 }).rule).toBe('cap')
    expect(m.evaluate('send_sms', args, { hourly_calls: ' 75', local_hour: 12 }).reason).toMatch(/^evaluation error: cannot compare the string/)
    expect(m.evaluate('send_sms', args, { hourly_calls: NaN, local_hour: 12 }).reason).toMatch(/^evaluation error: cannot compare NaN/)
    expect(m.evaluate('send_sms', args, { hourly_calls: 3, local_hour: { valueOf: () => 22 } }).reason).toMatch(/^evaluation error: cannot compare a value of type object/)
    expect(m.evaluate('send_sms', args, { hourly_calls: 3, local_hour: 22 }).rule).toBe('hours')
    expect(m.evaluate('send_sms', args, { hourly_calls: 3, local_hour: -0 }).rule).toBe('hours')
  })
})

describe('the direct forms on locals', () => {
  const TYPED = 'tools:\n  t:\n    parameters: { type: object, properties: { s: { type: string }, o: { type: string }, n: { type: number } }, required: [s, n] }\ncontext:\n  s: string\n  n: number\nrules:\n'
  const build = (when: string): string => {
    const out = compile(`${TYPED}  - { id: r, tool: t, action: deny, when: ${JSON.stringify(when)} }\n`, { filename: 'reads.policy.yaml' })
    expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
    return out.code.split('\n').find(l => l.includes('const m0 ='))!.trim()
  }
  it('a number compared with a number literal, an argument or a context field, is compared directly when it is a number', () => {
    expect(build('args.n < 5')).toMatch(/typeof arg\d+ === "number" && arg\d+ === arg\d+ \? arg\d+ < 5 : lt\(/)
    expect(build('context.n >= 1.5')).toMatch(/typeof ctx\d+ === "number" && ctx\d+ === ctx\d+ \? ctx\d+ >= 1.5 : ge\(/)
  })
  it('a method of a required string argument is called on it; an optional one goes through the helper', () => {
    expect(build("args.s.startsWith('x')")).toMatch(/^const m0 = !!\(strStarts\.call\(arg\d+, "x"\)\);$/)
    expect(build("args.o?.startsWith('x') == true")).toContain('mStr(')
  })
  it('a context field is never read through an argument\'s local of the same name', async () => {
    const m = await load(`${TYPED}  - { id: r, tool: t, action: deny, when: "context.s != null && context.s.startsWith('x')" }\n  - { id: q, tool: t, action: review, when: "context.n > 3" }\n`)
    expect(m.evaluate('t', { s: 'xa', n: 9 }, { s: 'b', n: 1 }).decision).toBe('allow')
    expect(m.evaluate('t', { s: 'b', n: 1 }, { s: 'xa', n: 9 }).rule).toBe('r')
    expect(m.evaluate('t', { s: 'b', n: 1 }, { s: 'b', n: 9 }).rule).toBe('q')
  })
  it('an optional string argument that is absent is not called', async () => {
    const m = await load(`${TYPED}  - { id: r, tool: t, action: deny, when: "args.o?.startsWith('x') == true" }\n`)
    expect(m.evaluate('t', { s: 'a', n: 1 })).toMatchObject({ decision: 'allow' })
    expect(m.evaluate('t', { s: 'a', n: 1, o: 'xy' }).rule).toBe('r')
  })
})

describe('a context field read in every evaluation is read once, ahead, for all rules', () => {
  // two rules read the same field in the same position: read ahead, it is read once; left where it
  // is, once per rule. Each position below is one the field is read in whatever the values are.
  const positions: [string, Record<string, unknown>][] = [
    ['context.x > 0 || args.n > 5', { x: 1 }],
    ['(context.x ? 1 : 2) === 1', { x: 1 }],
    ['[context.x].includes(7)', { x: 1 }],
    ['!context.x', { x: 1 }],
    ['1 > context.x', { x: 1 }],
    ['context.x < 0', { x: 1 }],
    ["context.s?.startsWith('zz') === true", { s: 'a' }],
    ["args.t.startsWith(context.s ?? 'q')", { s: 'zz' }],
    ['context.xs.some(v => v === 9)', { xs: [1] }],
    ['containsSecret(context.s)', { s: 'a' }],
    ["url(context.s).hostname === 'zz'", { s: 'https://a.example/' }],
    ['context.o.k === 9', { o: { k: 1 } }],
    ['args.m[context.s] === 9', { s: 'a' }],
  ]
  const field = (ctx: Record<string, unknown>): string => Object.keys(ctx)[0]!
  it.each(positions)('%s', async (when, ctx) => {
    const src = `tools:\n  t: {}\ncontext:\n  x: number\n  s: string\n  xs: unknown\n  o: unknown\nrules:\n  - { id: a, tool: t, action: deny, when: ${JSON.stringify(when)} }\n  - { id: b, tool: t, action: review, when: ${JSON.stringify(when)} }\n`
    const m = await load(src)
    let reads = 0
    const counted = Object.defineProperty({}, field(ctx), { enumerable: true, get: () => (reads++, ctx[field(ctx)]) })
    m.evaluate('t', { t: 'zz-a', n: 1, m: {} }, counted)
    expect(reads).toBe(1)
  })
})
