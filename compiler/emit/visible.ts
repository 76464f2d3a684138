/**
 * `visibleTools(context?, options?)` in the emitted module: the governed tools, in policy order,
 * for which some call could be allowed or reviewed under that context (compiler/visible.ts says
 * which rules count). One small function per tool that has static rules; the others are always
 * listed.
 */
import type { Policy, Rule } from '../ir.js'
import { counterFields, toolVisibility } from '../visible.js'
import { join, js, numberedName, type Code } from './code.js'

export function visibleFunction(policy: Policy, rulesOf: ReadonlyMap<string, Rule[]>, condition: (rule: Rule, tool: string) => Code): Code {
  const counters = counterFields(policy)
  const fns: Code[] = []
  const body: Code[] = []
  policy.tools.forEach((tool, i) => {
    // Stryker disable next-line ArrayDeclaration: `rulesByTool` has a list for every tool
    const v = toolVisibility(policy, rulesOf.get(tool.name) ?? [], counters)
    // nothing can hide the tool: no static deny, some call could be allowed, and no static condition
    // whose error would deny every call
    if (v.denies.length === 0 && v.allowers === null && (v.evaluated.length === 0 || policy.failMode === 'open')) {
      body.push(js`  out.push(${tool.name});`)
      return
    }
    const flags = new Map<number, Code>()
    const lines: Code[] = []
    // as in `evaluate`: under `closed` a throwing condition denies every call (the catch below hides
    // the tool); under `open` only that rule is skipped (it does not hold)
    v.evaluated.forEach((r, j) => {
      const f = numberedName('s', j)
      flags.set(r.index, f)
      lines.push(policy.failMode === 'open' ? js`    let ${f}; try { ${f} = !!(${condition(r, tool.name)}); } catch (e) { ${f} = false; }` : js`    const ${f} = !!(${condition(r, tool.name)});`)
    })
    const holds = (r: Rule): Code => flags.get(r.index) ?? js`true`
    if (v.denies.length > 0) lines.push(js`    if (${join(v.denies.map(holds), js` || `)}) return false;`)
    // some allower holds; `false` ends the list, so a tool with none answers false
    lines.push(js`    return ${v.allowers === null ? js`true` : join([...v.allowers.map(holds), js`false`], js` || `)};`)
    const name = numberedName('vis', i)
    // Stryker disable next-line StringLiteral: statements that each end in `;`: the line breaks here and below only keep the output readable
    const statements = join(lines, js`\n`)
    fns.push(js`function ${name}(c, o) {
  let n;
  try {
${statements}
  } catch (e) { return FAIL !== "deny"; }
}`)
    body.push(js`  if (${name}(c, o)) out.push(${tool.name});`)
  })
  // Stryker disable next-line StringLiteral: as above
  const functions = join(fns, js`\n`)
  // Stryker disable next-line StringLiteral: as above
  const pushes = join(body, js`\n`)
  return js`${functions}
export function visibleTools(c, o) {
  const out = [];
${pushes}
  return out;
}`
}
