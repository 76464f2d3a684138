/**
 * The memory store's digest table and expiry queue, held to the cases the mutation run found
 * undecided: digests whose words are partly all-zeros or all-ones (the words that mark empty and
 * deleted slots, so only all four together may mean "empty" or "deleted"), keys that differ in one
 * word only, probe paths that wrap past the table's end, rebuilds with deleted slots, ring growth
 * with a head that has moved, entries with equal expiries, and a late entry whose digest
 * buffer the caller reuses. Two model-based properties compare every answer with a Map / sorted list.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DigestTable } from '../../src/limits/digest-table.js'
import { ExpiryQueue } from '../../src/limits/expiry-queue.js'
import { expectTableAsMap, type TableOp } from '../support/digest-table-model.js'

const d = (...w: number[]): Int32Array => Int32Array.of(...w)
const text = (x: Int32Array): string => Array.from(x).join(',')
// a fresh table has 16 slots: a first word of 0, 16 or 32 starts at slot 0, 15 / 31 / -1 at slot 15
const TIMEOUT = 5000

describe('DigestTable: only a slot of four zero words is empty, only four all-ones words deleted', () => {
  it('a key with zero words (not all four) holds its slot, and a key probing past it is found', () => {
    // each key has three zero words; all start at slot 0, so `after` sits past them
    const zeros = [d(16, 0, 0, 0), d(0, 16, 0, 0), d(0, 0, 16, 0), d(0, 0, 0, 16)]
    for (const key of zeros) {
      const table = new DigestTable()
      const after = d(32, 5, 5, 5)
      table.set(key, 1)
      table.set(after, 2)
      expect(table.get(after)).toBe(2)
      expect(table.get(key)).toBe(1)
      expect(table.size).toBe(2)
    }
  }, TIMEOUT)

  it('a key with all-ones words (not all four) is not a deleted slot: an insert on its path does not take it', () => {
    // each key has three -1 words; all start at slot 15, so the next key wraps around to slot 0
    const ones = [d(15, -1, -1, -1), d(-1, 15, -1, -1), d(-1, -1, 15, -1), d(-1, -1, -1, 15)]
    for (const key of ones) {
      const table = new DigestTable()
      const next = d(31, 5, 5, 5)
      const third = d(47, 6, 6, 6)
      table.set(key, 1)
      table.set(next, 2)
      table.set(third, 3)
      expect([table.get(key), table.get(next), table.get(third)]).toEqual([1, 2, 3])
      expect(table.size).toBe(3)
      table.delete(next)
      expect([table.get(key), table.get(next), table.get(third)]).toEqual([1, undefined, 3])
      table.set(next, [4, 5])
      expect([table.get(key), table.get(next), table.get(third)]).toEqual([1, [4, 5], 3])
      expect(table.size).toBe(3)
    }
  }, TIMEOUT)

  it('keys that differ in one word only are different keys', () => {
    const base = d(16, 1, 2, 3)
    const others = [d(32, 1, 2, 3), d(16, 9, 2, 3), d(16, 1, 9, 3), d(16, 1, 2, 9)]
    for (const other of others) {
      const table = new DigestTable()
      table.set(base, 1)
      expect(table.get(other)).toBeUndefined()
      table.set(other, 2)
      expect(table.get(base)).toBe(1)
      expect(table.get(other)).toBe(2)
      expect(table.size).toBe(2)
      table.delete(other)
      expect(table.get(base)).toBe(1)
      expect(table.size).toBe(1)
    }
  }, TIMEOUT)

  it('a missing key reads as undefined, also when its start slot is taken or empty', () => {
    const table = new DigestTable()
    expect(table.get(d(16, 1, 1, 1))).toBeUndefined()
    table.set(d(16, 1, 1, 1), 7)
    expect(table.get(d(32, 1, 1, 1))).toBeUndefined()
    expect(table.get(d(3, 1, 1, 1))).toBeUndefined()
  }, TIMEOUT)

  it('a rebuild keeps the live keys only: deleted and empty slots do not come back as keys', () => {
    const table = new DigestTable()
    // first words are multiples of 16: all start at slot 0 of 16 slots, and spread out as the table grows
    const keys = Array.from({ length: 40 }, (_, i) => d(i * 16, i, 3, 4))
    // 5 keys, delete 2 (deleted slots), then enough keys to rebuild (16 slots hold 9 used + deleted)
    for (let i = 0; i < 5; i++) table.set(keys[i]!, i)
    table.delete(keys[1]!)
    table.delete(keys[3]!)
    expect(table.size).toBe(3)
    for (let i = 5; i < 12; i++) {
      table.set(keys[i]!, i)
      expect(table.size).toBe(i - 1)
    }
    // more rebuilds with deletions in between
    const gone = new Set([1, 3])
    for (let i = 12; i < 40; i++) {
      table.set(keys[i]!, [i, i + 1])
      if (i % 3 === 0) {
        table.delete(keys[i - 6]!)
        gone.add(i - 6)
      }
      expect(table.size).toBe(i + 1 - gone.size)
    }
    for (let i = 0; i < 40; i++) expect(table.get(keys[i]!)).toEqual(gone.has(i) ? undefined : i < 12 ? i : [i, i + 1])
  }, TIMEOUT)

  it('answers as a Map does with digests made of the words 0, -1, 1 and 16 (property)', () => {
    // 254 keys (all four words 0, or all -1, are the slot marks, not keys); their probe paths start at
    // slots 0, 1 and the table's last slot, so they collide, wrap around, and leave deleted slots in
    // each other's paths through several rebuilds
    const words = [0, -1, 1, 16]
    const keys: Int32Array[] = []
    for (let i = 0; i < 256; i++) {
      const k = d(words[i & 3]!, words[(i >> 2) & 3]!, words[(i >> 4) & 3]!, words[(i >> 6) & 3]!)
      if (!k.every(w => w === 0) && !k.every(w => w === -1)) keys.push(k)
    }
    type Op = [kind: 0 | 1 | 2, key: number, value: number | number[]]
    const op: fc.Arbitrary<Op> = fc.tuple(
      fc.constantFrom<0 | 1 | 2>(0, 0, 1, 2),
      fc.nat(keys.length - 1),
      fc.oneof(fc.integer(), fc.array(fc.integer(), { minLength: 2, maxLength: 3 })),
    )
    fc.assert(fc.property(fc.array(op, { minLength: 50, maxLength: 400 }), ops => {
      expectTableAsMap(keys, ops.map(([kind, key, value]): TableOp => (kind === 0 ? { kind: 'set', key, value } : kind === 1 ? { kind: 'delete', key } : { kind: 'get', key })))
    }), { numRuns: 40 })
  }, 20_000)
})

/** Pops every entry: each as its first word (the tests make it a name). */
const drain = (q: ExpiryQueue): number[] => {
  const out: number[] = []
  while (q.size > 0) out.push(q.pop()[0]!)
  return out
}
const id = (n: number): Int32Array => d(n, n + 1, n + 2, n + 3)

describe('ExpiryQueue: exact order, through growth and out-of-order entries', () => {
  it('entries pushed in order come back in push order, equal expiries included', () => {
    const q = new ExpiryQueue()
    for (let n = 1; n <= 5; n++) q.push(5, id(n))
    q.push(6, id(6))
    q.push(6, id(7))
    expect(q.size).toBe(7)
    expect(q.peek()).toBe(5)
    expect(drain(q)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(q.peek()).toBe(Infinity)
  }, TIMEOUT)

  it('an entry earlier than the last comes out before later ones; on a tie the in-order entry first', () => {
    const q = new ExpiryQueue()
    q.push(10, id(1))
    q.push(3, id(2))
    expect(q.peek()).toBe(3)
    expect(q.pop()[0]).toBe(2)
    expect(q.pop()[0]).toBe(1)
    expect(q.size).toBe(0)

    const t = new ExpiryQueue()
    t.push(5, id(1))
    t.push(10, id(2))
    t.push(5, id(3)) // late: ties with the ring's head
    t.push(7, id(4)) // late
    expect(drain(t)).toEqual([1, 3, 4, 2])

    // only late entries left once the ring is empty
    const u = new ExpiryQueue()
    u.push(100, id(1))
    u.push(50, id(2))
    u.push(40, id(3))
    expect(u.pop()[0]).toBe(3)
    expect(u.pop()[0]).toBe(2)
    expect(u.pop()[0]).toBe(1)
    u.push(20, id(4))
    u.push(30, id(5))
    u.push(25, id(6))
    expect(drain(u)).toEqual([4, 6, 5])
  }, TIMEOUT)

  it('late entries come out by expiry, each once; among equal expiries no order is promised', () => {
    const late = (pushes: [number, number][]): void => {
      const q = new ExpiryQueue()
      q.push(1000, id(0))
      for (const [at, n] of pushes) q.push(at, id(n))
      const timeOf = new Map<number, number>([[0, 1000], ...pushes.map(([at, n]) => [n, at] as [number, number])])
      const out = drain(q)
      expect([...out].sort((a, b) => a - b)).toEqual([...timeOf.keys()].sort((a, b) => a - b))
      const times = out.map(n => timeOf.get(n)!)
      expect(times).toEqual([...times].sort((a, b) => a - b))
    }
    late([[5, 1], [5, 2], [5, 3]])
    late([[5, 1], [7, 2], [7, 3]])
    late([[5, 1], [7, 2], [7, 3], [9, 4]])
    late([[5, 1], [5, 2], [5, 3], [5, 4], [5, 5]])
    late([[9, 1], [5, 2], [7, 3], [5, 4], [6, 5], [5, 6]])
  }, TIMEOUT)

  it('a late entry keeps its digest when the caller reuses the buffer it came in', () => {
    const q = new ExpiryQueue()
    q.push(10, id(1))
    q.push(20, id(2))
    q.push(30, id(3))
    const first = q.pop() // valid until the next pop: pushed back before it
    expect(text(first)).toBe(text(id(1)))
    q.push(25, first)
    const mine = id(9)
    q.push(26, mine)
    mine.fill(0)
    expect(text(q.pop())).toBe(text(id(2)))
    expect(text(q.pop())).toBe(text(id(1)))
    expect(text(q.pop())).toBe(text(id(9)))
    expect(text(q.pop())).toBe(text(id(3)))
    expect(q.size).toBe(0)
  }, TIMEOUT)

  it('the ring grows with its head moved and wrapped, and keeps every entry\'s order and digest', () => {
    const q = new ExpiryQueue()
    let pushed = 0
    let popped = 0
    const push = (): void => {
      q.push(pushed, id(pushed))
      pushed++
    }
    const pop = (): void => {
      expect(text(q.pop())).toBe(text(id(popped)))
      popped++
    }
    for (let i = 0; i < 1024; i++) push()
    for (let i = 0; i < 300; i++) pop()
    for (let i = 0; i < 300; i++) push() // wraps into the ring's start: full again, head at 300
    expect(q.size).toBe(1024)
    for (let i = 0; i < 1500; i++) push() // grows (twice)
    for (let i = 0; i < 700; i++) pop()
    for (let i = 0; i < 2000; i++) push()
    expect(q.size).toBe(pushed - popped)
    while (q.size > 0) pop()
    expect(popped).toBe(pushed)
  }, TIMEOUT)

  it('pops earliest first with a digest pushed at that time, over pushes, steps back and pops (property)', () => {
    type Op = { push: true; step: number } | { push: false }
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ push: fc.constant(true as const), step: fc.integer({ min: -20, max: 5 }).map(s => (s < -15 ? s : Math.max(s, 0))) }) },
      { weight: 3, arbitrary: fc.record({ push: fc.constant(false as const) }) },
    )
    fc.assert(fc.property(fc.array(op, { minLength: 200, maxLength: 3000 }), ops => {
      const q = new ExpiryQueue()
      const model: [number, number][] = [] // (expiry, name) not yet popped
      let clock = 100
      let name = 0
      for (const o of ops) {
        if (o.push) {
          clock += o.step
          q.push(clock, d(name, clock, 0, -1))
          model.push([clock, name++])
        } else if (model.length > 0) {
          const min = Math.min(...model.map(([e]) => e))
          expect(q.peek()).toBe(min)
          const got = q.pop()
          expect(got[1]).toBe(min)
          const at = model.findIndex(([e, n]) => e === min && n === got[0])
          expect(at).toBeGreaterThanOrEqual(0)
          model.splice(at, 1)
        }
        expect(q.size).toBe(model.length)
      }
    }), { numRuns: 15 })
  }, 20_000)
})
