/**
 * The memory store's digest table against a `Map` doing the same operations: any sequence of sets
 * (one time, or several), deletes and gets answers as the Map does, through growth, deleted slots
 * and rebuilds, with digests made to share their first word (so their probe paths overlap).
 */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DigestTable } from '../../src/limits/digest-table.js'
import { ExpiryQueue } from '../../src/limits/expiry-queue.js'
import { keyDigest, keyDigestWords } from '../../src/limits/keys.js'
import { expectTableAsMap, type TableOp } from '../support/digest-table-model.js'

const digest = (a: number, b: number): Int32Array => Int32Array.of(a, b, a ^ 0x5bd1e995, b + 7)
const text = (d: Int32Array): string => Array.from(d).join(',')


describe('DigestTable', () => {
  it('answers as a Map does over any sequence of sets, deletes and gets (property)', () => {
    // 64 keys; the first word takes only 4 values, so most keys share a start slot with others
    const keys = Array.from({ length: 64 }, (_, i) => digest(i % 4, i))
    const op: fc.Arbitrary<TableOp> = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.nat(63), value: fc.oneof(fc.integer(), fc.array(fc.integer(), { minLength: 2, maxLength: 4 })) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.nat(63) }),
      fc.record({ kind: fc.constant('get' as const), key: fc.nat(63) }),
    )
    fc.assert(fc.property(fc.array(op, { maxLength: 600 }), ops => {
      expectTableAsMap(keys, ops)
    }), { numRuns: 300 })
  })

  it('keeps 200,000 keys through growth and churn, and a multi-call log is the array it was given', () => {
    const table = new DigestTable()
    for (let i = 0; i < 200_000; i++) table.set(keyDigestWords(`k${i}`), i)
    for (let i = 0; i < 200_000; i += 2) table.delete(keyDigestWords(`k${i}`))
    for (let i = 200_000; i < 300_000; i++) table.set(keyDigestWords(`k${i}`), i)
    expect(table.size).toBe(200_000)
    expect(table.get(keyDigestWords('k0'))).toBeUndefined()
    expect(table.get(keyDigestWords('k1'))).toBe(1)
    expect(table.get(keyDigestWords('k299999'))).toBe(299_999)
    const log = [5, 6, 7]
    table.set(keyDigestWords('k1'), log)
    expect(table.get(keyDigestWords('k1'))).toBe(log)
    table.set(keyDigestWords('k1'), 9)
    expect(table.get(keyDigestWords('k1'))).toBe(9)
  })

  it('the words are the first 128 bits of the SHA-256 the text digest starts with, and keep apart strings UTF-8 would merge', () => {
    for (const key of ['', 'a', '+15550100', '\ud800', '\ufffd', 'x'.repeat(5000)]) {
      const bytes = Buffer.from(new Int32Array(keyDigestWords(key)).buffer)
      expect(bytes).toEqual(createHash('sha256').update(key, 'utf16le').digest().subarray(0, 16))
      expect(keyDigest(key).startsWith(bytes.toString('base64url').slice(0, 21))).toBe(true)
    }
    expect(text(keyDigestWords('\ud800'))).not.toBe(text(keyDigestWords('\ufffd')))
  })
})

describe('ExpiryQueue', () => {
  it('gives entries back earliest first with their digests, in order and out of order, through growth', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 3000 }), expiries => {
      const q = new ExpiryQueue()
      expiries.forEach((e, i) => q.push(e, digest(i, e)))
      const out: [number, string][] = []
      while (q.size > 0) {
        const d = q.pop()
        out.push([d[1]!, text(d)])
      }
      const want = expiries.map((e, i) => [e, i] as const).sort((x, y) => x[0] - y[0] || 0)
      expect(out.map(([e]) => e)).toEqual(want.map(([e]) => e))
      expect(new Set(out.map(([, t]) => t))).toEqual(new Set(expiries.map((e, i) => text(digest(i, e)))))
    }), { numRuns: 100 })
  })
})
