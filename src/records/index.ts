/**
 * The decision record: one JSON object per decision, each chained to the previous one by SHA-256, and
 * (with a signing key) signed checkpoints of that chain, so that a log cut, appended to or rewritten
 * by someone without the key fails `verifyLog` with the public key. Secrets are redacted before
 * anything is written.
 */
export * from './chain.js'
export * from './file-sink.js'
export * from './redact.js'
export * from './signing.js'
export * from './sinks.js'
export * from './verify.js'
