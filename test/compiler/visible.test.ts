/**
 * `visibleTools(context?)` (SPEC 4.2): which rules decide visibility statically (compiler/visible.ts),
 * pinned case by case; test/property/differential.test.ts holds the emitted function to the
 * reference interpreter and checks that a hidden tool's calls are denied.
 */
import { describe, expect, it } from 'vitest'
import { compileModule } from '../support/compiled.js'

async function visible(rules: string, extra = '', context?: unknown, options?: object): Promise<string[]> {
  const { module } = await compileModule(`${extra}tools:
  a: {}
  b: {}
context:
  role: string
  calls: { count: { per: 1h } }
params:
  open: { type: boolean, default: false }
rules:
${rules}`, 'visible.policy.yaml')
  return module.visibleTools!(context, options as never)
}

describe('visibleTools', () => {
  it('hides a tool whose deny rule reads only context, params, tool or literals, and holds', async () => {
    const rule = `  - { id: r, tool: a, action: deny, when: "context?.role != 'admin' || !params.open || tool == 'x'" }\n`
    expect(await visible(rule)).toEqual(['b'])
    expect(await visible(rule, '', { role: 'admin' })).toEqual(['b'])
    expect(await visible(rule, '', { role: 'admin' }, { params: { open: true } })).toEqual(['a', 'b'])
    expect(await visible(`  - { id: r, action: deny }\n`)).toEqual([])
    expect(await visible(`  - { id: r, action: deny, when: "containsSecret(context)" }\n`.replace('context)', 'context?.role)'), '', { role: 'AKIAABCDEFGHIJKLMNOP' })).toEqual([])
  })

  it('keeps a tool whose deny depends on the arguments, a counter, the clock or a limit', async () => {
    expect(await visible(`  - { id: r, tool: a, action: deny, when: "args.x == 1 || context.role != 'admin'" }\n`)).toEqual(['a', 'b'])
    expect(await visible(`  - { id: r, tool: a, action: deny, when: "context.calls > 5" }\n`, '', { calls: 10 })).toEqual(['a', 'b'])
    expect(await visible(`  - { id: r, tool: a, action: deny, outside_hours: { from: "00:00", to: "00:01", tz: UTC } }\n`)).toEqual(['a', 'b'])
    expect(await visible(`  - { id: r, tool: a, action: deny, limit: { max: 0, per: 1h } }\n`)).toEqual(['a', 'b'])
    expect(await visible(`  - { id: r, tool: a, action: warn, when: "true" }\n`)).toEqual(['a', 'b'])
  })

  it('under `default: deny`, shows a tool only when some allow or review rule could match', async () => {
    const d = 'default: deny\n'
    expect(await visible(`  - { id: r, tool: a, action: allow, when: "context?.role == 'admin'" }\n`, d)).toEqual([])
    expect(await visible(`  - { id: r, tool: a, action: allow, when: "context?.role == 'admin'" }\n`, d, { role: 'admin' })).toEqual(['a'])
    expect(await visible(`  - { id: r, tool: a, action: review, when: "args.x == 1" }\n`, d)).toEqual(['a'])
    expect(await visible(`  - { id: r, tool: a, action: log, when: "context?.role == 'ops'" }\n`, d, { role: 'ops' })).toEqual(['a'])
    expect(await visible(`  - { id: r, tool: a, action: allow, limit: { max: 1, per: 1h } }\n`, d)).toEqual(['a'])
  })

  it('lets the fail mode decide when a static condition throws', async () => {
    // the context is the caller's: a declared string may arrive as a number
    const rule = `  - { id: r, tool: a, action: allow, when: "context.role != null && context.role.startsWith('x')" }\n`
    expect(await visible(rule, '', { role: 5 })).toEqual(['b'])
    expect(await visible(rule, 'fail_mode: open\n', { role: 5 })).toEqual(['a', 'b'])
    expect(await visible(rule, '', { role: 'xy' })).toEqual(['a', 'b'])
  })
})

describe('visibleTools under a deny default', () => {
  it('a tool is listed when any of its static allow rules holds, and not when none does', async () => {
    const rules = `  - { id: x, tool: a, action: allow, when: "context?.role == 'x'" }\n  - { id: y, tool: a, action: allow, when: "context?.role == 'y'" }\n  - { id: z, tool: b, action: allow, when: "args.k == 1" }\n`
    expect(await visible(rules, 'default: deny\n', { role: 'y' })).toEqual(['a', 'b'])
    expect(await visible(rules, 'default: deny\n', { role: 'x' })).toEqual(['a', 'b'])
    expect(await visible(rules, 'default: deny\n', { role: 'w' })).toEqual(['b'])
  })
})

describe('the emitted visibleTools', () => {
  const tools = 'tools:\n  a: {}\n  b: {}\ncontext:\n  role: string\n'
  it('a tool nothing static can hide is pushed as it is, without a function of its own', async () => {
    const free = await compileModule(`${tools}rules:\n  - { id: r, tool: a, action: deny, when: "args.x == 1" }\n`, 'visible.policy.yaml')
    expect(free.result.code).not.toMatch(/function vis\d/)
    expect(free.module.visibleTools!({})).toEqual(['a', 'b'])
    // a static review rule hides nothing, but under `closed` its error would deny every call of `a`
    const review = `rules:\n  - { id: r, tool: a, action: review, when: "context.role != null && context.role.startsWith('x')" }\n`
    const closed = await compileModule(`${tools}${review}`, 'visible.policy.yaml')
    expect(closed.result.code.match(/function vis\d/g)).toHaveLength(1)
    expect(closed.module.visibleTools!({ role: 5 })).toEqual(['b'])
    const open = await compileModule(`fail_mode: open\n${tools}${review}`, 'visible.policy.yaml')
    expect(open.result.code).not.toMatch(/function vis\d/)
    expect(open.module.visibleTools!({ role: 5 })).toEqual(['a', 'b'])
  })
})

describe('visibleTools with several static rules on one tool', () => {
  it('a tool is hidden when any of its static deny rules holds, and listed when none does', async () => {
    const rules = `  - { id: x, tool: a, action: deny, when: "context?.role == 'x'" }\n  - { id: y, tool: a, action: deny, when: "context?.role == 'y'" }\n`
    expect(await visible(rules, '', { role: 'x' })).toEqual(['b'])
    expect(await visible(rules, '', { role: 'y' })).toEqual(['b'])
    expect(await visible(rules, '', { role: 'w' })).toEqual(['a', 'b'])
  })
})
