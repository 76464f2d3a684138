/**
 * The instrumented build behind `vetoc test --coverage`: the same module, with every condition
 * point wrapped so that it counts how often it evaluated truthy and falsy, and every rule's
 * condition counted when it held. Points are keyed by their span in the YAML, so one condition
 * reached from several tools is one point. The normal build never goes through this file.
 *
 * Points: each condition-dialect condition, each `condition_groups` group (an item of the `any`),
 * each `&&`/`||` operand of a `when`, each rule's whole condition, and each `outside_hours`.
 */
import type { Span } from '../ir.js'
import { js, jsonValue, type Code } from './code.js'

export class CoveragePoints {
  readonly spans: Span[] = []
  private readonly byKey = new Map<string, number>()
  /** code this instance made by `wrap`, with the point it counts as */
  private readonly wrapped = new WeakMap<Code, number>()

  private id(span: Span): number {
    const key = `${span.start}:${span.end}`
    let i = this.byKey.get(key)
    if (i === undefined) {
      i = this.spans.length
      this.byKey.set(key, i)
      this.spans.push({ start: span.start, end: span.end })
    }
    return i
  }

  /**
   * `code`, counted as point `node.span` (its value passes through unchanged). Code that already
   * counts as that very point is returned as it is: a `condition_groups` group of one condition is
   * lowered to the condition itself, and wrapping it again would count each call twice.
   */
  wrap(node: { span: Span }, code: Code): Code {
    const id = this.id(node.span)
    if (this.wrapped.get(code) === id) return code
    const out = js`cov(${id}, ${code})`
    this.wrapped.set(out, id)
    return out
  }

  /** A rule's flag, counted when it held. */
  rule(index: number, held: Code): Code {
    return js`covRule(${index}, ${held})`
  }
}

/**
 * `coverage`: `{ points: [{ start, end }], hits: [t0, f0, t1, f1, ...], rules: [n0, n1, ...] }`,
 * the counters live (mutated by calls; `resetCoverage()` zeroes them).
 */
export function coverageExports(points: CoveragePoints, rules: number): Code {
  return js`const COV_HITS = new Array(${points.spans.length * 2}).fill(0);
const COV_RULES = new Array(${rules}).fill(0);
function cov(i, v) { if (v) COV_HITS[i * 2]++; else COV_HITS[i * 2 + 1]++; return v; }
function covRule(i, v) { if (v) COV_RULES[i]++; return v; }
export const coverage = { points: ${jsonValue(points.spans)}, hits: COV_HITS, rules: COV_RULES };
export function resetCoverage() { COV_HITS.fill(0); COV_RULES.fill(0); }`
}
