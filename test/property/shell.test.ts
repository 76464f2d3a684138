/**
 * The emitted `shell` splitter (compiler/emit/normalize.ts) is hand-written because the emitted
 * module imports nothing. This holds it to `shell-quote` (a well-kept parser of shell words) on
 * generated command lines, and to the reference interpreter's own splitter (test/oracle/shell.ts).
 *
 * Where vetoc reads a line differently from `shell-quote`, on purpose, the generator leaves those
 * constructs out of the comparison and the tests below the property pin vetoc's reading:
 * - what only a running shell can expand (`$name`, `${`, `$(`, backticks, `$'...'`, `$"..."`,
 *   brace expansion) and unterminated quotes are invalid, where `shell-quote` substitutes or guesses;
 * - `#` starts a comment only at the start of a word and only to the end of its line (as in sh),
 *   where `shell-quote` drops the rest of the whole string, even mid-word;
 * - backslash-newline joins lines (as in sh); a backslash before another blank than space or tab
 *   keeps that blank in the word.
 * Like `shell-quote` (and unlike sh), every Unicode blank (`\s`: no-break spaces, U+3000, BOM ...)
 * separates words, so `sudo\u00a0rm` reads as `sudo`, `rm`.
 */
import fc from 'fast-check'
import { parse } from 'shell-quote'
import { describe, expect, it } from 'vitest'
import { compileModule } from '../support/compiled.js'
import { shellWords as oracleWords } from '../oracle/shell.js'

const POLICY = `tools:
  run:
    parameters: { type: object, properties: { cmd: { type: string } }, required: [cmd] }
    normalize: { cmd: shell }
rules: []
`
const { module } = await compileModule(POLICY, 'shell.policy.yaml')
const canonical = module.canonicalArgs!

/** The emitted splitter's words, or the reason it refused (read from `evaluate`). */
function emitted(line: string): string[] | { invalid: string } {
  const c = canonical('run', { cmd: line }) as { cmd: unknown }
  if (Array.isArray(c.cmd)) return c.cmd as string[]
  const reason = module.evaluate('run', { cmd: line }).reason ?? ''
  return { invalid: reason.replace(/^invalid arguments for `run`: `cmd` cannot be split into shell words: /, '') }
}

/** `shell-quote`'s reading as plain words: operators and glob patterns as their text. */
function reference(line: string): string[] {
  return parse(line).map(e => (typeof e === 'string' ? e : 'op' in e ? (e.op === 'glob' ? (e as { pattern: string }).pattern : e.op) : `#${e.comment}`))
}

/** Only the splitting (no `-c`/`eval` unwrapping, no flag clusters): lines whose words are not flags or shells. */
const ALPHABET = ['a', 'b', 'x', ' ', ' ', '\t', '\n', '"', "'", '\\', ';', '|', '&', '>', '<', '(', ')', '*', '?', '=', '/', '.', ',', '{', '}', '$', '-', 'é', '\u00a0']
const line = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 24 }).map(cs => cs.join(''))

const compared = (l: string): boolean =>
  !l.includes('#') && !/\\\s/.test(l.replace(/\\[ \t]/g, '')) && !/(^|[\s;|&()<>])-[A-Za-z]/.test(l)

describe('the emitted shell splitter', () => {
  it('agrees with shell-quote wherever it accepts the line', () => {
    let accepted = 0
    let total = 0
    fc.assert(
      fc.property(line, l => {
        if (!compared(l)) return
        total++
        const mine = emitted(l)
        if (!Array.isArray(mine)) return
        accepted++
        expect(mine).toEqual(reference(l))
      }),
      { seed: 20261202, numRuns: 3000 },
    )
    // the comparison must mean something: most generated lines are accepted and compared
    expect(accepted / total).toBeGreaterThan(0.3)
  })

  it('agrees with the reference interpreter on every line, refusals included', () => {
    const anyLine = fc.array(fc.constantFrom(...ALPHABET, '#', '`', '-r', '-fr', 'bash', ' -c ', 'eval ', "'rm -rf /'"), { maxLength: 16 }).map(cs => cs.join(''))
    fc.assert(
      fc.property(anyLine, l => {
        const mine = emitted(l)
        const ref = oracleWords(l)
        if (Array.isArray(ref)) expect(mine).toEqual(ref)
        else expect(mine).toEqual({ invalid: ref.invalid })
      }),
      { seed: 20261203, numRuns: 3000 },
    )
  })

  it('reads quoting as sh does', () => {
    expect(emitted(`echo 'a b' "c \\"d\\"" e\\ f`)).toEqual(['echo', 'a b', 'c "d"', 'e f'])
    expect(emitted(`r''m -rf /`)).toEqual(['rm', '-rf', '-r', '-f', '/'])
    expect(emitted(`"r"m -r /`)).toEqual(['rm', '-r', '/'])
    expect(emitted('ls;rm -r x&&echo ok|cat>out')).toEqual(['ls', ';', 'rm', '-r', 'x', '&&', 'echo', 'ok', '|', 'cat', '>', 'out'])
    expect(emitted("echo ''")).toEqual(['echo', ''])
  })

  it('splits the scripts of shell wrappers and eval into their own words', () => {
    expect(emitted("bash -c 'rm -rf /'")).toEqual(['bash', '-c', 'rm', '-rf', '-r', '-f', '/'])
    expect(emitted("/bin/sh -lc \"rm -r -f /\"")).toEqual(['/bin/sh', '-lc', '-l', '-c', 'rm', '-r', '-f', '/'])
    expect(emitted(`sh -c "bash -c 'sudo rm -r /'"`)).toEqual(['sh', '-c', 'bash', '-c', 'sudo', 'rm', '-r', '/'])
    expect(emitted("eval 'rm -r /' ; ls")).toEqual(['eval', 'rm', '-r', '/', ';', 'ls'])
    expect(emitted("echo bash -c")).toEqual(['echo', 'bash', '-c'])
    const deep = Array.from({ length: 10 }).reduce<string>(s => `sh -c ${JSON.stringify(s)}`, 'ls')
    expect(emitted(deep)).toEqual({ invalid: 'nesting deeper than 8 levels' })
  })

  it('lists the single flags of a flag cluster, so `rm -fr` and `rm -r -f` both hold `-r` and `-f`', () => {
    for (const l of ['rm -fr /', 'rm -rf /', 'rm -r -f /', 'rm -f -r /', 'rm -rfffff /']) {
      const w = emitted(l) as string[]
      expect(w).toContain('-r')
      expect(w).toContain('-f')
    }
    expect(emitted('find . -name x')).toEqual(['find', '.', '-name', '-n', '-a', '-m', '-e', 'x'])
    expect(emitted('ls --all -1')).toEqual(['ls', '--all', '-1'])
  })

  it('refuses what only a running shell could expand, and broken quoting', () => {
    for (const [l, why] of [
      ['ls $HOME', '`$` expansion'], ['r${x}m -r /', '`$` expansion'], ['echo $(rm -r /)', '`$` expansion'], ['echo "$(id)"', '`$` expansion'],
      ['echo `id`', 'command substitution'], ["$'\\x72m' -r /", '`$` expansion'], ['$"rm" -r /', '`$` expansion'], ['{rm,-r,/}', 'brace expansion'],
      ['echo x{1..3}', 'brace expansion'], ["echo 'open", 'an unterminated quote'], ['echo "open', 'an unterminated quote'], ['echo \\', 'a trailing backslash'],
    ] as const) expect(emitted(l), l).toEqual({ invalid: why })
    // literal dollars and braces that no shell expands stay words
    expect(emitted("echo '$HOME' 5$ {} a{b}")).toEqual(['echo', '$HOME', '5$', '{}', 'a{b}'])
    expect(emitted('find . -exec rm {} ;')).toEqual(['find', '.', '-exec', '-e', '-x', '-c', 'rm', '{}', ';'])
  })

  it('reads comments and line continuations as sh does', () => {
    expect(emitted('ls # rm -r /\nrm -r x')).toEqual(['ls', 'rm', '-r', 'x'])
    expect(emitted('echo a#b')).toEqual(['echo', 'a#b'])
    expect(emitted('r\\\nm -r /')).toEqual(['rm', '-r', '/'])
  })

  it('stays linear and bounded on huge lines', () => {
    const huge = 'a '.repeat(200_000)
    expect(emitted(huge)).toEqual({ invalid: 'more than 10000 words' })
    const long = `echo ${'x'.repeat(1_000_000)}`
    expect((emitted(long) as string[])[1]!.length).toBe(1_000_000)
    expect(emitted(`echo '${'q'.repeat(500_000)}`)).toEqual({ invalid: 'an unterminated quote' })
    expect(emitted(`-${'abcdefghij'.repeat(10_000)}`)).toHaveLength(11)
  })
})
