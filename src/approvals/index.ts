/** Reviews: bound approval ids, the stores that hold them, and the channels that answer them. */
export * from './queue.js'
export * from './pending.js'
export * from './flow.js'
export { createRedisPendingStore, type RedisPendingOptions } from './redis.js'
export * from './webhook.js'
export { createApprovalPage, startApprovalServer, type ApprovalPage, type ApprovalPageOptions, type ApprovalServer, type ApprovalServerOptions } from './page.js'
