/**
 * A binary min-heap of (expiry, id): the memory store's expiry order, so a sweep looks only at keys
 * whose time is up and never walks the whole map. Parallel arrays keep entries unboxed.
 */
export class ExpiryHeap {
  private readonly at: number[] = []
  private readonly ids: string[] = []

  get size(): number {
    return this.at.length
  }

  /** The earliest expiry held (Infinity when empty). */
  peek(): number {
    return this.at.length === 0 ? Infinity : this.at[0]!
  }

  push(expiry: number, id: string): void {
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

  /** Removes and returns the id with the earliest expiry (the heap must not be empty). */
  pop(): string {
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
    return top
  }
}
