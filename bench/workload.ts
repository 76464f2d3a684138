/**
 * The fixed workload: 64 calls, mixed allow / deny / review, on the two stateless shipped policies
 * (groq-tools-context and gemini-safety; groq-tools itself hands its caps to the guard's store, which
 * the guard-path section measures). All arguments are schema-valid so that every engine can run it.
 */
export interface Call {
  policy: 'groq-tools-context' | 'gemini-safety'
  tool: string
  args: Record<string, unknown>
  context: Record<string, number>
}

const base: Call[] = [
  { policy: 'groq-tools-context', tool: 'fetch_external_api', args: { url: 'https://api.stripe.invalid/v1/charges' }, context: { hourly_calls: 3, recipient_hourly_count: 0, local_hour: 12 } },
  { policy: 'groq-tools-context', tool: 'fetch_external_api', args: { url: 'https://evil.invalid/x' }, context: { hourly_calls: 3, recipient_hourly_count: 0, local_hour: 12 } },
  { policy: 'groq-tools-context', tool: 'fetch_external_api', args: { url: 'https://api.twilio.invalid/v1', api_key: 'k' }, context: { hourly_calls: 3, recipient_hourly_count: 0, local_hour: 12 } },
  { policy: 'groq-tools-context', tool: 'send_sms', args: { to: '+15550100', body: 'hi' }, context: { hourly_calls: 3, recipient_hourly_count: 0, local_hour: 12 } },
  { policy: 'groq-tools-context', tool: 'send_sms', args: { to: '+15550100', body: 'hi' }, context: { hourly_calls: 3, recipient_hourly_count: 1, local_hour: 12 } },
  { policy: 'groq-tools-context', tool: 'send_sms', args: { to: '+15550100', body: 'hi' }, context: { hourly_calls: 3, recipient_hourly_count: 0, local_hour: 22 } },
  { policy: 'groq-tools-context', tool: 'send_sms', args: { to: '+15550100', body: 'hi' }, context: { hourly_calls: 75, recipient_hourly_count: 0, local_hour: 12 } },
  { policy: 'groq-tools-context', tool: 'fetch_external_api', args: { url: 'https://api.openweathermap.invalid/data' }, context: { hourly_calls: 59, recipient_hourly_count: 0, local_hour: 8 } },
  { policy: 'gemini-safety', tool: 'send_email', args: { to: 'ana@approved.example.com', subject: 's', body: 'b' }, context: { hourly_count: 2 } },
  { policy: 'gemini-safety', tool: 'send_email', args: { to: 'eve@evil.invalid', subject: 's', body: 'b' }, context: { hourly_count: 2 } },
  { policy: 'gemini-safety', tool: 'delete_file', args: { path: '/tmp/a.txt' }, context: { hourly_count: 2 } },
  { policy: 'gemini-safety', tool: 'delete_file', args: { path: '/etc/passwd' }, context: { hourly_count: 2 } },
  { policy: 'gemini-safety', tool: 'delete_file', args: { path: '/etc/passwd' }, context: { hourly_count: 11 } },
  { policy: 'gemini-safety', tool: 'send_email', args: { to: 'bob@approved.example.com', subject: 's', body: 'b' }, context: { hourly_count: 10 } },
  { policy: 'gemini-safety', tool: 'delete_file', args: { path: '/tmp/b' }, context: { hourly_count: 0 } },
  { policy: 'groq-tools-context', tool: 'send_sms', args: { to: '+15550111', body: 'yo' }, context: { hourly_calls: 1, recipient_hourly_count: 0, local_hour: 19 } },
]

/** 64 calls: the 16 above, four times, so every engine sees the same mix. */
export const WORKLOAD: Call[] = [...base, ...base, ...base, ...base]
