/**
 * What one emitted module collects while its tool functions are written: its names, and the
 * module-level constants (regexes, time-zone formatters, lists, decision objects) each made once.
 */
import type { Span } from '../ir.js'
import { js, Scope, type Code } from './code.js'
import type { LangBuilder } from './lang.js'
import type { CoveragePoints } from './coverage.js'

export interface Line {
  code: Code
  span?: Span
}

export class ModuleBuilder implements LangBuilder {
  readonly scope: Scope = new Scope()
  /** set only for an instrumented build: the coverage points met so far */
  coverage: CoveragePoints | null = null
  readonly consts: Line[] = []
  usesUrl = false
  usesAddress = false
  readonly nets: Map<string, Code> = new Map()
  /** declared params: name → the module constant holding its default */
  readonly params: Map<string, Code> = new Map()
  /**
   * Which detectors the emitted code calls (their patterns are emitted only then); `redact` also
   * emits `redactDetected` (compiler/emit/detectors.ts), for result rules that redact secrets or PII.
   */
  // Stryker disable next-line ObjectLiteral: the flags are read for their truth, and an absent one is falsy as false is
  readonly detectors = { secret: false, pii: false, redact: false }
  private readonly regexes = new Map<string, Code>()
  private readonly formats = new Map<string, Code>()

  regex(source: string, flags: string, span: Span): Code {
    const key = `${flags}/${source}`
    let name = this.regexes.get(key)
    if (!name) {
      name = this.scope.name('re')
      this.regexes.set(key, name)
      this.consts.push({ code: js`const ${name} = new RegExp(${source}, ${flags});`, span })
    }
    return name
  }

  format(tz: string): Code {
    let name = this.formats.get(tz)
    if (!name) {
      name = this.scope.name('tz')
      this.formats.set(tz, name)
      this.consts.push({ code: js`const ${name} = new Intl.DateTimeFormat("en-US", { timeZone: ${tz}, hourCycle: "h23", hour: "numeric", minute: "numeric" });` })
    }
    return name
  }

  /** A module-level `const` holding `value`, named `<prefix><n>` (the prefix says what it holds). */
  constant(value: Code, prefix: string): Code {
    const name = this.scope.name(prefix)
    this.consts.push({ code: js`const ${name} = ${value};` })
    return name
  }
}
