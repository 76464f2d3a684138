/**
 * The README's policy examples are real: every ```yaml block compiles with no errors (a block that is
 * a list of rules is compiled as the `rules:` of a policy), and the CLI excerpt of a diagnostic is
 * what `vetoc check` prints for that mistake.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compile, formatDiagnostics } from '../compiler/index.js'
import { readPolicyFile } from './support/compiled.js'

const README = readFileSync('README.md', 'utf8')
const blocks = [...README.matchAll(/^( *)```yaml\n([\s\S]*?)^\1```$/gm)].map(m => ({
  line: README.slice(0, m.index).split('\n').length + 1,
  text: m[2]!.split('\n').map(l => l.slice(m[1]!.length)).join('\n'),
}))

describe('README examples', () => {
  it('has the policy examples this test reads', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6)
  })
  for (const b of blocks) {
    it(`the yaml block at README.md:${b.line} compiles`, () => {
      const source = b.text.trimStart().startsWith('- ') ? `rules:\n${b.text.replace(/^/gm, '  ')}` : b.text
      // `extends:` paths in the README are relative to the repository root, where README.md is
      const out = compile(source, { filename: `README.md:${b.line}.policy.yaml`, resolve: readPolicyFile })
      const errors = out.diagnostics.filter(d => d.severity === 'error')
      expect(formatDiagnostics(errors, source, `README.md block at line ${b.line}`)).toBe('')
      expect(out.code).toContain('export function evaluate(')
    })
  }
  it('the diagnostic shown under "Command line" is what the compiler reports', () => {
    const shown = /```text\n( *policies\/bad\.policy\.yaml:[\s\S]*?)\n *```/.exec(README)![1]!
    const policy = 'rules:\n  - id: deny-prod\n    tool: deploy\n    action: deny\n    when: "args.env == \'prod\'"\n    message: no\n    description: no\n    severity: high\n    tags: []\n    enabled: true\n    condtions:\n      - { field: args.env, operator: equals, value: prod }\n'
    const out = compile(policy, { filename: 'policies/bad.policy.yaml' })
    const unknownKey = out.diagnostics.filter(d => d.code === 'unknown-key')
    expect(formatDiagnostics(unknownKey, policy, 'policies/bad.policy.yaml').trim()).toBe(shown.replace(/^ {2}/gm, '').trim())
  })
})
