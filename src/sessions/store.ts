/**
 * Session label stores (SPEC 4.2): the labels each session gained, kept per session id. The id is
 * the application's (a conversation, a user's chat, an agent run), never the model's: a model that
 * could choose its session could pick a fresh one with no labels. Labels come only from the policy
 * (a tool's `adds:`, a result rule's `adds:`), never from a caller's context.
 */

export interface SessionStore {
  /** The labels of `session`, sorted; `[]` for a session never seen (or expired). */
  labels(session: string): Promise<readonly string[]> | readonly string[]
  /**
   * Adds `labels` to `session` atomically and returns all its labels afterwards, sorted. Throws (or
   * rejects) when the session would hold more labels than the store allows: the guard then decides
   * by the fail mode rather than drop a label silently.
   */
  add(session: string, labels: readonly string[]): Promise<readonly string[]> | readonly string[]
  /** Release connections/timers. */
  close?(): Promise<void> | void
}

/** The longest session id the guard accepts. */
export const MAX_SESSION_ID_LENGTH = 256

/** Why `id` cannot name a session, or undefined when it can. */
export function invalidSessionId(id: unknown): string | undefined {
  if (typeof id !== 'string') return `invalid session id: expected a string, got ${id === null ? 'null' : typeof id}`
  if (id.length === 0) return 'invalid session id: empty'
  if (id.length > MAX_SESSION_ID_LENGTH) return `invalid session id: longer than ${MAX_SESSION_ID_LENGTH} characters`
  return undefined
}
