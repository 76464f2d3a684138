/** The text of a thrown value, for a decision's reason or an error hook: never throws itself. */
export function errorMessage(e: unknown): string {
  try {
    return e instanceof Error ? e.message : String(e)
  } catch {
    // a getter on `message` or a `toString` that throws
    return 'unprintable error'
  }
}
