/**
 * The README's and docs/*.md's policy examples are real: every ```yaml block compiles with no errors
 * (a block that is a list of rules is compiled as the `rules:` of a policy), the CLI excerpt of a
 * diagnostic is what `vetoc check` prints for that mistake, and every relative link resolves to a
 * file that exists (and, for the pages the package ships, a heading that exists).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compile, formatDiagnostics } from '../compiler/index.js'
import { readPolicyFile } from './support/compiled.js'

const PAGES = ['README.md', ...readdirSync('docs').filter(f => f.endsWith('.md')).sort().map(f => `docs/${f}`)]
const text = new Map(PAGES.map(p => [p, readFileSync(p, 'utf8')]))

function yamlBlocks(page: string): { line: number; text: string }[] {
  const md = text.get(page)!
  return [...md.matchAll(/^( *)```yaml\n([\s\S]*?)^\1```$/gm)].map(m => ({
    line: md.slice(0, m.index).split('\n').length + 1,
    text: m[2]!.split('\n').map(l => l.slice(m[1]!.length)).join('\n'),
  }))
}

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
function anchors(md: string): Set<string> {
  const out = new Set<string>()
  for (const m of md.matchAll(/^#{1,6} (.+)$/gm)) out.add(m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'))
  return out
}

describe('README and docs examples', () => {
  it('has the policy examples this test reads, most of them in docs/', () => {
    const counts = PAGES.map(p => yamlBlocks(p).length)
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(6)
    expect(yamlBlocks('docs/language.md').length).toBeGreaterThanOrEqual(4)
  })
  for (const page of PAGES) {
    for (const b of yamlBlocks(page)) {
      it(`the yaml block at ${page}:${b.line} compiles`, () => {
        const source = b.text.trimStart().startsWith('- ') ? `rules:\n${b.text.replace(/^/gm, '  ')}` : b.text
        // `extends:` paths in the examples are relative to the repository root
        const out = compile(source, { filename: `${page.replace(/\//g, '_')}:${b.line}.policy.yaml`, resolve: readPolicyFile })
        const errors = out.diagnostics.filter(d => d.severity === 'error')
        expect(formatDiagnostics(errors, source, `${page} block at line ${b.line}`)).toBe('')
        expect(out.code).toContain('export function evaluate(')
      })
    }
  }
  it('every relative link in README.md and docs/ resolves to a file, and its #anchor to a heading', () => {
    const broken: string[] = []
    for (const page of PAGES) {
      const md = text.get(page)!.replace(/^```[\s\S]*?^```$/gm, '')
      for (const m of md.matchAll(/\]\(([^)\s]+)\)/g)) {
        const href = m[1]!
        if (/^[a-z]+:/i.test(href)) continue
        const [file, anchor] = href.split('#') as [string, string | undefined]
        const target = file === '' ? page : normalize(join(dirname(page), file))
        if (!existsSync(target)) broken.push(`${page}: ${href} (no file ${target})`)
        else if (anchor !== undefined && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${page}: ${href} (no heading #${anchor})`)
      }
    }
    expect(broken).toEqual([])
  })
  it('the diagnostic shown in docs/cli.md is what the compiler reports', () => {
    const shown = /```text\n( *policies\/bad\.policy\.yaml:[\s\S]*?)\n *```/.exec(text.get('docs/cli.md')!)![1]!
    const policy = 'rules:\n  - id: deny-prod\n    tool: deploy\n    action: deny\n    when: "args.env == \'prod\'"\n    message: no\n    description: no\n    severity: high\n    tags: []\n    enabled: true\n    condtions:\n      - { field: args.env, operator: equals, value: prod }\n'
    const out = compile(policy, { filename: 'policies/bad.policy.yaml' })
    const unknownKey = out.diagnostics.filter(d => d.code === 'unknown-key')
    expect(formatDiagnostics(unknownKey, policy, 'policies/bad.policy.yaml').trim()).toBe(shown.replace(/^ {2}/gm, '').trim())
  })
})
