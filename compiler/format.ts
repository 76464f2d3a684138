/**
 * Diagnostics at the edges: offsets become lines and columns only here (and in the plugin, whose hosts
 * count columns their own way).
 */
import type { Diagnostic } from './diagnostic.js'

export interface Position {
  /** 1-based */
  line: number
  /** 0-based, in UTF-16 code units */
  column: number
}

/** Line (1-based) and column (0-based) of `offset` in `source`. */
export function position(source: string, offset: number): Position {
  return lineIndex(source)(offset)
}

/**
 * `position` for many offsets of one source (the emitter's source map): line starts are found once
 * and searched, instead of rescanning the source for every offset.
 */
export function lineIndex(source: string): (offset: number) => Position {
  const starts = [0]
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1)
  return offset => {
    const clamped = Math.max(0, Math.min(offset, source.length))
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid]! <= clamped) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: clamped - starts[lo]! }
  }
}

function lineText(source: string, line: number): string {
  return source.split('\n')[line - 1]?.replace(/\r$/, '') ?? ''
}

/**
 * Each diagnostic as `file:line:col: error|warning: message` (column 1-based), a code frame with the
 * span underlined, and `help: ...` when there is a hint. Diagnostics are separated by a blank line.
 */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], source: string, filename: string, files: readonly { filename: string; source: string }[] = []): string {
  // a diagnostic in an extended file is shown in that file's text, under its name
  return diagnostics.map(d => {
    const other = d.file === undefined ? undefined : files.find(f => f.filename === d.file)
    return other ? formatOne(d, other.source, other.filename) : formatOne(d, source, d.file ?? filename)
  }).join('\n\n')
}

function formatOne(d: Diagnostic, source: string, filename: string): string {
  const start = position(source, d.span.start)
  const end = position(source, Math.max(d.span.start, d.span.end))
  const out = [`${filename}:${start.line}:${start.column + 1}: ${d.severity}: ${d.message}`]
  const text = lineText(source, start.line)
  if (text !== '' || source.length > 0) {
    const gutter = String(start.line).length
    const width = end.line === start.line ? Math.max(1, end.column - start.column) : Math.max(1, text.length - start.column)
    out.push(`${' '.repeat(gutter)} |`)
    out.push(`${start.line} | ${text}`)
    out.push(`${' '.repeat(gutter)} | ${' '.repeat(start.column)}${'^'.repeat(width)}`)
  }
  if (d.help !== undefined) out.push(`  = help: ${d.help}`)
  return out.join('\n')
}
