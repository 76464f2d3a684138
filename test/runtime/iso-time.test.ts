/** The record's time text is exactly `toISOString`'s, across the range it formats by arithmetic and past its edges. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isoTime } from '../../src/records/iso-time.js'

const YEAR_10000_MS = 253_402_300_800_000

describe('isoTime', () => {
  it('writes what toISOString writes for every millisecond from 1970 to 9999', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: YEAR_10000_MS - 1 }), ms => {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString())
    }), { numRuns: 20_000 })
  })

  it('gets the edges of days, months, leap years and centuries right', () => {
    const edges = ['1970-01-01T00:00:00.000Z', '1999-12-31T23:59:59.999Z', '2000-02-29T12:00:00.000Z', '2000-03-01T00:00:00.000Z', '2100-02-28T23:59:59.999Z', '2100-03-01T00:00:00.000Z', '2024-02-29T00:00:00.001Z', '2026-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z']
    for (const text of edges) {
      const ms = Date.parse(text)
      for (const d of [-1, 0, 1]) expect(isoTime(ms + d)).toBe(new Date(ms + d).toISOString())
    }
  })

  it('leaves what it does not format to toISOString: before 1970, after 9999, fractions, not a time', () => {
    for (const ms of [-1, -86_400_000, -62_198_755_200_000, YEAR_10000_MS, 8.64e15, 1.5, 1_700_000_000_000.25]) expect(isoTime(ms)).toBe(new Date(ms).toISOString())
    for (const bad of [Number.NaN, Infinity, -Infinity, 8.64e15 + 1]) expect(() => isoTime(bad)).toThrow(RangeError)
  })
})
