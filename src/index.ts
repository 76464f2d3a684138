/** The vetoc runtime: guard, approvals, limits, records and provider adapters. */
export { createGuard, type CallOptions, type Guard, type GuardDecision, type GuardOptions, type GuardSession, type ResultDecision } from './guard.js'
export { createMemorySessionStore, createRedisSessionStore, invalidSessionId, MAX_SESSION_ID_LENGTH, type MemorySessionStoreOptions, type RedisSessionStoreOptions, type SessionStore } from './sessions/index.js'
export { ApprovalQueue, type ApprovalHandler, type ApprovalRequest, type ApprovalVerdict } from './approvals/index.js'
export { applyLimits } from './limits/apply.js'
export { createMemoryStore, type MemoryStoreOptions } from './limits/memory.js'
export { DEFAULT_MAX_KEYS_PER_RULE, keyDigest, LimitKeysFullError } from './limits/keys.js'
export { createRedisStore, type RedisLike, type RedisStoreOptions } from './limits/redis.js'
export {
  Chain,
  CSV_COLUMNS,
  GENESIS,
  REDACTED,
  canonicalJson,
  createFileSink,
  createMemorySink,
  createStreamSink,
  csvCell,
  exportLog,
  generateSigningKeys,
  hashRecord,
  isSecretKey,
  keyIdOf,
  looksSecret,
  redact,
  redactText,
  verifyLog,
  type Checkpoint,
  type DecisionRecord,
  type ExportOptions,
  type FileSinkOptions,
  type RecordSink,
  type SigningKey,
  type SigningOptions,
  type UnsignedRecord,
  type Verification,
  type VerifyingKey,
  type VerifyOptions,
} from './records/index.js'
export { runToolCalls, runStreamedToolCalls, type AssembledToolCall, type ChatCompletionChunkLike, type OpenAIToolCall, type StreamedTurn, type ToolCallsResult, type ToolMessage } from './adapters/openai.js'
export { runFunctionCalls, protectGemini, type FunctionCallsResult, type FunctionDeclarationWithHandler, type GeminiFunctionCall, type GeminiFunctionResponsePart } from './adapters/gemini.js'
export { runToolUses, type ToolResultBlock, type ToolUseBlock, type ToolUsesResult } from './adapters/anthropic.js'
export { guardAiTools, rejectInvalidAiToolCalls, type BlockedToolResult } from './adapters/ai-sdk.js'
export { blockedToolResult, guardMcpServer, type McpGuardOptions } from './adapters/mcp.js'
export { protect, type BlockedCall, type FailedCall, type Protected, type ToolDefinition } from './adapters/protect.js'
export { contentOf, defaultBlockedMessage, guardAndRun, parseArguments, visibilityOf, visibleToolList, type AdapterOptions, type CallOutcome, type ToolHandler } from './adapters/common.js'
export { snapshot, SNAPSHOT_LIMITS, type Snapshot } from './snapshot.js'
export type * from './types.js'
export { guardAgentTools, type AgentToolsOptions } from './adapters/openai-agents.js'
export { vetocToolApproval, type ToolApprovalOptions } from './adapters/ai-sdk-approval.js'
export { vetocClaudeOptions, type ClaudeAgentGuardOptions, type ClaudeReview, type VetocClaudeOptions } from './adapters/claude-agent.js'
