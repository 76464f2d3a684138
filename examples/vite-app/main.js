// The policy is compiled by the vetoc plugin when vite builds (or serves) this file: the bundle
// carries a plain `evaluate` function, with no YAML parser and no rule interpreter. Types come from
// the `gemini-safety.policy.yaml.d.ts` the plugin writes next to the policy (see tsconfig.json).
import { evaluate, policy } from '../../policies/gemini-safety.policy.yaml'

/**
 * A few tool calls a model might propose, and what the policy says about each.
 * @param {typeof evaluate} decide
 */
function decisions(decide) {
  const quiet = { hourly_count: 0 }
  return [
    { call: 'send_email to approved.example.com', d: decide('send_email', { to: 'ana@approved.example.com', subject: 'Report', body: 'Attached.' }, quiet) },
    { call: 'send_email to another domain', d: decide('send_email', { to: 'someone@elsewhere.invalid', subject: 'Hi', body: 'Hello' }, quiet) },
    { call: 'delete_file under /tmp/', d: decide('delete_file', { path: '/tmp/scratch.txt' }, quiet) },
    { call: 'delete_file elsewhere', d: decide('delete_file', { path: '/home/ana/thesis.pdf' }, quiet) },
    { call: 'send_email, 11th call this hour', d: decide('send_email', { to: 'ana@approved.example.com', subject: 'Again', body: 'x' }, { hourly_count: 11 }) },
    // @ts-expect-error: not a tool of this policy, so the generated types reject it (at run time `unknown_tools: deny` decides)
    { call: 'format_disk (unknown tool)', d: decide('format_disk', {}, quiet) },
  ]
}

/** @param {typeof evaluate} decide */
function render(decide) {
  const lines = decisions(decide).map(({ call, d }) => `${d.decision.padEnd(6)} ${call}${d.rule ? `  [${d.rule}]` : ''}`)
  const out = document.querySelector('#decisions')
  if (out) out.textContent = lines.join('\n')
}

const header = document.querySelector('#policy')
if (header) header.textContent = `policy ${policy.name}, sha256 ${policy.digest.slice(0, 12)}…`
render(evaluate)

// Edit the policy while `vite` serves this page: the policy module is recompiled and handed to this
// callback, with no full reload.
if (import.meta.hot) import.meta.hot.accept('../../policies/gemini-safety.policy.yaml', mod => mod && render(mod.evaluate))
