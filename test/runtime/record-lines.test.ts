/**
 * The record's bytes after the guard-path speed work (issue 15): one serialisation per record (the
 * canonical JSON with the hash appended), the same canonical form as before, logs written the old
 * way (insertion-ordered `JSON.stringify`) still verifying, and redaction's short-text shortcut
 * exact at its boundary.
 */
import { describe, expect, it } from 'vitest'
import { canonicalJson, Chain, hashRecord, redact, REDACTED, verifyLog, type UnsignedRecord } from '../../src/records/index.js'

/** canonicalJson as it was written before the rewrite: the reference for the bytes the hash covers. */
function referenceCanonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(v => (v === undefined ? 'null' : referenceCanonical(v))).join(',')}]`
  const entries = Object.keys(value).sort().filter(k => (value as Record<string, unknown>)[k] !== undefined)
  return `{${entries.map(k => `${JSON.stringify(k)}:${referenceCanonical((value as Record<string, unknown>)[k])}`).join(',')}}`
}

const record = (i: number): UnsignedRecord => ({ time: new Date(Date.UTC(2026, 0, 5, 12, i)).toISOString(), policy: 'p', digest: 'd'.repeat(64), tool: 'send_sms', decision: i % 2 === 0 ? 'allow' : 'deny', ...(i % 2 === 1 ? { rule: 'r', reason: 'why "quoted" \u2028' } : {}), args: { to: `+1555010${i}`, body: 'hi', nested: [1, { z: 1, a: [null] }] } })

describe('canonical JSON', () => {
  it('is byte for byte the form older logs were hashed with', () => {
    const sparse: unknown[] = [1]
    sparse[3] = 2
    const proto = JSON.parse('{"__proto__": {"x": 1}, "b": 2}') as unknown
    const values: unknown[] = [
      null, undefined, 0, -0, NaN, Infinity, 1e21, 'a"b\\c\u0000\u2028', true, [], {}, [undefined, null, () => 1], sparse,
      { b: 1, a: undefined, c: [{ y: 2, x: 1 }], 'é': 'unicode key', '': 'empty key', '10': 'numeric', '9': 'numeric' },
      proto, { deep: { deeper: { deepest: [[[{ k: 'v' }]]] } } }, record(1),
    ]
    for (const v of values) expect(canonicalJson(v), String(referenceCanonical(v))).toBe(referenceCanonical(v))
  })
})

describe('record lines', () => {
  it('a sealed line parses to the sealed record, hash last, and verifies', () => {
    const chain = new Chain()
    const lines: string[] = []
    for (let i = 0; i < 4; i++) {
      const { record: sealed, line } = chain.sealLine(record(i))
      expect(line.endsWith(`,"hash":"${sealed.hash}"}\n`)).toBe(true)
      expect(JSON.parse(line)).toEqual(sealed)
      const { hash, ...body } = sealed
      expect(hashRecord(body)).toBe(hash)
      lines.push(line)
    }
    expect(verifyLog(lines.join(''))).toMatchObject({ ok: true, count: 4 })
  })

  it('leaves the caller\'s record alone, frozen or not', () => {
    const chain = new Chain()
    const r = Object.freeze(record(0))
    const { record: sealed } = chain.sealLine(r)
    expect(r).not.toHaveProperty('hash')
    expect(sealed.seq).toBe(0)
  })

  it('logs written with the old line format (insertion-ordered JSON) still verify, alone and mixed with new lines', () => {
    const chain = new Chain()
    const old: string[] = []
    const mixed: string[] = []
    for (let i = 0; i < 6; i++) {
      const { record: sealed, line } = chain.sealLine(record(i))
      // the old writer: `JSON.stringify(record)` of `{ ...unsigned, seq, prev, hash }`
      const oldLine = `${JSON.stringify({ ...record(i), seq: sealed.seq, prev: sealed.prev, hash: sealed.hash })}\n`
      old.push(oldLine)
      mixed.push(i % 2 === 0 ? oldLine : line)
    }
    expect(verifyLog(old.join(''))).toMatchObject({ ok: true, count: 6 })
    expect(verifyLog(mixed.join(''))).toMatchObject({ ok: true, count: 6 })
    const edited = mixed.map((l, i) => (i === 3 ? l.replace('"decision":"deny"', '"decision":"allow"') : l))
    expect(verifyLog(edited.join(''))).toMatchObject({ ok: false, line: 4, reason: 'its content does not match its hash (the record was edited)' })
  })
})

describe('redaction of short text', () => {
  it('still redacts tokens of exactly the shortest length any pattern matches', () => {
    // `gsk_` + 10 and `Basic` + a space + 8 are 14 characters: the shortcut skips only shorter text
    expect(redact({ a: 'gsk_0123456789', b: 'Basic 1234567a', c: 'gsk_012345678' })).toEqual({ a: REDACTED, b: REDACTED, c: 'gsk_012345678' })
    expect(redact({ k: 'pwd=hunter2', u: 'ftp://a:b@h' })).toEqual({ k: `pwd=${REDACTED}`, u: `ftp://${REDACTED}@h` })
  })
})
