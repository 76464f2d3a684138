/**
 * Generated policies for the scaling and compile-time measurements. The timed tool, `hot_tool`, always
 * carries the same ten rules; the rest of the policy (N - 10 rules) is spread round-robin over up to
 * 999 other typed tools, so what grows is the policy around the call, not the work the call needs.
 * Rules mix both dialects (`when` and `conditions`/`condition_groups`) and every operator family.
 *
 * Regex variety: two of the eight templates use a regex; their patterns cycle through
 * `ceil(N / 100)` distinct values per template (so 2 distinct regexes per 100 rules, 200 at 10,000),
 * and `salt` makes every pattern new, because the compiler caches recheck's verdict per pattern.
 * The salt also goes into each tool schema (its `note_` property), so a salted policy's validators
 * are new to the compiler's memory of generated validators too: a cold compile.
 */
export interface Generated {
  yaml: string
  rules: number
  tools: number
  distinctRegexes: number
}

export const HOT_TOOL = 'hot_tool'
export const HOT_RULES = 10

/** An allow call for `hot_tool`: every one of its ten conditions is evaluated and none holds. */
export const HOT_CALL: { args: Record<string, unknown>; context: Record<string, unknown> } = {
  args: { url: 'https://api.v0.example/charges', to: 'ana@corp0.example', path: '/srv/3/data', amount: 5, account: 'acct-0-1234' },
  context: { tier: 'pro', hour: 12 },
}

function schema(extra: string): string {
  return [
    '    parameters:',
    '      type: object',
    '      properties:',
    '        url: { type: string }',
    '        to: { type: string }',
    '        path: { type: string }',
    '        amount: { type: number }',
    '        account: { type: string }',
    `        ${extra}: { type: string }`,
    '      required: [url, to, path, amount, account]',
  ].join('\n')
}

const q = (s: string): string => JSON.stringify(s)

/** The eight rule templates; `r` picks the regex among the distinct ones, `salt` makes it unique per run. */
function rule(id: string, tool: string, i: number, r: number, salt: string): string {
  const head = `  - id: ${id}\n    tool: ${tool}\n`
  switch (i % 8) {
    case 0: return `${head}    when: ${q(`args.amount > ${1000 + (i % 1000)}`)}\n    action: deny\n    message: amount too large\n`
    case 1: return `${head}    conditions:\n      - { field: arguments.path, operator: starts_with, value: ${q(`/etc/${i % 97}/`)} }\n    action: require_approval\n`
    case 2: return `${head}    when: ${q(`!args.url.match(/^https:\\/\\/api\\.v${r}${salt}\\.example\\//) && args.url.startsWith("https://api.vx")`)}\n    action: deny\n    severity: high\n`
    case 3: return `${head}    conditions:\n      - { field: arguments.account, operator: matches, value: ${q(`^blocked-${r}${salt}-[0-9]+$`)} }\n    action: block\n`
    case 4: return `${head}    conditions:\n      - { field: context.tier, operator: in, value: [free, trial, ${q(`x${i % 5}`)}] }\n    action: require_approval\n`
    case 5: return `${head}    when: ${q(`args.to.endsWith("@evil${i % 13}.example") && context.hour >= 9`)}\n    action: deny\n`
    case 6: return `${head}    condition_groups:\n      - [ { field: arguments.amount, operator: greater_than_or_equal, value: ${2000 + (i % 500)} }, { field: context.tier, operator: equals, value: free } ]\n      - [ { field: arguments.path, operator: contains, value: ".." } ]\n    action: deny\n`
    default: return `${head}    when: ${q(`context.tier === "suspended" || args.amount < 0`)}\n    action: deny\n    message: ${q(`rule ${i}: suspended tier or negative amount`)}\n`
  }
}

export function generatePolicy(ruleCount: number, salt = ''): Generated {
  if (ruleCount < HOT_RULES) throw new Error(`at least ${HOT_RULES} rules`)
  const others = ruleCount - HOT_RULES
  const otherTools = Math.min(others, 999)
  const perTemplate = Math.ceil(ruleCount / 100)
  const names = Array.from({ length: otherTools }, (_, i) => `tool_${String(i).padStart(4, '0')}`)
  const out: string[] = [`name: scale-${ruleCount}`, 'default: allow', 'unknown_tools: deny', 'context:', '  tier: string', '  hour: number', 'tools:']
  for (const [i, name] of names.entries()) out.push(`  ${name}:`, schema(`note_${i}${salt === '' ? '' : `_${salt}`}`))
  // the timed tool comes last, the worst place for a `switch`
  out.push(`  ${HOT_TOOL}:`, schema(`note_hot${salt === '' ? '' : `_${salt}`}`))
  out.push('rules:')
  const regexes = new Set<string>()
  let n = 0
  for (let i = 0; i < HOT_RULES; i++) {
    const r = Math.floor(i / 8) % perTemplate
    if (i % 8 === 2 || i % 8 === 3) regexes.add(`${i % 8}/${r}`)
    out.push(rule(`hot_${i}`, HOT_TOOL, i, r, salt))
    n++
  }
  for (let j = 0; j < others; j++) {
    const i = j + HOT_RULES
    const r = Math.floor(j / 8) % perTemplate
    if (i % 8 === 2 || i % 8 === 3) regexes.add(`${i % 8}/${r}`)
    out.push(rule(`r_${j}`, names[j % otherTools]!, i, r, salt))
    n++
  }
  return { yaml: `${out.join('\n')}\n`, rules: n, tools: otherTools + 1, distinctRegexes: regexes.size }
}
