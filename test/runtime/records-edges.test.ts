/**
 * Edges of the record code that no other in-process suite reaches: the reason each malformed
 * checkpoint field is refused with, verify's messages for lines that are not records, the stream
 * sink's flush (a plain checkpoint, and waiting for a full stream to drain), canonical JSON of wide
 * objects, the `capture: 'full'` mark, and redaction's depth limit, its own-data copies, values that
 * are not JSON and credential keys holding nothing.
 */
import { generateKeyPairSync } from 'node:crypto'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { recordEntry } from '../../src/records/entry.js'
import { canonicalJson, Chain, createFileSink, createStreamSink, generateSigningKeys, GENESIS, redact, verifyLog, type UnsignedRecord } from '../../src/records/index.js'

const KEYS = generateSigningKeys()
const rec = (i: number): UnsignedRecord => ({ time: `2026-11-24T12:00:0${i}.000Z`, policy: 'p', digest: 'd', tool: 't', decision: 'allow', args: { i } })

describe('a malformed checkpoint line names the field that is wrong', () => {
  // well formed but for the one field each case breaks; verify reads the form before any signature
  const good = { checkpoint: 1, records: 0, head: GENESIS, time: '2026-11-24T12:00:00.000Z', keyId: 'a'.repeat(64), signature: 'c2ln' }
  const cases: [Record<string, unknown>, string][] = [
    [{ ...good, checkpoint: 2 }, 'unknown checkpoint version'],
    [{ ...good, records: -1 }, '`records` is not a count'],
    [{ ...good, head: 'abc' }, '`head` is not a SHA-256 hash'],
    [{ ...good, time: 5 }, '`time` is missing'],
    [{ ...good, closing: false }, '`closing` is not true'],
    [{ ...good, keyId: 'not hex' }, '`keyId` is not a key id'],
    [{ ...good, signature: undefined }, '`signature` is missing'],
  ]
  it.each(cases)('%j', (line, why) => {
    expect(verifyLog(`${JSON.stringify(line)}\n`)).toEqual({ ok: false, line: 1, reason: `a malformed checkpoint: ${why}` })
  })
})

describe('verify on lines that are not records', () => {
  it('an object without hash and prev is not a decision record, at its own line', () => {
    const chain = new Chain()
    expect(verifyLog(`${chain.sealLine(rec(0)).line}{"tool":"x","seq":1}\n`)).toEqual({ ok: false, line: 2, seq: 1, reason: 'not a decision record' })
  })

  it('with keys, a record without seq is named by its line alone', () => {
    const v = verifyLog(`{"prev":"${'1'.repeat(64)}","hash":"${'2'.repeat(64)}"}\n`, { keys: [KEYS.publicPem] })
    expect(v).toEqual({ ok: false, line: 1, found: 1, reason: 'record at line 1: the log does not start its chain (records were removed from its beginning); no earlier checkpoint verifies' })
  })

  it('with keys and requireClosed, a log without any checkpoint has no closing one', () => {
    expect(verifyLog('', { keys: [KEYS.publicPem], requireClosed: true })).toEqual({ ok: false, line: 1, found: 1, reason: 'the log has no closing checkpoint' })
  })
})

describe('signing keys', () => {
  it('a public key given as the signing key is refused at setup', () => {
    const { publicKey } = generateKeyPairSync('ed25519')
    expect(() => createFileSink('never-written.jsonl', { signingKey: publicKey })).toThrow(new TypeError('signingKey must be a private key, got a public key'))
  })
})

describe('the stream sink', () => {
  it('flush() signs a plain checkpoint of the records so far; close() a closing one', async () => {
    let text = ''
    const sink = createStreamSink(new Writable({ write: (c, _e, cb) => { text += String(c); cb() } }), { signingKey: KEYS.privatePem })
    sink.write(rec(0))
    sink.write(rec(1))
    await sink.flush()
    expect(verifyLog(text, { keys: [KEYS.publicPem] })).toMatchObject({ ok: true, count: 2, checkpoints: 1, closed: false })
    await sink.close!()
    expect(verifyLog(text, { keys: [KEYS.publicPem], requireClosed: true })).toMatchObject({ ok: true, count: 2, checkpoints: 2, closed: true })
  })

  it('flush() on a stream over its high-water mark resolves once the stream has drained', async () => {
    const written: string[] = []
    // one byte of buffer and a slow consumer: every write leaves the stream needing a drain
    const slow = new Writable({ highWaterMark: 1, write: (c, _e, cb) => void setTimeout(() => { written.push(String(c)); cb() }, 20) })
    const sink = createStreamSink(slow)
    sink.write(rec(0))
    sink.write(rec(1))
    expect(slow.writableNeedDrain).toBe(true)
    const flushed = await Promise.race([sink.flush().then(() => 'drained'), new Promise(r => setTimeout(() => r('still waiting'), 2000))])
    expect(flushed).toBe('drained')
    expect(written).toHaveLength(2)
  })
})

describe('canonical JSON of an object with more than 24 members', () => {
  it('orders the members by key, as Object.keys(o).sort() does', () => {
    const keys = Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, '0')}`)
    const wide = Object.fromEntries([...keys].reverse().map(k => [k, 1]))
    expect(canonicalJson(wide)).toBe(`{${keys.map(k => `"${k}":1`).join(',')}}`)
  })
})

describe('the record of one decision', () => {
  it('marks a record written with capture: full, and only that one', () => {
    const input = { at: Date.UTC(2026, 10, 24), policy: 'p', digest: 'd', tool: 't', d: { decision: 'allow' as const }, args: { to: '+1555' }, extra: {} }
    expect(recordEntry({ ...input, full: true }).capture).toBe('full')
    expect(recordEntry({ ...input, full: false })).not.toHaveProperty('capture')
  })
})

describe('redaction depth', () => {
  it('an object nested deeper than 32 levels is recorded as [DEPTH] there', () => {
    let deep: unknown = { leaf: 'sk-proj-4fJ9aQ2LmN7pR3sT6vW8xY1zB5cD0eF' }
    for (let i = 0; i < 40; i++) deep = { a: deep }
    let at = redact(deep)
    for (let i = 0; i < 33; i++) {
      expect(typeof at, `level ${i}`).toBe('object')
      at = (at as { a: unknown }).a
    }
    expect(at).toBe('[DEPTH]')
  })
  it('and so is an array nested deeper than 32 levels', () => {
    let deep: unknown = ['leaf']
    for (let i = 0; i < 40; i++) deep = [deep]
    let at = redact(deep)
    for (let i = 0; i < 33; i++) {
      expect(Array.isArray(at), `level ${i}`).toBe(true)
      at = (at as unknown[])[0]
    }
    expect(at).toBe('[DEPTH]')
  })
})

describe('values that are not JSON, and empty credentials', () => {
  it('a function or a symbol is left out, a bigint becomes its digits', () => {
    const out = redact({ f: () => 1, s: Symbol('x'), b: 10n, n: 5, t: true }) as Record<string, unknown>
    expect(Object.keys(out)).toEqual(['f', 's', 'b', 'n', 't'])
    expect([out['f'], out['s'], out['b'], out['n'], out['t']]).toEqual([undefined, undefined, '10', 5, true])
    expect(canonicalJson(out)).toBe('{"b":"10","n":5,"t":true}')
  })
  it('a credential key holding nothing (null, absent, empty) keeps its nothing: there is no secret to hide', () => {
    const out = redact({ password: null, token: '', api_key: undefined, secret: 0 }) as Record<string, unknown>
    expect(out).toStrictEqual({ password: null, token: '', api_key: undefined, secret: '[REDACTED]' })
  })
})

describe('redaction copies keys as own data', () => {
  it('`__proto__` and a key a polluted Object.prototype has with a setter: own members, no setter called', () => {
    const calls: unknown[] = []
    Object.defineProperty(Object.prototype, 'polluted', { set(v: unknown) { calls.push(v) }, get() { return 'inherited' }, configurable: true })
    try {
      const value = JSON.parse('{"__proto__": {"x": 1}, "polluted": "mine", "plain": "p"}') as Record<string, unknown>
      const out = redact(value) as Record<string, unknown>
      expect(calls).toEqual([])
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
      expect(Object.getOwnPropertyDescriptor(out, '__proto__')).toEqual({ value: { x: 1 }, enumerable: true, writable: true, configurable: true })
      expect(Object.getOwnPropertyDescriptor(out, 'polluted')).toEqual({ value: 'mine', enumerable: true, writable: true, configurable: true })
      expect(Object.keys(out)).toEqual(['__proto__', 'polluted', 'plain'])
      expect(canonicalJson(out)).toBe('{"__proto__":{"x":1},"plain":"p","polluted":"mine"}')
    } finally {
      delete (Object.prototype as Record<string, unknown>)['polluted']
    }
  })
})
