/** A tool's `normalize:` (SPEC 4.2): `{ <argument>: <kind> | [<kind>, ...] }` → `ArgNormalizer`s. */
import type { ArgNormalizer, NormalizeKind } from '../ir.js'
import type { YNode } from '../parse/index.js'
import { FORBIDDEN_KEYS, Lowerer, NORMALIZE_KINDS } from './lowerer.js'

export function lowerNormalize(lw: Lowerer, node: YNode, tool: string): ArgNormalizer[] {
  if (node.kind !== 'map') {
    lw.error('invalid-type', `\`normalize\` of tool \`${tool}\` must map argument names to kinds`, node.span, 'e.g. `normalize: { path: path, cmd: [text, shell] }`')
    // Stryker disable next-line ArrayDeclaration: lowering has already reported an error here, and a policy with an error emits nothing
    return []
  }
  const out: ArgNormalizer[] = []
  for (const e of node.entries) {
    if (FORBIDDEN_KEYS.has(e.key)) {
      lw.error('invalid-field', `argument \`${e.key}\` cannot be normalised`, e.keySpan, 'reads see own properties only; prototype keys never resolve')
      continue
    }
    const items = e.value.kind === 'seq' ? e.value.items : [e.value]
    if (items.length === 0) {
      lw.error('invalid-value', `\`normalize\` of \`${e.key}\` lists no kind`, e.value.span, `kinds: ${NORMALIZE_KINDS.map(k => `\`${k}\``).join(', ')}`)
      continue
    }
    const kinds: NormalizeKind[] = []
    let ok = true
    items.forEach((item, i) => {
      const k = lw.choice(item, NORMALIZE_KINDS, 'normalize kind') as NormalizeKind | undefined
      // Stryker disable next-line BooleanLiteral: choice is undefined only after an error; lowering has already reported an error here, and a policy with an error emits nothing
      if (k === undefined) ok = false
      else if (k === 'shell' && i !== items.length - 1) {
        lw.error('invalid-value', '`shell` must be the last kind: it turns the string into words', item.span, 'put string kinds such as `text` before it, e.g. `[text, shell]`')
        // Stryker disable next-line BooleanLiteral: lowering has already reported an error here, and a policy with an error emits nothing
        ok = false
      } else if (kinds.includes(k)) {
        lw.error('invalid-value', `kind \`${k}\` is listed twice`, item.span)
        // Stryker disable next-line BooleanLiteral: lowering has already reported an error here, and a policy with an error emits nothing
        ok = false
      } else kinds.push(k)
    })
    if (ok) out.push({ arg: e.key, kinds, span: e.keySpan })
  }
  return out
}
