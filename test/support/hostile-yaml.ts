/**
 * Hostile YAML texts, shared by the tests (test/compiler/yaml-bounds.test.ts) and the measurement
 * (bench/yaml-bounds.ts): alias bombs, many anchors, and 1 MB policies of several shapes.
 */
const MB = 1_000_000

function doublingBomb(levels: number): string {
  const lines = ['tools:', '  t: {}', 'rules:', '  - id: r', '    tool: t', '    action: deny', '    metadata:', '      a0: &a0 [x, x]']
  for (let i = 1; i < levels; i++) lines.push(`      a${i}: &a${i} [*a${i - 1}, *a${i - 1}]`)
  return `${lines.join('\n')}\n`
}

function manyAnchors(n: number): string {
  const lines = ['tools:', '  t: {}', 'rules:', '  - id: r', '    tool: t', '    action: deny', '    metadata:']
  for (let i = 0; i < n; i++) lines.push(`      k${i}: &a${i} value ${i}`)
  for (let i = 0; i < n; i++) lines.push(`      r${i}: *a${i}`)
  return `${lines.join('\n')}\n`
}

const HEAD = 'tools:\n  t: {}\nrules:\n'

/** [name, make, what it must give: `compiles`, the code of an error it must report, or `either`] */
function megabyteShapes(): [string, () => string, string][] {
  return [
    ['deep flow nesting', () => `${HEAD}  - id: r\n    tool: t\n    action: deny\n    metadata: { m: ${'['.repeat(MB / 2)}${']'.repeat(MB / 2)} }\n`, 'yaml-too-deep'],
    ['deep block nesting', () => {
      let s = `${HEAD}  - id: r\n    tool: t\n    action: deny\n    metadata:\n`
      for (let d = 0; s.length < MB; d++) s += `${' '.repeat(6 + d)}k:\n`
      return `${s}${' '.repeat(2000)}x\n`
    }, 'yaml-too-deep'],
    ['a huge scalar', () => `${HEAD}  - id: r\n    tool: t\n    action: deny\n    message: "${'x'.repeat(MB)}"\n`, 'compiles'],
    // 60,000 `||`: compiled, or refused by the expression reader with a diagnostic
    ['a huge when', () => `${HEAD}  - id: r\n    tool: t\n    action: deny\n    when: "${Array.from({ length: MB / 16 }, (_, i) => `args.a == ${i}`).join(' || ')}"\n`, 'either'],
    ['many rules', () => {
      const rules: string[] = []
      for (let i = 0; rules.length * 80 < MB; i++) rules.push(`  - { id: r${i}, tool: t, action: deny, when: "args.n == ${i}", message: m${i} }\n`)
      return `${HEAD}${rules.join('')}`
    }, 'compiles'],
    ['many aliases', () => {
      const lines = [`${HEAD}  - id: r\n    tool: t\n    action: deny\n    metadata:\n      base: &b [1, 2, 3]`]
      for (let i = 0; lines.length * 16 < MB; i++) lines.push(`      c${i}: *b`)
      return `${lines.join('\n')}\n`
    }, 'yaml-alias-limit'],
    ['many documents', () => `${HEAD}  - { id: r, tool: t, action: deny }\n${'---\na: 1\n'.repeat(MB / 9)}`, 'yaml-syntax'],
  ]
}

export const hostileYaml: { doublingBomb: typeof doublingBomb; manyAnchors: typeof manyAnchors; megabyteShapes: typeof megabyteShapes } = {
  doublingBomb: doublingBomb,
  manyAnchors: manyAnchors,
  megabyteShapes: megabyteShapes,
}
