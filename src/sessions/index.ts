/** Session label stores: in memory (default) and Redis (fleets). */
export { invalidSessionId, MAX_SESSION_ID_LENGTH, type SessionStore } from './store.js'
export { createMemorySessionStore, type MemorySessionStoreOptions } from './memory.js'
export { createRedisSessionStore, sessionKey, type RedisSessionStoreOptions } from './redis.js'
