/**
 * `evaluateResult`: the result rules (`on: result`, SPEC 4.2) of each tool → one function per tool
 * that decides what the model may see of a handler's return value. The run-time meaning is written
 * at `ResultAction` in `compiler/ir.ts`; the reference interpreter implements it independently.
 */
import { resultAction } from '../ir-util.js'
import type { Policy, Rule, Span } from '../ir.js'
import { join, js, jsonValue, type Code } from './code.js'

interface Line {
  code: Code
  span?: Span
}

/** The helpers only modules with result rules need: the total copy and the path redaction. */
export const RESULT_HELPERS: Code = js`const defineProp = Object.defineProperty;
const objectKeys = Object.keys;
function redactCopy(v) { return copyValue(v, [], 0); }
function copyValue(v, stack, depth) {
  if (typeof v === "bigint") return String(v);
  if (v === null || typeof v !== "object") return typeof v === "function" || typeof v === "symbol" ? undefined : v;
  if (depth > 64) return "[DEPTH]";
  for (let i = 0; i < stack.length; i++) if (stack[i] === v) return "[CIRCULAR]";
  stack.push(v);
  try {
    if (isArray(v)) {
      const out = [];
      const n = v.length;
      for (let i = 0; i < n; i++) {
        let x;
        try { x = hasOwn.call(v, i) ? v[i] : undefined; } catch { out.push("[UNREADABLE]"); continue; }
        out.push(copyValue(x, stack, depth + 1));
      }
      return out;
    }
    const out = {};
    const keys = objectKeys(v);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      let x;
      try { x = v[k]; x = copyValue(x, stack, depth + 1); } catch { x = "[UNREADABLE]"; }
      defineProp(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    }
    return out;
  } catch {
    return "[UNREADABLE]";
  } finally {
    stack.pop();
  }
}
function redactAt(v, path, i) {
  if (v === null || typeof v !== "object") return;
  const k = path[i];
  const keys = k === "*" ? objectKeys(v) : hasOwn.call(v, k) ? [k] : [];
  for (let j = 0; j < keys.length; j++) {
    if (i + 1 === path.length) v[keys[j]] = "[REDACTED]";
    else redactAt(v[keys[j]], path, i + 1);
  }
}
function redactPaths(v, paths) { for (let i = 0; i < paths.length; i++) redactAt(v, paths[i], 0); return v; }
function addAll(into, list) { for (let i = 0; i < list.length; i++) if (!into.includes(list[i])) into.push(list[i]); }
function resultDecision(d, result, adds, w) {
  const out = { action: d.action, rule: d.rule, reason: d.reason, ruleIndex: d.ruleIndex, result, adds };
  if (d.severity !== undefined) out.severity = d.severity;
  if (w !== null) out.redactWith = w;
  return out;
}`

/** The result rules that apply to each governed tool, in file order (tools without any are absent). */
export function resultRulesByTool(policy: Policy): Map<string, Rule[]> {
  const out = new Map<string, Rule[]>()
  for (const tool of policy.tools) {
    const mine = policy.rules.filter(r => r.on === 'result' && (r.tools === '*' || r.tools.includes(tool.name)))
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a tool with no result rules would get a function that passes every result, as the dispatch does for it
    if (mine.length > 0) out.set(tool.name, mine)
  }
  return out
}

export interface ResultEmitter {
  /** a module-level constant */
  constant(value: Code, prefix: string): Code
  name(prefix: string): Code
  /** a rule's condition (`true` when it has none), reading `a`, `r`, `c`, `o` */
  condition(rule: Rule, tool: string): Code
  /** whether the rule's condition needs the `n` scratch variable */
  usesN(rule: Rule): boolean
  /** the pattern list of a detector, emitting it with `redactDetected` (compiler/emit/detectors.ts) */
  redactor(detector: 'secrets' | 'pii'): Code
}

/** One function per tool with result rules, the dispatch and the exported `evaluateResult`. */
export function resultFunctions(policy: Policy, em: ResultEmitter): Line[] {
  const byTool = resultRulesByTool(policy)
  const lines: Line[] = []
  const failAction = policy.failMode === 'closed' ? 'deny' : 'pass'
  if (byTool.size === 0) {
    lines.push({ code: js`export function evaluateResult(tool, args, result, context, options) { return { action: "pass", ruleIndex: -1, result, adds: [] }; }` })
    return lines
  }
  lines.push({ code: RESULT_HELPERS })
  // per rule: its frozen decision fields, its adds and its paths, built once
  const decisions = new Map<number, Code>()
  const addsOf = new Map<number, Code>()
  const pathsOf = new Map<number, Code>()
  for (const r of new Set([...byTool.values()].flat())) {
    const fields: Code[] = [js`action: ${resultAction(r)}`, js`rule: ${r.id}`, js`reason: ${r.message}`, js`ruleIndex: ${r.index}`]
    // Stryker disable next-line ConditionalExpression: `resultDecision` copies a severity only when it has one
    if (r.severity !== undefined) fields.push(js`severity: ${r.severity}`)
    decisions.set(r.index, em.constant(js`Object.freeze({ ${join(fields)} })`, 'rd'))
    // Stryker disable next-line ConditionalExpression,EqualityOperator: an empty list adds nothing
    if (r.adds && r.adds.length > 0) addsOf.set(r.index, em.constant(js`Object.freeze(${jsonValue(r.adds)})`, 'adds'))
    // Stryker disable next-line ArrayDeclaration: a made-up item of no kind adds no path
    const paths = (r.redact ?? []).flatMap(x => (x.kind === 'path' ? [x.path] : []))
    // Stryker disable next-line ConditionalExpression,EqualityOperator: an empty list redacts nothing
    if (paths.length > 0) pathsOf.set(r.index, em.constant(js`Object.freeze(${jsonValue(paths)})`, 'paths'))
  }
  const fns: { tool: string; name: Code }[] = []
  for (const [tool, rules] of byTool) {
    const name = em.name('result')
    fns.push({ tool, name })
    lines.push({ code: js`function ${name}(a, r, c, o) {` })
    // Stryker disable next-line ConditionalExpression: at most an unused declaration
    if (rules.some(x => em.usesN(x))) lines.push({ code: js`  let n;` })
    const flag = new Map<number, Code>()
    // every condition is evaluated, so an exception never depends on which rule matched first
    for (const rule of rules) {
      const f = em.name('m')
      flag.set(rule.index, f)
      // Stryker disable next-line ConditionalExpression: the condition of a rule without one is `true` as well
      lines.push({ code: js`  const ${f} = ${rule.condition === null ? js`true` : js`!!(${em.condition(rule, tool)})`};`, span: rule.span })
    }
    lines.push({ code: js`  const adds = [];` })
    for (const rule of rules) {
      const list = addsOf.get(rule.index)
      if (list) lines.push({ code: js`  if (${flag.get(rule.index)!}) addAll(adds, ${list});` })
    }
    for (const rule of rules.filter(x => resultAction(x) === 'deny')) {
      lines.push({ code: js`  if (${flag.get(rule.index)!}) return resultDecision(${decisions.get(rule.index)!}, undefined, adds, null);`, span: rule.span })
    }
    const redacting = rules.filter(x => resultAction(x) === 'redact')
    if (redacting.length > 0) {
      lines.push({ code: js`  if (${join(redacting.map(x => flag.get(x.index)!), js` || `)}) {` })
      lines.push({ code: js`    let x = redactCopy(r);` })
      lines.push({ code: js`    let w = null;` })
      for (const rule of redacting) {
        const paths = pathsOf.get(rule.index)
        // Stryker disable next-line ArrayDeclaration: a redacting rule always has its `redact` list
        const detectors = (rule.redact ?? []).flatMap(d => (d.kind === 'path' ? [] : [d.kind]))
        const steps: Code[] = []
        if (paths) steps.push(js`redactPaths(x, ${paths});`)
        for (const d of detectors) steps.push(js`x = redactDetected(x, ${em.redactor(d)}, 0); if (!(w ??= []).includes(${d})) w.push(${d});`)
        // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: an empty block does nothing, and the steps each end in `;`
        if (steps.length > 0) lines.push({ code: js`    if (${flag.get(rule.index)!}) { ${join(steps, js` `)} }` })
      }
      for (const rule of redacting) lines.push({ code: js`    if (${flag.get(rule.index)!}) return resultDecision(${decisions.get(rule.index)!}, x, adds, w);`, span: rule.span })
      lines.push({ code: js`  }` })
    }
    lines.push({ code: js`  return { action: "pass", ruleIndex: -1, result: r, adds };` })
    lines.push({ code: js`}` })
  }
  lines.push({ code: js`function resultFailed(e, r) { let m; try { m = e instanceof Error ? e.message : String(e); } catch { m = "unprintable error"; } return { action: ${failAction}, reason: "evaluation error: " + m, ruleIndex: -1, result: ${failAction === 'deny' ? js`undefined` : js`r`}, adds: [] }; }` })
  lines.push({ code: js`export function evaluateResult(tool, args, result, context, options) {` })
  lines.push({ code: js`  try {` })
  lines.push({ code: js`    switch (tool) {` })
  for (const f of fns) lines.push({ code: js`      case ${f.tool}: return ${f.name}(args, result, context, options);` })
  lines.push({ code: js`      default: return { action: "pass", ruleIndex: -1, result, adds: [] };` })
  lines.push({ code: js`    }` })
  lines.push({ code: js`  } catch (e) { return resultFailed(e, result); }` })
  lines.push({ code: js`}` })
  return lines
}
