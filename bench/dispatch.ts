/**
 * The tool-name dispatch of the emitted module, in isolation: a `switch` over N string cases (what
 * `compiler/emit/index.ts` emits up to `SWITCH_MAX_TOOLS` tools) against a `Map` from name to
 * function (above it). Both are built exactly as the emitter writes them, with N one-line tool
 * functions. Tool names are realistic (`verb_noun_i`, varied lengths), and the probed name comes out
 * of `JSON.parse` of a tool-call payload, as a provider SDK hands it over (not an interned literal).
 */
import { do_not_optimize } from 'mitata'
import { SWITCH_MAX_TOOLS } from '../compiler/emit/index.js'
import { nsPer } from './part.js'

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

export interface DispatchRow {
  cases: number
  switchFirst: number
  switchLast: number
  mapFirst: number
  mapLast: number
}

/**
 * ns per call of the switch and the Map at each number of cases, on the first and the last case, and
 * where the Map starts to win; part of `npm run bench` (section 2).
 */
export interface DispatchResult {
  method: string
  rows: DispatchRow[]
  crossover: { switchFasterUpTo: number | null; meanOfFirstAndLast: number | null; lastCase: number | null; definition: string }
  verdict: string
  SWITCH_MAX_TOOLS: number
}

export async function measureDispatch(log: (s: string) => void): Promise<DispatchResult> {
  const DISPATCH_CASES = [4, 8, 16, 24, 32, 48, 64, 128, 1000]
  const K = 1000
  const dispatchRows: DispatchRow[] = []
  const IMPLS = [['switch', 'first', 'switchFirst'], ['switch', 'last', 'switchLast'], ['map', 'first', 'mapFirst'], ['map', 'last', 'mapLast']] as const
  for (const cases of DISPATCH_CASES) {
    const row = { cases } as DispatchRow
    // three rounds over the four variants; the least p50 of each stands (a few ns are easily hidden
    // by other work on the machine, never shortened by it)
    for (let r = 0; r < 3; r++) {
      for (const [impl, pos, key] of IMPLS) {
        // a fresh dispatcher per measurement: no type feedback carried over from another probe
        const d = dispatcher(cases)
        const f = d[impl]
        const probe = d[pos]
        const loop = (): void => {
          let x: unknown
          for (let i = 0; i < K; i++) x = f(probe)
          do_not_optimize(x)
        }
        const ns = (await nsPer(loop, K, 100)).p50
        row[key] = r === 0 ? ns : Math.min(row[key], ns)
      }
    }
    dispatchRows.push(row)
    log(`    ${String(cases).padStart(5)} cases: switch ${row.switchFirst}/${row.switchLast} ns, map ${row.mapFirst}/${row.mapLast} ns (first/last)`)
  }
  const avgOf = (r: DispatchRow, impl: 'switch' | 'map'): number => (impl === 'switch' ? (r.switchFirst + r.switchLast) / 2 : (r.mapFirst + r.mapLast) / 2)
  // the Map is faster from the smallest N after which it is faster at every larger N measured (a
  // single row where the two are within noise of each other does not make a crossover)
  let from = dispatchRows.length
  while (from > 0 && avgOf(dispatchRows[from - 1]!, 'map') < avgOf(dispatchRows[from - 1]!, 'switch')) from--
  const crossMean = from < dispatchRows.length ? dispatchRows[from]!.cases : null
  const switchWinsUpTo = from > 0 ? dispatchRows[from - 1]!.cases : null
  const crossLast = dispatchRows.find(r => r.mapLast < r.switchLast)?.cases ?? null
  return {
    method: `per call, the least of three p50s (3 rounds) of a loop of ${K} calls to one probe; a switch over N string cases vs a Map, as compiler/emit/index.ts writes them; probe names from JSON.parse of a tool-call payload`,
    rows: dispatchRows,
    crossover: {
      switchFasterUpTo: switchWinsUpTo,
      meanOfFirstAndLast: crossMean,
      lastCase: crossLast,
      definition: 'meanOfFirstAndLast: the smallest N measured from which on the Map is faster than the switch at every larger N, on the mean of the first and last case (= a uniform mix of tools, for a linear switch); switchFasterUpTo: the N measured just below it; lastCase: the smallest N at which the Map is faster on the last case (the worst case)',
    },
    verdict: `the switch is faster at ${switchWinsUpTo ?? 'no'} cases and the Map from ${crossMean ?? 'beyond 1000'} cases on (mean of first and last case); SWITCH_MAX_TOOLS = ${SWITCH_MAX_TOOLS} ${switchWinsUpTo !== null && crossMean !== null && SWITCH_MAX_TOOLS >= switchWinsUpTo && SWITCH_MAX_TOOLS <= crossMean ? 'lies in that band' : 'lies outside that band'}. Comparing a name that came from JSON.parse costs a switch case little when the lengths differ and more when they match, so where exactly a given policy crosses depends on its tool names; the first case of a switch is always the cheapest dispatch there is, and past the band the switch's last case grows linearly (${dispatchRows[dispatchRows.length - 1]!.switchLast} ns at ${dispatchRows[dispatchRows.length - 1]!.cases} cases) while the Map stays flat`,
    SWITCH_MAX_TOOLS,
  }
}
