/**
 * Flag parsing for the `vetoc` commands: `node:util`'s parseArgs, with its errors rewritten in vetoc's
 * words. A mistyped flag gets a did-you-mean from the compiler's suggester instead of Node's text
 * about positionals starting with '-'.
 */
import { parseArgs } from 'node:util'
import { didYouMean } from '../compiler/lower/suggest.js'

export class UsageError extends Error {}

export interface FlagSpec {
  type: 'string' | 'boolean'
  multiple?: boolean
  short?: string
}

export type Flags<S extends Record<string, FlagSpec>> = {
  [K in keyof S]?: S[K]['type'] extends 'boolean' ? boolean : S[K]['multiple'] extends true ? string[] : string
}

export function parseFlags<S extends Record<string, FlagSpec>>(command: string, args: string[], spec: S): { values: Flags<S>; positionals: string[] } {
  // strict: false never throws; every token is checked here so each mistake gets its own message
  const { tokens } = parseArgs({ args, options: spec, allowPositionals: true, strict: false, tokens: true })
  const values: Record<string, string | boolean | string[]> = {}
  const positionals: string[] = []
  const longNames = Object.keys(spec).map(n => `--${n}`)
  for (const t of tokens) {
    if (t.kind === 'positional') positionals.push(t.value)
    if (t.kind !== 'option') continue
    const s = spec[t.name]
    if (s === undefined) {
      const hint = t.rawName.startsWith('--') ? didYouMean(t.rawName, longNames) : undefined
      throw new UsageError(`\`vetoc ${command}\` has no option \`${t.rawName}\`${hint ? `; ${hint}` : ''}`)
    }
    if (s.type === 'boolean') {
      if (t.inlineValue === true) throw new UsageError(`\`--${t.name}\` takes no value`)
      values[t.name] = true
      continue
    }
    // `--out --ts`: the next flag is not the value the user forgot
    if (t.value === undefined || (t.inlineValue === false && t.value.startsWith('--'))) throw new UsageError(`\`--${t.name}\` needs a value`)
    if (s.multiple) values[t.name] = [...((values[t.name] as string[] | undefined) ?? []), t.value]
    else values[t.name] = t.value
  }
  return { values: values as Flags<S>, positionals }
}
