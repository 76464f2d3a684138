/** Prototype-looking labels are ordinary labels, end to end: policy, guard, memory store, rules. */
import { describe, expect, it } from 'vitest'
import { createGuard } from '../../src/guard.js'
import { compileModule } from '../support/compiled.js'

describe('labels named like prototype keys', () => {
  it('`__proto__` and `constructor` are kept, read and decided on like any label', async () => {
    const { module } = await compileModule(`tools:\n  taint:\n    adds: [__proto__, constructor]\n  send: {}\nrules:\n  - id: proto\n    tool: send\n    when: "session.labels.includes('__proto__')"\n    action: deny\n  - id: ctor\n    tool: send\n    conditions:\n      - { field: session.labels, operator: contains, value: constructor }\n    action: review\n`)
    expect(module.policy.adds).toEqual({ taint: ['__proto__', 'constructor'], send: [] })
    const guard = createGuard(module)
    const s = guard.session('__proto__')
    expect(await s.call('send', {})).toMatchObject({ decision: 'allow' })
    expect(await s.result('taint', {}, 'x')).toMatchObject({ action: 'pass', adds: ['__proto__', 'constructor'], labels: ['__proto__', 'constructor'] })
    expect(await s.call('send', {})).toMatchObject({ decision: 'deny', rule: 'proto' })
    expect(await guard.session('other').call('send', {})).toMatchObject({ decision: 'allow' })
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })
})
