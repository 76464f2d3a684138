/** Editor support: the JSON Schemas come from the compiler's own tables and accept every real policy. */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import AjvModule from 'ajv'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { SCHEMAS } from '../../schemas/generate.js'

const Ajv = AjvModule.default
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true })
const policy = ajv.compile(JSON.parse(readFileSync('schemas/policy.schema.json', 'utf8')))
const testFile = ajv.compile(JSON.parse(readFileSync('schemas/policy-test.schema.json', 'utf8')))

function find(dir: string, re: RegExp): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (name === 'node_modules' || name === 'broken' || name.startsWith('.')) continue
    if (statSync(p).isDirectory()) out.push(...find(p, re))
    else if (re.test(name)) out.push(p)
  }
  return out
}

const POLICIES = [...find('policies', /\.policy\.yaml$/), ...find('test', /(^|\.)policy\.yaml$/), ...find('examples', /\.policy\.yaml$/)]
const TESTS = find('policies', /\.policy\.test\.yaml$/)

describe('JSON Schemas', () => {
  it('are current: schemas/*.json is what `npm run schemas` writes from the compiler tables', () => {
    for (const [name, make] of Object.entries(SCHEMAS)) expect(JSON.parse(readFileSync(join('schemas', name), 'utf8')), name).toEqual(make())
  })

  it('every shipped and test policy validates, and every shipped one names the schema', () => {
    expect(POLICIES.length).toBeGreaterThanOrEqual(5)
    for (const f of POLICIES) expect(policy(parse(readFileSync(f, 'utf8'))) ? [] : policy.errors, f).toEqual([])
    for (const f of find('policies', /\.policy\.yaml$/)) expect(readFileSync(f, 'utf8').split('\n')[0]).toBe(`# yaml-language-server: $schema=${relative(dirname(f), 'schemas/policy.schema.json')}`)
  })

  it('every shipped test file validates and names its schema', () => {
    // one test file per shipped policy (packs are tested through the policies that extend them)
    expect(TESTS.map(f => f.replace(/\.test\.yaml$/, '.yaml')).sort()).toEqual(find('policies', /\.policy\.yaml$/).filter(f => !f.includes('/packs/')).sort())
    for (const f of TESTS) {
      expect(testFile(parse(readFileSync(f, 'utf8'))) ? [] : testFile.errors, f).toEqual([])
      expect(readFileSync(f, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/policy-test.schema.json')
    }
  })

  it('an unknown key, operator or action fails, where the compiler would fail', () => {
    const base = parse(readFileSync('policies/gemini-safety.policy.yaml', 'utf8'))
    const fails = (mutate: (p: any) => void, path: string): void => {
      const p = structuredClone(base)
      mutate(p)
      expect(policy(p)).toBe(false)
      expect(policy.errors!.map((e: { instancePath: string }) => e.instancePath)).toContain(path)
    }
    fails(p => { p.rules[0].condtions = p.rules[0].conditions }, '/rules/0')
    fails(p => { p.rules[0].conditions[0].operator = 'not_matchez' }, '/rules/0/conditions/0/operator')
    fails(p => { p.rules[1].action = 'ask' }, '/rules/1/action')
    fails(p => { p.defualt = 'deny' }, '')
    fails(p => { p.tools.send_email.paramters = {} }, '/tools/send_email')
    const t = parse(readFileSync('policies/gemini-safety.policy.test.yaml', 'utf8'))
    t.cases[0].expct = 'allow'
    expect(testFile(t)).toBe(false)
    t.cases[0] = { tool: 'x', expect: 'maybe' }
    expect(testFile(t)).toBe(false)
  })
})
