/**
 * The memory store's expiry order: (expiry, key digest) entries taken out earliest first, so a sweep
 * looks only at keys whose time is up and never walks the whole table. Digests are kept as their four
 * words in typed arrays, like the table's (`digest-table.ts`): no object per entry.
 *
 * Within one rule every window has the same length, so with a clock that moves forward entries
 * arrive in expiry order: a ring buffer takes them in O(1), in memory order (the cache-friendly
 * case at a million keys). An entry earlier than the last one (a clock that stepped back) goes to a
 * small binary heap instead, so the order stays exact whatever the clock does.
 */
import { copyDigest, type Digest } from './digest-table.js'

export class ExpiryQueue {
  private at = new Float64Array(1024)
  private ids = new Int32Array(1024 * 4)
  /** what `pop` returns: valid until the next `pop` */
  private readonly popped = new Int32Array(4)
  private head = 0
  private length = 0
  private last = -Infinity
  private readonly late = new ExpiryHeap()

  get size(): number {
    return this.length + this.late.size
  }

  /** The earliest expiry held (Infinity when empty). */
  peek(): number {
    return Math.min(this.length === 0 ? Infinity : this.at[this.head]!, this.late.peek())
  }

  push(expiry: number, id: Digest): void {
    if (expiry < this.last) {
      this.late.push(expiry, id)
      return
    }
    this.last = expiry
    if (this.length === this.at.length) this.grow()
    const i = (this.head + this.length) % this.at.length
    this.at[i] = expiry
    copyDigest(id, 0, this.ids, i * 4)
    this.length++
  }

  /** Removes the entry with the earliest expiry and returns its digest, valid until the next `pop` (the queue must not be empty). */
  pop(): Digest {
    if (this.length === 0 || this.late.peek() < this.at[this.head]!) return this.late.pop(this.popped)
    copyDigest(this.ids, this.head * 4, this.popped, 0)
    this.head = (this.head + 1) % this.at.length
    this.length--
    return this.popped
  }

  private grow(): void {
    const n = this.at.length
    const at = new Float64Array(n * 2)
    const ids = new Int32Array(n * 2 * 4)
    for (let k = 0; k < n; k++) {
      const from = (this.head + k) % n
      at[k] = this.at[from]!
      ids.set(this.ids.subarray(from * 4, from * 4 + 4), k * 4)
    }
    this.at = at
    this.ids = ids
    this.head = 0
  }
}

/**
 * A binary min-heap of (expiry, digest) in parallel arrays, for the entries that arrive out of order.
 * Each entry's digest is an `Int32Array` of its own: these are few (a clock that stepped back).
 */
class ExpiryHeap {
  private readonly at: number[] = []
  private readonly ids: Digest[] = []

  get size(): number {
    return this.at.length
  }

  /** The earliest expiry held (Infinity when empty). */
  peek(): number {
    return this.at.length === 0 ? Infinity : this.at[0]!
  }

  push(expiry: number, digest: Digest): void {
    const id = digest.slice(0, 4)
    const { at, ids } = this
    let i = at.length
    at.push(expiry)
    ids.push(id)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (at[parent]! <= expiry) break
      at[i] = at[parent]!
      ids[i] = ids[parent]!
      i = parent
    }
    at[i] = expiry
    ids[i] = id
  }

  /** Removes the entry with the earliest expiry and copies its digest into `out` (the heap must not be empty). */
  pop(out: Int32Array): Digest {
    const { at, ids } = this
    const top = ids[0]!
    const lastAt = at.pop()!
    const lastId = ids.pop()!
    const n = at.length
    if (n > 0) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const c = r < n && at[r]! < at[l]! ? r : l
        if (at[c]! >= lastAt) break
        at[i] = at[c]!
        ids[i] = ids[c]!
        i = c
      }
      at[i] = lastAt
      ids[i] = lastId
    }
    out.set(top)
    return out
  }
}
