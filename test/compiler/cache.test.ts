/**
 * The compile cache (compiler/cache.ts, src/compile-cache.ts): a build with a cache, cold or warm,
 * gives the same bytes and diagnostics as one without; a cache that fails or holds garbage is a
 * miss, never an error and never a changed verdict; the disk cache only ever names files by key.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compile, type CompileCache } from '../../compiler/index.js'
import { cacheKey } from '../../compiler/cache.js'
import { RECHECK_VERSION } from '../../compiler/check/recheck.js'
import { validatorKey } from '../../compiler/emit/validate.js'
import { createDiskCache, defaultDiskCache } from '../../src/compile-cache.js'

// fresh patterns per run, so this process's own memory of verdicts does not answer for the cache
const salt = `${process.pid}x${Date.now()}`
const POLICY = `name: cached
tools:
  fetch:
    parameters: { type: object, properties: { url: { type: string }, n: { type: integer, maximum: 9 } }, required: [url] }
  send:
    parameters: { type: object, properties: { to: { type: string, pattern: "^[a-z]+${salt}$" } } }
rules:
  - id: bad_host
    tool: fetch
    conditions: [{ field: arguments.url, operator: matches, value: "^https://evil${salt}\\\\." }]
    action: deny
  - id: slow
    tool: send
    conditions: [{ field: arguments.to, operator: matches, value: "chmod\\\\s+.*777${salt}" }]
    action: deny
`

class MapCache implements CompileCache {
  readonly map = new Map<string, string>()
  hits = 0
  get(key: string): string | undefined {
    const v = this.map.get(key)
    if (v !== undefined) this.hits++
    return v
  }
  set(key: string, value: string): void {
    this.map.set(key, value)
  }
}

const shape = (out: ReturnType<typeof compile>) => ({ code: out.code, types: out.types, digest: out.digest, diagnostics: out.diagnostics })

describe('compile cache', () => {
  it('cold and warm builds with a cache give the bytes and diagnostics of a build without one', () => {
    const cache = new MapCache()
    const cold = compile(POLICY, { filename: 'p.policy.yaml', cache })
    // two regex verdicts (the rule patterns; the schema pattern is the third) and two validators
    expect([...cache.map.keys()].map(k => k.split('-')[0]).sort()).toEqual(['ajv', 'ajv', 'regex', 'regex', 'regex'])
    expect(cold.diagnostics.map(d => d.code)).toEqual(['regex-bounded'])
    const warm = compile(POLICY, { filename: 'p.policy.yaml', cache })
    // a second cache is filled from this process's memory, without analysing or generating again
    const second = new MapCache()
    compile(POLICY, { filename: 'p.policy.yaml', cache: second })
    expect([...second.map.keys()].sort()).toEqual([...cache.map.keys()].sort())
    const plain = compile(POLICY, { filename: 'p.policy.yaml' })
    expect(shape(cold)).toEqual(shape(plain))
    expect(shape(warm)).toEqual(shape(plain))
  })

  const exponential = (tag: string) => `name: x\ntools:\n  t:\n    parameters: { type: object, properties: { s: { type: string } } }\nrules:\n  - id: r\n    tool: t\n    conditions: [{ field: arguments.s, operator: matches, value: "^(a+)+${tag}$" }]\n    action: deny\n`
  const regexKey = (source: string) => cacheKey('regex', [RECHECK_VERSION, '10000', '', source])

  it('a verdict is read from the cache for a pattern this process never analysed (so the folder is trusted like node_modules)', () => {
    const tag = `${salt}r`
    const cache = new MapCache()
    cache.map.set(regexKey(`^(a+)+${tag}$`), JSON.stringify({ source: `^(a+)+${tag}$`, flags: '', status: 'safe', checker: 'automaton' }))
    const out = compile(exponential(tag), { filename: 'p.policy.yaml', cache })
    expect(cache.hits).toBe(1)
    expect(out.diagnostics.filter(d => d.severity === 'error')).toEqual([])
  })

  it('garbage in the cache is a miss: a verdict about another pattern, broken JSON, a half verdict', () => {
    for (const [i, forged] of [JSON.stringify({ source: 'x', flags: '', status: 'safe', checker: 'automaton' }), 'not json', JSON.stringify({ source: `^(a+)+${salt}g$`, flags: '', status: 'vulnerable' }), 'null'].entries()) {
      const tag = `${salt}g${i}`
      const cache = new MapCache()
      cache.map.set(regexKey(`^(a+)+${tag}$`), forged.replace(`${salt}g`, tag))
      const out = compile(exponential(tag), { filename: 'p.policy.yaml', cache })
      expect(out.diagnostics.map(d => d.code), forged).toEqual(['regex-super-linear'])
    }
  })

  it('validator text from the cache passes the same check as Ajv\'s own: a comment in it is refused', () => {
    // a schema this process never generated, so only the cache can answer for it (not a flat one, whose validator is written without Ajv)
    const schema = { type: 'object', properties: { [`p${salt}v`]: { type: 'string' } }, additionalProperties: false }
    const src = `name: v\ntools:\n  t:\n    parameters: ${JSON.stringify(schema)}\nrules: [{ id: r, tool: t, action: deny }]\n`
    const forged = new MapCache()
    forged.map.set(validatorKey(schema), '"use strict";export const v0 = validate0;/*x*/function validate0(data){return true;}')
    const out = compile(src, { filename: 'p.policy.yaml', cache: forged })
    expect(forged.hits).toBe(1)
    expect(out.code).toBe('')
    expect(out.diagnostics.filter(d => d.severity === 'error').map(d => d.code)).toEqual(['schema-unsupported'])
    expect(compile(src, { filename: 'p.policy.yaml' }).code).not.toBe('')
  })

  it('a cache that throws on every read and write is no cache', () => {
    const throwing: CompileCache = { get: () => { throw new Error('read failed') }, set: () => { throw new Error('write failed') } }
    const src = POLICY.replaceAll(salt, `${salt}t`)
    expect(shape(compile(src, { filename: 'p.policy.yaml', cache: throwing }))).toEqual(shape(compile(src, { filename: 'p.policy.yaml' })))
  })
})

describe('disk cache', () => {
  it('keeps entries as files named by key, shared by two caches on one folder; no other name is read or written', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'vetoc-cache-')), 'c')
    const a = createDiskCache(dir)
    const src = POLICY.replaceAll(salt, `${salt}d`)
    const cold = compile(src, { filename: 'p.policy.yaml', cache: a })
    const files = readdirSync(dir).sort()
    expect(files).toHaveLength(5)
    for (const f of files) expect(f).toMatch(/^(ajv|regex)-[0-9a-f]{64}$/)
    const b = createDiskCache(dir)
    expect(b.get(files[0]!)).toBeDefined()
    expect(shape(compile(src, { filename: 'p.policy.yaml', cache: b }))).toEqual(shape(cold))
    // a key that is not one of the compiler's never reaches the file system
    writeFileSync(join(dir, 'x'), 'secret')
    expect(b.get('../c/x')).toBeUndefined()
    expect(b.get('x')).toBeUndefined()
    b.set('../escape', 'v')
    expect(readdirSync(join(dir, '..'))).toEqual(['c'])
  })

  it('VETOC_CACHE turns the default off or moves it', () => {
    expect(defaultDiskCache('/p', { VETOC_CACHE: 'off' })).toBeUndefined()
    expect(defaultDiskCache('/p', {})!.dir).toBe('/p/node_modules/.cache/vetoc')
    expect(defaultDiskCache('/p', { VETOC_CACHE: '.c' })!.dir).toBe('/p/.c')
  })
})
