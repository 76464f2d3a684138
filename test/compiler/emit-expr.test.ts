/**
 * The emitter's choice of code for each `when` expression form (compiler/emit/expr.ts), each
 * tested by a call whose decision a wrong choice would change. Found by `npm run mutate`: these are
 * forms the differential generator does not draw.
 */
import { describe, expect, it } from 'vitest'
import { SWITCH_MAX_TOOLS } from '../../compiler/emit/index.js'
import { compile } from '../../compiler/index.js'
import { importCode } from '../support/compiled.js'

type Module = { evaluate: (tool: string, args: unknown, context?: unknown) => { decision: string; rule?: string; reason?: string } }

async function load(rules: string, tools = 'tools: { t: {} }\n'): Promise<Module> {
  const out = compile(`${tools}rules:\n${rules}`, { filename: 'expr.policy.yaml' })
  expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
  return importCode(out.code) as never
}

const rule = (id: string, when: string, action = 'deny'): string => `  - { id: ${id}, tool: t, action: ${action}, when: ${JSON.stringify(when)} }\n`

describe('unary operators', () => {
  it('`-x` negates and `+x` keeps a number; both refuse anything else', async () => {
    const m = await load(rule('neg', '-args.n > 3') + rule('pos', '+args.m > 3', 'review'))
    expect(m.evaluate('t', { n: -5, m: 0 }).rule).toBe('neg')
    expect(m.evaluate('t', { n: 5, m: 0 }).decision).toBe('allow')
    expect(m.evaluate('t', { n: 0, m: 5 }).rule).toBe('pos')
    expect(m.evaluate('t', { n: 0, m: -5 }).decision).toBe('allow')
    // an evaluation error decides by the fail mode (closed: deny), with the helper's reason
    expect(m.evaluate('t', { n: '-5', m: 0 }).reason).toBe('evaluation error: unary `-` needs a number')
    expect(m.evaluate('t', { n: 0, m: '5' }).reason).toBe('evaluation error: unary `+` needs a number')
  })
})

describe('loose equality', () => {
  it('a literal on the left compares with the right side, null on either side tests for null or undefined', async () => {
    const m = await load(rule('lit-left', "'a' == args.s") + rule('null-left', 'null == args.z') + rule('null-left-not', 'null != args.w', 'review'))
    expect(m.evaluate('t', { s: 'a', w: null }).rule).toBe('lit-left')
    expect(m.evaluate('t', { s: 'b', w: null }).decision).toBe('deny')
    expect(m.evaluate('t', { s: 'b', w: null }).rule).toBe('null-left')
    expect(m.evaluate('t', { s: 'b', z: 0, w: null }).decision).toBe('allow')
    expect(m.evaluate('t', { s: 'b', z: 0, w: 0 }).rule).toBe('null-left-not')
    expect(m.evaluate('t', { s: 'b', z: 0 }).decision).toBe('allow')
  })
})

describe('dispatch on the tool name', () => {
  it('past SWITCH_MAX_TOOLS tools, a map from name to function: each tool its own rules, anything else unknown', async () => {
    const n = SWITCH_MAX_TOOLS + 8
    const tools = `unknown_tools: review\ntools:\n${Array.from({ length: n }, (_, i) => `  t${i}: {}\n`).join('')}`
    const rules = Array.from({ length: n }, (_, i) => `  - { id: r${i}, tool: t${i}, action: deny, when: "args.x === ${i}" }\n`).join('')
    const out = compile(`${tools}rules:\n${rules}`, { filename: 'many.policy.yaml' })
    expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
    expect(out.code).toContain('const TOOLS = new Map([')
    const m = (await importCode(out.code)) as unknown as Module
    for (const i of [0, 17, n - 1]) {
      expect(m.evaluate(`t${i}`, { x: i }).rule).toBe(`r${i}`)
      expect(m.evaluate(`t${i}`, { x: i + 1 }).decision).toBe('allow')
    }
    for (const tool of ['t', `t${n}`, 'toString', '__proto__', 'constructor', 0, null, ['t0']]) {
      const d = m.evaluate(tool as string, { x: 0 })
      expect(d.decision, String(tool)).toBe('review')
      expect(d.rule, String(tool)).toBeUndefined()
    }
  })
  it('up to SWITCH_MAX_TOOLS tools, a switch', () => {
    const out = compile('tools: { a: {}, b: {} }\n', { filename: 'few.policy.yaml' })
    expect(out.code).toContain('switch (tool) {')
    expect(out.code).not.toContain('new Map(')
  })
})

describe('string methods and operators, on an argument the schema proves a string and through the helpers', () => {
  const TYPED = 'tools:\n  t:\n    parameters: { type: object, properties: { s: { type: string }, t: { type: string } }, required: [s, t] }\n'
  const UNTYPED = 'tools:\n  t: {}\n'
  // dialect, condition, calls it holds for, calls it does not, the form a proved string gets, the form the helpers give
  const cases: [string, string, string[], string[], string, string][] = [
    ['when', "args.s.startsWith('/etc')", ['/etc/x', '/etc'], ['/tmp/etc/x', '/et'], 'strStarts.call(arg0', 'mStr('],
    ['when', "args.s.endsWith('.exe')", ['a.exe', '.exe'], ['a.exe.txt', 'exe'], 'strEnds.call(arg0', 'mStr('],
    ['when', "args.s.includes('x')", ['axb', 'x'], ['ab', ''], 'strIncludes.call(arg0', 'mIncludes('],
    ['when', "args.s.toLowerCase() === 'admin'", ['ADMIN', 'Admin'], ['admin2', 'ADMIN '], 'strLower.call(arg0', 'mCase('],
    ['when', "args.s.toUpperCase() === 'ROOT'", ['root', 'RooT'], ['roots'], 'strUpper.call(arg0', 'mCase('],
    ['when', "args.s.trim() === 'x'", ['  x ', 'x'], ['x y', ' y '], 'strTrim.call(arg0', 'mCase('],
    ['when', 'args.s.match(/^a+b/) !== null', ['aab', 'ab'], ['xab', 'ba'], 'reExec.call(re0, arg0', 'mMatch('],
    ['when', "args.s.match(/^a+b/)[0] === 'aab'", ['aabz'], ['abz'], 'reExec.call(re0, arg0', 'mMatch('],
    ['when', 'args.s.match(/^a+b/)', ['ab'], ['b'], 'reTest.call(re0, arg0', 'mFound('],
    ['when', '/^a/.test(args.s)', ['ab'], ['ba', ''], 'reTest.call(re0, arg0', 'mTest('],
    ['when', 'args.s.endsWith(args.t)', ['ab|b'], ['ab|a'], 'mStr(arg0', 'mStr('],
    ['when', 'args.s.startsWith(args.t)', ['ab|a'], ['ab|b'], 'mStr(arg0', 'mStr('],
    ['when', 'args.s.includes(args.t)', ['abc|b'], ['abc|d'], 'mIncludes(arg0', 'mIncludes('],
    ['conditions', '{ field: args.s, operator: starts_with, value: /etc }', ['/etc/x'], ['/tmp/etc/x'], 'strStarts.call(arg0', 'opStarts('],
    ['conditions', '{ field: args.s, operator: ends_with, value: .exe }', ['a.exe'], ['a.exe.txt'], 'strEnds.call(arg0', 'opEnds('],
    ['conditions', '{ field: args.s, operator: contains, value: x }', ['axb'], ['ab'], 'strIncludes.call(arg0', 'opContains('],
    ['conditions', '{ field: args.s, operator: not_contains, value: x }', ['ab'], ['axb'], '!strIncludes.call(arg0', 'opContains('],
    ['conditions', "{ field: args.s, operator: matches, value: '^a+b$' }", ['aab'], ['aabc'], 'reTest.call(re0, arg0', 'opMatches('],
    ['conditions', '{ field: args.s, operator: not_ends_with, value: .exe }', ['a.txt'], ['a.exe'], '!strEnds.call(arg0', 'opEnds('],
  ]
  for (const [dialect, cond, hits, misses, direct, helper] of cases) for (const TOOLS of [TYPED, UNTYPED]) {
    it(`${dialect}: ${cond}${TOOLS === TYPED ? '' : ' (untyped)'}`, async () => {
      const r = dialect === 'when' ? `  - id: r\n    tool: t\n    action: deny\n    when: ${JSON.stringify(cond)}\n` : `  - id: r\n    tool: t\n    action: deny\n    conditions: [ ${cond} ]\n`
      const m = await load(r, TOOLS)
      // the tool function calls the method itself on a proved string (the helper's type tests are
      // not needed there), and the helper otherwise
      const code = compile(`${TOOLS}rules:\n${r}`, { filename: 'expr.policy.yaml' }).code
      expect(code.slice(code.indexOf('function tool0(')), cond).toContain(TOOLS === TYPED ? direct : helper)
      const call = (v: string): { s: string; t: string } => {
        const [s, t = ''] = v.split('|')
        return { s: s!, t }
      }
      for (const v of hits) expect(m.evaluate('t', call(v)), v).toMatchObject({ decision: 'deny', rule: 'r' })
      for (const v of misses) expect(m.evaluate('t', call(v)), v).toMatchObject({ decision: 'allow', ruleIndex: -1 })
    })
  }
})

describe('member reads', () => {
  it('a computed key reads the own property it names, a number as its decimal text, `length` as the length', async () => {
    const m = await load(rule('by-name', 'args[args.k] === 1') + rule('by-index', "args.list[args.i] === 'x'", 'review') + rule('len', "args.list['length'] === 3", 'review'))
    expect(m.evaluate('t', { k: 'a', a: 1 }).rule).toBe('by-name')
    expect(m.evaluate('t', { k: 'b', a: 1 }).decision).toBe('allow')
    // inherited names read nothing
    expect(m.evaluate('t', { k: 'toString' }).decision).toBe('allow')
    expect(m.evaluate('t', { k: 'x', i: 1, list: ['w', 'x'] }).rule).toBe('by-index')
    expect(m.evaluate('t', { k: 'x', i: 0, list: ['w', 'x'] }).decision).toBe('allow')
    expect(m.evaluate('t', { k: 'x', i: 0, list: ['w', 'y', 'z'] }).rule).toBe('len')
  })
  it('a property of a nested object, and a param, with its default or the value the caller gives', async () => {
    const m = await load(rule('nested', 'args.o.p === 1') + rule('cap', 'args.n > params.cap', 'review'), 'params:\n  cap: { type: number, default: 5 }\ntools: { t: {} }\n')
    expect(m.evaluate('t', { o: { p: 1 }, n: 0 }).rule).toBe('nested')
    expect(m.evaluate('t', { o: Object.create({ p: 1 }), n: 0 }).decision).toBe('allow')
    expect(m.evaluate('t', { o: {}, n: 6 }).rule).toBe('cap')
    expect(m.evaluate('t', { o: {}, n: 5 }).decision).toBe('allow')
    const withCap = (n: number, cap: number) => (m.evaluate as (t: string, a: unknown, c: unknown, o: unknown) => { decision: string })('t', { o: {}, n }, {}, { params: { cap } }).decision
    expect(withCap(3, 2)).toBe('review')
    expect(withCap(6, 10)).toBe('allow')
    // one param is one direct read, not the object of every param built on each call
    const code = compile(`params:\n  cap: { type: number, default: 5 }\ntools: { t: {} }\nrules:\n${rule('cap', 'args.n > params.cap')}`, { filename: 'expr.policy.yaml' }).code
    expect(code).toContain('param(o, "cap", ')
    expect(code.split('params(o)').length - 1).toBe(1) // its definition, for rules that read the whole object
  })
})

describe('ordering comparisons on a typed argument', () => {
  const TYPED = 'tools:\n  t:\n    parameters: { type: object, properties: { n: { type: number }, m: { type: number } }, required: [n, m] }\n'
  it('each operator at its boundary, in both dialects', async () => {
    for (const [js, op] of [['<', 'less_than'], ['<=', 'less_than_or_equal'], ['>', 'greater_than'], ['>=', 'greater_than_or_equal']] as const) {
      const m = await load(rule('w', `args.n ${js} 5`) + `  - { id: c, tool: t, action: review, conditions: [ { field: args.m, operator: ${op}, value: 5 } ] }\n`, TYPED)
      const holds = (n: number): boolean => (js === '<' ? n < 5 : js === '<=' ? n <= 5 : js === '>' ? n > 5 : n >= 5)
      // a value for which the other rule does not hold
      const idle = js.startsWith('<') ? 100 : -100
      for (const n of [4, 4.5, 5, 5.5, 6, -0]) {
        expect(m.evaluate('t', { n, m: idle }).rule, `when ${js} ${n}`).toBe(holds(n) ? 'w' : undefined)
        expect(m.evaluate('t', { n: idle, m: n }).rule, `${op} ${n}`).toBe(holds(n) ? 'c' : undefined)
      }
    }
  })
})

describe('forms a proved string must not take', () => {
  const TYPED = 'tools:\n  t:\n    parameters: { type: object, properties: { s: { type: string } }, required: [s] }\n'
  it('`contains` a number is never true of a string (no coercion to "5"), and `exists` holds for any present value', async () => {
    const m = await load('  - { id: five, tool: t, action: deny, conditions: [ { field: args.s, operator: contains, value: 5 } ] }\n  - { id: here, tool: t, action: review, conditions: [ { field: args.s, operator: exists } ] }\n', TYPED)
    expect(m.evaluate('t', { s: 'a5' }).rule).toBe('here')
    expect(m.evaluate('t', { s: '' }).rule).toBe('here')
  })
  it('the left side of `??` keeps its value in a truth test: no match is null, so the right side decides', async () => {
    const m = await load(rule('q', 'args.s.match(/^a/) ?? true'), TYPED)
    expect(m.evaluate('t', { s: 'b' }).rule).toBe('q')
    expect(m.evaluate('t', { s: 'ab' }).rule).toBe('q')
    const n = await load(rule('q', 'args.s.match(/^a/) ?? false'), TYPED)
    expect(n.evaluate('t', { s: 'b' }).decision).toBe('allow')
  })
})

describe('empty condition lists', () => {
  it('`conditions: []` and an empty group hold for every call (all of nothing), as a rule without conditions does', async () => {
    const m = await load('  - { id: none, tool: t, action: deny, conditions: [] }\n')
    expect(m.evaluate('t', {}).rule).toBe('none')
    const g = await load('  - { id: empty-group, tool: t, action: deny, condition_groups: [[], [ { field: args.a, operator: equals, value: 1 } ]] }\n')
    expect(g.evaluate('t', { a: 2 }).rule).toBe('empty-group')
  })
})
