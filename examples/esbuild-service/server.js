// A tiny tool-call gateway: an agent POSTs the tool call its model proposed, and the service runs
// it only if the groq-tools policy allows it. The policy is compiled into the bundle by the vetoc
// esbuild plugin; `createGuard` adds what needs state: the hourly limit counters and the clock.
import { createServer } from 'node:http'
import { createGuard } from 'vetoc'
import * as groqTools from '../../policies/groq-tools.policy.yaml'

const guard = createGuard(groqTools)

/** Stand-ins for the real tools: what the service would do once a call is allowed. */
const tools = {
  /** @param {{ url: string }} args */
  fetch_external_api: args => ({ fetched: args.url }),
  /** @param {{ to: string, body: string }} args */
  send_sms: args => ({ queued: args.to }),
}

/** @param {import('node:http').IncomingMessage} req */
async function readJson(req) {
  let text = ''
  for await (const chunk of req) text += chunk
  return JSON.parse(text)
}

const server = createServer(async (req, res) => {
  const reply = (/** @type {number} */ status, /** @type {unknown} */ body) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  if (req.method === 'GET' && req.url === '/policy') return reply(200, { name: guard.policy.name, digest: guard.policy.digest })
  if (req.method !== 'POST' || req.url !== '/tool-calls') return reply(404, { error: 'POST /tool-calls or GET /policy' })
  let call
  try {
    call = await readJson(req)
  } catch {
    return reply(400, { error: 'body must be JSON: { "tool": ..., "args": ... }' })
  }
  const d = await guard(call.tool, call.args, call.context)
  const run = d.decision === 'allow' && Object.hasOwn(tools, call.tool) ? tools[/** @type {keyof typeof tools} */ (call.tool)] : undefined
  reply(200, { decision: d.decision, rule: d.rule, reason: d.reason, result: run ? run(call.args) : undefined })
})

server.listen(Number(process.env.PORT ?? 8787), '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : process.env.PORT
  console.log(`vetoc service on http://127.0.0.1:${port} (policy ${guard.policy.name}, sha256 ${guard.policy.digest.slice(0, 12)})`)
})
