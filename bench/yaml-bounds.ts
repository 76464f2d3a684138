/**
 * How long `compile` takes on hostile YAML: the alias bomb, many anchors and aliases, and
 * 1 MB policies of several shapes (test/support/hostile-yaml.ts). Each ends compiled or with a
 * diagnostic; the figures are wall time and CPU time (user + system), ms: on a busy machine the
 * CPU time is the one that says what the compiler itself costs.
 *
 *   npx tsx bench/yaml-bounds.ts
 */
import { compile } from '../compiler/index.js'
import { hostileYaml } from '../test/support/hostile-yaml.js'

const cases: [string, () => string][] = [
  ['doubling alias bomb, 23 levels', () => hostileYaml.doublingBomb(23)],
  ['2,500 anchors + 2,500 aliases', () => hostileYaml.manyAnchors(2500)],
  ['5,000 anchors + 5,000 aliases', () => hostileYaml.manyAnchors(5000)],
  ...hostileYaml.megabyteShapes().map(([name, make]): [string, () => string] => [`1 MB: ${name}`, make]),
]
console.log(`node ${process.version}`)
for (const [name, make] of cases) {
  const src = make()
  const t = performance.now()
  const cpu = process.cpuUsage()
  const out = compile(src, { filename: 'p.policy.yaml' })
  const used = process.cpuUsage(cpu)
  const errors = out.diagnostics.filter(d => d.severity === 'error').map(d => d.code)
  console.log(`${name}\t${src.length} bytes\t${(performance.now() - t).toFixed(0)} ms wall\t${((used.user + used.system) / 1000).toFixed(0)} ms cpu\t${errors.length === 0 ? 'compiled' : [...new Set(errors)].join(', ')}`)
}
