/**
 * The memory store's table of one rule's keys: 128-bit key digests (four 32-bit words) → the times
 * of the allowed calls in the key's window. At a million keys a `Map` of digest strings cost three
 * or four cache misses per lookup (its bucket, its entry, the key string) and hundreds of megabytes
 * of small objects for every major GC to mark. Here the digests sit in one flat `Int32Array`
 * (open addressing, linear probing: a lookup reads one or two adjacent slots), a key with one
 * allowed call keeps its time in a `Float64Array`, and only keys with several calls in their window
 * have a JavaScript array (in a side map). Nothing here holds a pointer per key, so the collector
 * has nothing to walk.
 *
 * Digests are SHA-256 output, so the first word is already a uniform hash. Two reserved word
 * patterns mark slots: all zeros is an empty slot, all ones a deleted one (a digest equal to either
 * is a 2^-128 chance, and no one can aim at it without a SHA-256 preimage).
 */

/** Four 32-bit words of a key's digest. */
export type Digest = Int32Array

const EMPTY = 0
const DELETED = -1
/** The table grows (or sheds its deleted slots) past this share of used + deleted slots. */
const MAX_LOAD = 0.6
const MIN_CAPACITY = 16

function isEmpty(words: Int32Array, at: number): boolean {
  return words[at] === EMPTY && words[at + 1] === EMPTY && words[at + 2] === EMPTY && words[at + 3] === EMPTY
}

function isDeleted(words: Int32Array, at: number): boolean {
  return words[at] === DELETED && words[at + 1] === DELETED && words[at + 2] === DELETED && words[at + 3] === DELETED
}

/**
 * Copies the four words of a digest from `from` at `fromAt` to `to` at `toAt`, word by word:
 * `to.set(from.subarray(...))` made a view object per copy, and the store copies on every call.
 */
export function copyDigest(from: Int32Array, fromAt: number, to: Int32Array, toAt: number): void {
  to[toAt] = from[fromAt]!
  to[toAt + 1] = from[fromAt + 1]!
  to[toAt + 2] = from[fromAt + 2]!
  to[toAt + 3] = from[fromAt + 3]!
}

export class DigestTable {
  /** keys held */
  size = 0
  private deleted = 0
  private capacity = MIN_CAPACITY
  private words = new Int32Array(MIN_CAPACITY * 4)
  /** the time of a key's one allowed call (when `many` has no entry for its slot) */
  private single = new Float64Array(MIN_CAPACITY)
  /** slot → the times of a key with more than one allowed call in its window */
  private many = new Map<number, number[]>()

  /**
   * One walk along `d`'s probe path: the slot holding `d`, or, when `d` is not held, `-1 - slot` for
   * the slot an insert of `d` takes (the first deleted slot on the path, else the empty slot that
   * ended it).
   */
  private probe(d: Digest): number {
    const mask = this.capacity - 1
    const words = this.words
    let free = -1
    for (let slot = d[0]! & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 4
      if (words[at] === d[0] && words[at + 1] === d[1] && words[at + 2] === d[2] && words[at + 3] === d[3]) return slot
      if (isEmpty(words, at)) return -1 - (free >= 0 ? free : slot)
      if (free < 0 && isDeleted(words, at)) free = slot
    }
  }

  get(d: Digest): number | number[] | undefined {
    const slot = this.probe(d)
    if (slot < 0) return undefined
    return (this.many.size > 0 ? this.many.get(slot) : undefined) ?? this.single[slot]!
  }

  set(d: Digest, value: number | number[]): void {
    let slot = this.probe(d)
    if (slot < 0) {
      if ((this.size + this.deleted + 1) > this.capacity * MAX_LOAD) {
        this.resize()
        slot = this.probe(d)
      }
      slot = -1 - slot
      const at = slot * 4
      if (isDeleted(this.words, at)) this.deleted--
      copyDigest(d, 0, this.words, at)
      this.size++
    }
    if (typeof value === 'number') {
      // most keys never have a second call in their window: no Map operation for them
      if (this.many.size > 0) this.many.delete(slot)
      this.single[slot] = value
    } else this.many.set(slot, value)
  }

  delete(d: Digest): void {
    const slot = this.probe(d)
    if (slot < 0) return
    const words = this.words
    const at = slot * 4
    words[at] = DELETED
    words[at + 1] = DELETED
    words[at + 2] = DELETED
    words[at + 3] = DELETED
    if (this.many.size > 0) this.many.delete(slot)
    this.size--
    this.deleted++
  }

  /** Rebuilds the table without its deleted slots, at a capacity where the keys fill at most a third. */
  private resize(): void {
    let capacity = MIN_CAPACITY
    while ((this.size + 1) * 3 > capacity) capacity *= 2
    const { words, single, many } = this
    const old = this.capacity
    this.capacity = capacity
    this.words = new Int32Array(capacity * 4)
    this.single = new Float64Array(capacity)
    this.many = new Map()
    this.size = 0
    this.deleted = 0
    for (let slot = 0; slot < old; slot++) {
      const at = slot * 4
      if (isEmpty(words, at) || isDeleted(words, at)) continue
      this.set(words.subarray(at, at + 4), many.get(slot) ?? single[slot]!)
    }
  }
}
