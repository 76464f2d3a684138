/**
 * The tool-name dispatch of the emitted module, in isolation: a `switch` over N string cases (what
 * `compiler/emit/index.ts` emits up to `SWITCH_MAX_TOOLS` tools) against a `Map` from name to
 * function (above it). Both are built exactly as the emitter writes them, with N one-line tool
 * functions. Tool names are realistic (`verb_noun_i`, varied lengths), and the probed name comes out
 * of `JSON.parse` of a tool-call payload, as a provider SDK hands it over (not an interned literal).
 */
export interface Dispatcher {
  cases: number
  switch: (tool: string) => unknown
  map: (tool: string) => unknown
  /** probe names from JSON.parse: the first and the last case */
  first: string
  last: string
}

const VERBS = ['get', 'list', 'create', 'update', 'delete', 'send', 'fetch', 'search', 'run', 'cancel']
const NOUNS = ['file', 'email', 'sms', 'invoice', 'customer', 'external_api', 'calendar_event', 'ticket', 'repo', 'payment_intent']

export function toolNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${VERBS[i % VERBS.length]}_${NOUNS[Math.floor(i / VERBS.length) % NOUNS.length]}${i >= 100 ? `_${i}` : ''}`)
}

export function dispatcher(n: number): Dispatcher {
  const names = toolNames(n)
  if (new Set(names).size !== n) throw new Error('internal: duplicate tool names')
  const fns = names.map((_, i) => `function tool${i}(a, c, o) { return R[${i % 8}]; }`).join('\n')
  const prelude = `const R = Array.from({ length: 8 }, (_, i) => Object.freeze({ decision: "allow", ruleIndex: i }));\nconst U = Object.freeze({ decision: "deny", ruleIndex: -1 });\n${fns}\n`
  const sw = `${prelude}function dispatch(tool, a, c, o) {\n  switch (tool) {\n${names.map((t, i) => `    case ${JSON.stringify(t)}: return tool${i}(a, c, o);`).join('\n')}\n    default: return U;\n  }\n}\nreturn tool => dispatch(tool, undefined, undefined, undefined);`
  const mp = `${prelude}const TOOLS = new Map([${names.map((t, i) => `[${JSON.stringify(t)}, tool${i}]`).join(', ')}]);\nfunction dispatch(tool, a, c, o) { const f = typeof tool === "string" ? TOOLS.get(tool) : undefined; return f === undefined ? U : f(a, c, o); }\nreturn tool => dispatch(tool, undefined, undefined, undefined);`
  const probe = (name: string): string => (JSON.parse(JSON.stringify({ id: 'call_1', type: 'function', function: { name } })) as { function: { name: string } }).function.name
  return {
    cases: n,
    switch: new Function(sw)() as (tool: string) => unknown,
    map: new Function(mp)() as (tool: string) => unknown,
    first: probe(names[0]!),
    last: probe(names[n - 1]!),
  }
}
