/** The reference reading of `normalize:` (compiler/ir.ts `NormalizeKind`, `ArgNormalizer`). */
import type { NormalizeKind, ToolDecl } from '../../compiler/ir.js'
import { shellWords } from './shell.js'

export class InvalidArgument {
  constructor(readonly reason: string) {}
}

function path(s: string): string | InvalidArgument {
  if (s.includes('\0')) return new InvalidArgument('holds a NUL character')
  const absolute = s.startsWith('/')
  const kept: string[] = []
  for (const segment of s.split('/').filter(x => x !== '' && x !== '.')) {
    if (segment !== '..') kept.push(segment)
    else if (kept.length > 0 && kept.at(-1) !== '..') kept.pop()
    else if (absolute) return new InvalidArgument('climbs above `/`')
    else kept.push('..')
  }
  if (absolute) return `/${kept.join('/')}`
  return kept.length > 0 ? kept.join('/') : '.'
}

const IGNORABLE = /[\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]/gu
const UNICODE_SPACE = /\p{White_Space}/gu

function text(s: string): string {
  const once = s.normalize('NFKC').replace(IGNORABLE, '').replace(UNICODE_SPACE, c => (' \t\n\v\f\r'.includes(c) ? c : ' '))
  return once.normalize('NFKC')
}

export function normalizeValue(kind: NormalizeKind, s: string): unknown {
  switch (kind) {
    case 'path': return path(s)
    case 'url':
      try {
        return new URL(s).href
      } catch {
        return new InvalidArgument('is not a valid URL')
      }
    case 'text': return text(s)
    case 'lower': return s.toLowerCase()
    case 'trim': return s.trim()
    case 'shell': {
      const w = shellWords(s)
      return Array.isArray(w) ? w : new InvalidArgument(`cannot be split into shell words: ${w.invalid}`)
    }
  }
}

/**
 * The canonical copy of `args` (an object, not an array) for stage `words` (false: every kind but
 * `shell`; true: `shell` only), or the reason it is invalid.
 */
export function normalizeArgs(tool: ToolDecl, args: object, words: boolean): Record<string, unknown> | InvalidArgument {
  const copy: Record<string, unknown> = {}
  for (const k of Object.keys(args)) Object.defineProperty(copy, k, { value: (args as Record<string, unknown>)[k], enumerable: true, writable: true, configurable: true })
  for (const n of tool.normalize ?? []) {
    if (!Object.prototype.hasOwnProperty.call(copy, n.arg)) continue
    let v = copy[n.arg]
    for (const kind of n.kinds.filter(k => (k === 'shell') === words)) {
      if (typeof v !== 'string') break
      v = normalizeValue(kind, v)
      if (v instanceof InvalidArgument) return new InvalidArgument(`\`${n.arg}\` ${v.reason}`)
    }
    Object.defineProperty(copy, n.arg, { value: v, enumerable: true, writable: true, configurable: true })
  }
  return copy
}
