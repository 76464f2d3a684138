/** The memory store's digest table held to a `Map` (test/limits): one operation at a time, every answer compared. */
import { expect } from 'vitest'
import { DigestTable } from '../../src/limits/digest-table.js'

export type TableOp = { kind: 'set'; key: number; value: number | number[] } | { kind: 'delete'; key: number } | { kind: 'get'; key: number }

const text = (d: Int32Array): string => Array.from(d).join(',')

/**
 * Applies `ops` (each naming a key by its index in `keys`) to a new table and to a Map: every `get`
 * and the size after each operation must agree, and so must every key's value at the end.
 */
export function expectTableAsMap(keys: readonly Int32Array[], ops: readonly TableOp[]): void {
  const table = new DigestTable()
  const model = new Map<string, number | number[]>()
  for (const o of ops) {
    const d = keys[o.key]!
    if (o.kind === 'set') {
      table.set(d, o.value)
      model.set(text(d), o.value)
    } else if (o.kind === 'delete') {
      table.delete(d)
      model.delete(text(d))
    } else expect(table.get(d)).toEqual(model.get(text(d)))
    expect(table.size).toBe(model.size)
  }
  for (const d of keys) expect(table.get(d)).toEqual(model.get(text(d)))
}
