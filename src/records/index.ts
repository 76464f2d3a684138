/**
 * The decision record: one JSON object per decision, each chained to the previous one by SHA-256 so
 * that editing, dropping or reordering a record is detectable (`verifyLog`). Secrets are redacted
 * before anything is written.
 */
export * from './chain.js'
export * from './redact.js'
export * from './sinks.js'
export * from './verify.js'
