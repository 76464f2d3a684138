/**
 * The collections `protect()` and `guardAiTools()` return stay guarded after they are handed out. A
 * tool put into one later (`tools.extra = tool({ execute })`, `list.push(def)`, `list[0] = def`,
 * `Object.defineProperty(...)`) is wrapped on the way in, exactly as if it had been passed at the
 * start, so a user who adds a tool gets what they expect: a guarded tool. What cannot be wrapped is
 * refused with a `TypeError`: an accessor (its getter could hand out an unguarded tool later) and a
 * new prototype (an inherited tool would be found by name without ever passing through here). Each
 * wrapped tool object is frozen, so its guarded function cannot be swapped back for the original.
 */

/** Wraps one entry on its way into the collection (or returns it, when there is nothing to guard). */
export type WrapEntry = (key: string, value: unknown) => unknown

function refuse(what: string): never {
  throw new TypeError(what)
}

/**
 * A Proxy over `target` whose writes go through `wrap`. `which` picks the keys that hold tools: every
 * string key of a tool map, the indices of a tool list.
 */
export function lockedCollection<T extends object>(target: T, wrap: WrapEntry, which: (key: string) => boolean, name: string): T {
  return new Proxy(target, {
    set(t, key, value) {
      if (typeof key === 'string' && which(key)) value = wrap(key, value)
      // written on the target itself, so the defineProperty trap below does not see it twice
      return Reflect.set(t, key, value)
    },
    defineProperty(t, key, desc) {
      if (typeof key === 'string' && which(key)) {
        if (desc.get !== undefined || desc.set !== undefined) refuse(`${name}: a tool cannot be an accessor property (\`${key}\`); assign the tool itself`)
        if ('value' in desc) desc = { ...desc, value: wrap(key, desc.value) }
      }
      return Reflect.defineProperty(t, key, desc)
    },
    setPrototypeOf() {
      return refuse(`${name}: the prototype of a guarded tool collection cannot be changed`)
    },
  })
}

/** True for the canonical array-index keys (`"0"`, `"17"`, not `"01"` or `"length"`). */
export function isIndex(key: string): boolean {
  return /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 2 ** 32 - 1
}

/**
 * A frozen copy of a tool definition whose function under `key` is replaced by `guard(original)`,
 * also under every other own property that held the same function (an alias such as
 * `{ handler: f, run: f }`), so no property of the returned tool still reaches the original. The
 * definition is read once (a getter cannot answer differently later); `drop` names properties left
 * out. `undefined` when the definition has no function under `key`.
 */
export function guardedCopy(definition: object, key: string, guard: (original: (...args: any[]) => unknown, definition: Record<string, unknown>) => unknown, drop: readonly string[] = []): Record<string, unknown> | undefined {
  const copy: Record<string, unknown> = { ...definition }
  const original = copy[key]
  if (typeof original !== 'function') return undefined
  const guarded = guard(original as (...args: any[]) => unknown, copy)
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(copy)) {
    if (drop.includes(k)) continue
    Object.defineProperty(out, k, { value: v === original ? guarded : v, enumerable: true, writable: true, configurable: true })
  }
  Object.defineProperty(out, key, { value: guarded, enumerable: true, writable: true, configurable: true })
  return Object.freeze(out)
}
