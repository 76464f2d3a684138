/**
 * The reference reading of the `shell` kind (compiler/ir.ts `NormalizeKind`), written apart from the
 * emitted splitter: a token-at-a-time scanner over sticky regexes. Returns the words, or the reason
 * the line cannot be split.
 */
const OPERATORS = [';;&', '<<<', '<<-', '&>>', '||', '&&', '&>', ';;', ';&', '|&', '<(', '<<', '>>', '>&', '>|', '>(', '<&', '<>', '&', ';', '(', ')', '|', '<', '>']
const SHELL_NAMES = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'fish'])
const BLANK = /\s+/y
const COMMENT = /#[^\n]*/y
const SINGLE = /'([^']*)'/y
const PLAIN = /[^\s|&;()<>\\'"`${}]+/y

class Unsplittable extends Error {}

function operatorAt(s: string, i: number): string | undefined {
  const found = OPERATORS.find(op => s.startsWith(op, i))
  if (found === '<<' && s[i + 2] === '(') return '<'
  return found
}

/** The text of one double-quoted string starting after its opening quote; returns [text, index after the closing quote]. */
function doubleQuoted(s: string, from: number): [string, number] {
  let text = ''
  let i = from
  while (true) {
    if (i >= s.length) throw new Unsplittable('an unterminated quote')
    const ch = s[i]!
    if (ch === '"') return [text, i + 1]
    if (ch === '`') throw new Unsplittable('command substitution')
    if (ch === '$' && /[A-Za-z0-9_{(@*#?$!-]/.test(s[i + 1] ?? '')) throw new Unsplittable('`$` expansion')
    if (ch === '\\' && i + 1 < s.length && '"\\$`\n'.includes(s[i + 1]!)) {
      if (s[i + 1] !== '\n') text += s[i + 1]
      i += 2
      continue
    }
    text += ch
    i++
  }
}

function split(s: string): string[] {
  const words: string[] = []
  let current: string | undefined
  let braceAt = -1
  const finish = (): void => {
    if (current !== undefined) words.push(current)
    current = undefined
    braceAt = -1
  }
  let i = 0
  const at = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = i
    return re.exec(s)
  }
  while (i < s.length) {
    let m: RegExpExecArray | null
    if ((m = at(BLANK))) { finish(); i += m[0].length; continue }
    if (current === undefined && (m = at(COMMENT))) { i += m[0].length; continue }
    const op = operatorAt(s, i)
    if (op !== undefined) { finish(); words.push(op); i += op.length; continue }
    if ((m = at(PLAIN))) { current = (current ?? '') + m[0]; i += m[0].length; continue }
    const ch = s[i]!
    if (ch === "'") {
      if (!(m = at(SINGLE))) throw new Unsplittable('an unterminated quote')
      current = (current ?? '') + m[1]
      i += m[0].length
    } else if (ch === '"') {
      const [text, next] = doubleQuoted(s, i + 1)
      current = (current ?? '') + text
      i = next
    } else if (ch === '\\') {
      if (i + 1 >= s.length) throw new Unsplittable('a trailing backslash')
      if (s[i + 1] !== '\n') current = (current ?? '') + s[i + 1]
      i += 2
    } else if (ch === '`') throw new Unsplittable('command substitution')
    else if (ch === '$') {
      if (/[A-Za-z0-9_{(@*#?$!'"-]/.test(s[i + 1] ?? '')) throw new Unsplittable('`$` expansion')
      current = (current ?? '') + ch
      i++
    } else if (ch === '{') {
      current = current ?? ''
      braceAt = current.length
      current += ch
      i++
    } else {
      // `}`
      current = current ?? ''
      if (braceAt >= 0 && /,|\.\./.test(current.slice(braceAt))) throw new Unsplittable('brace expansion')
      current += ch
      i++
    }
  }
  finish()
  return words
}

function expand(line: string, depth: number): string[] {
  if (depth > 8) throw new Unsplittable('nesting deeper than 8 levels')
  const base = split(line)
  const out: string[] = []
  let inShell = false
  for (let i = 0; i < base.length; i++) {
    const w = base[i]!
    if (OPERATORS.includes(w)) {
      inShell = false
      out.push(w)
      continue
    }
    if (w === 'eval') {
      let end = i + 1
      while (end < base.length && !OPERATORS.includes(base[end]!)) end++
      out.push(w, ...expand(base.slice(i + 1, end).join(' '), depth + 1))
      i = end - 1
      continue
    }
    out.push(w)
    if (SHELL_NAMES.has(w.split('/').pop()!)) inShell = true
    let letters: string[] = []
    if (/^-[A-Za-z]{2,}$/.test(w)) {
      letters = [...new Set(w.slice(1))]
      out.push(...letters.map(l => `-${l}`))
    }
    const takesScript = w === '-c' || letters.includes('c')
    if (inShell && takesScript && i + 1 < base.length && !OPERATORS.includes(base[i + 1]!)) {
      out.push(...expand(base[i + 1]!, depth + 1))
      i++
    }
    if (out.length > 10000) throw new Unsplittable('more than 10000 words')
  }
  return out
}

export function shellWords(line: string): string[] | { invalid: string } {
  try {
    return expand(line, 0)
  } catch (e) {
    if (e instanceof Unsplittable) return { invalid: e.message }
    throw e
  }
}
