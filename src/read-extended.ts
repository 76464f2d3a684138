import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

/**
 * The `resolve` hook that the CLI commands (`check`, `compile`, `eval`, `test`, `replay`) give to
 * `compile()` so that `extends:` can read the files it names. Paths arrive joined onto the naming
 * file's directory, as given on the command line, so they are read from `cwd`. A missing file is
 * null (the compiler reports it at the `extends` entry); any other read error is thrown with its code,
 * which the compiler turns into a diagnostic at the same place.
 */
export function readExtendedFrom(cwd: string): (path: string) => string | null {
  return (path: string): string | null => {
    try {
      return readFileSync(resolve(cwd, path), 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw new Error((e as NodeJS.ErrnoException).code ?? (e as Error).message)
    }
  }
}
