/**
 * SPEC 1.5: under `fail_mode: open` a rule whose evaluation throws is skipped, and only that rule;
 * the other rules still decide, and the error is noted on the decision and its record. Under
 * `closed` any error still denies.
 */
import { describe, expect, it } from 'vitest'
import { createGuard } from '../../src/guard.js'
import { createMemorySink } from '../../src/records/index.js'
import { compileModule } from '../support/compiled.js'

const policy = (mode: 'open' | 'closed'): string => `fail_mode: ${mode}
tools:
  fetch: {}
rules:
  - id: no-evil
    tool: fetch
    action: deny
    when: "args.url == 'evil'"
  - id: small-n
    tool: fetch
    action: deny
    when: "args.n * 2 > 10"
`

describe('fail_mode open skips only the rule that failed', () => {
  it('the issue\'s attack: a rule made to throw no longer switches off another rule\'s deny', async () => {
    const { module } = await compileModule(policy('open'))
    const d = module.evaluate('fetch', JSON.parse('{"url":"evil","n":"x"}'))
    expect(d).toMatchObject({ decision: 'deny', rule: 'no-evil' })
    expect(d.errors).toEqual(['rule `small-n` skipped: `*` needs two numbers'])
    expect(d.reason).toBe('no-evil (fail_mode open: rule `small-n` skipped: `*` needs two numbers)')
  })

  it('with nothing else matching, the failing rule is skipped and the default decides, saying why', async () => {
    const { module } = await compileModule(policy('open'))
    const d = module.evaluate('fetch', { url: 'fine', n: 'x' })
    expect(d.decision).toBe('allow')
    expect(d.reason).toMatch(/^no rule matched.* \(fail_mode open: rule `small-n` skipped: `\*` needs two numbers\)$/)
    expect(module.evaluate('fetch', { url: 'fine', n: 6 })).toMatchObject({ decision: 'deny', rule: 'small-n' })
    expect(module.evaluate('fetch', { url: 'fine', n: 1 }).errors).toBeUndefined()
  })

  it('under closed the same call is denied by the error', async () => {
    const { module } = await compileModule(policy('closed'))
    expect(module.evaluate('fetch', { url: 'fine', n: 'x' })).toMatchObject({ decision: 'deny', reason: 'evaluation error: `*` needs two numbers' })
  })

  it('the error reaches the decision record', async () => {
    const { module } = await compileModule(policy('open'))
    const sink = createMemorySink()
    const guard = createGuard(module, { sink })
    expect(await guard('fetch', { url: 'evil', n: 'x' })).toMatchObject({ decision: 'deny', rule: 'no-evil' })
    expect(await guard('fetch', { url: 'ok', n: 'x' })).toMatchObject({ decision: 'allow' })
    expect(sink.records.map(r => r.reason)).toEqual([
      'no-evil (fail_mode open: rule `small-n` skipped: `*` needs two numbers)',
      'no rule matched; the default of policy `test` is allow (fail_mode open: rule `small-n` skipped: `*` needs two numbers)',
    ])
  })

  it('when a limit decides, the rules skipped on the way stay in the reason and the record', async () => {
    const { module } = await compileModule(`fail_mode: open
tools:
  fetch: {}
rules:
  - id: small-n
    tool: fetch
    action: deny
    when: "args.n * 2 > 10"
  - id: once
    tool: fetch
    action: deny
    message: one fetch a minute
    limit: { max: 1, per: 1m }
`)
    const sink = createMemorySink()
    const guard = createGuard(module, { sink })
    expect(await guard('fetch', { n: 'x' })).toMatchObject({ decision: 'allow' })
    const second = await guard('fetch', { n: 'x' })
    expect(second).toMatchObject({ decision: 'deny', rule: 'once' })
    expect(second.reason).toBe('one fetch a minute (fail_mode open: rule `small-n` skipped: `*` needs two numbers)')
    expect(sink.records[1]!.reason).toBe(second.reason)
  })

  it('a limit key that throws skips that limit rule only; a throwing getter skips the rules that read it', async () => {
    const { module } = await compileModule(`fail_mode: open
tools:
  send: {}
rules:
  - id: cap
    tool: send
    action: deny
    limit: { max: 1, per: 1m, key: "args.to.toLowerCase()" }
  - id: block-root
    tool: send
    action: deny
    when: "args.path == '/'"
`)
    const d = module.evaluate('send', { to: 5, path: '/' })
    expect(d).toMatchObject({ decision: 'deny', rule: 'block-root' })
    const e = module.evaluate('send', { to: 5, path: '/tmp' })
    expect(e).toMatchObject({ decision: 'allow', errors: ['rule `cap` skipped: `toLowerCase` needs a string, got number'] })
    expect(e.limits).toBeUndefined()
    const hostile = Object.defineProperty({ to: 'A' }, 'path', { enumerable: true, get() { throw new Error('boom') } })
    const h = module.evaluate('send', hostile)
    expect(h).toMatchObject({ decision: 'allow', errors: ['rule `block-root` skipped: boom'] })
    expect(h.limits?.map(l => [l.rule, l.key])).toEqual([['cap', 'a']])
  })

  it('a validator that throws denies under either mode (no rule has run)', async () => {
    for (const mode of ['open', 'closed']) {
      const { module } = await compileModule(`fail_mode: ${mode}
tools:
  send:
    parameters: { type: object, properties: { to: { type: string, pattern: "^a" } } }
rules: [{ id: r, tool: send, action: allow }]
`)
      const hostile = Object.defineProperty({}, 'to', { enumerable: true, get() { throw new Error('boom') } })
      expect(module.evaluate('send', hostile)).toMatchObject({ decision: 'deny', reason: 'invalid arguments for `send`: validation failed: boom' })
    }
  })
})
