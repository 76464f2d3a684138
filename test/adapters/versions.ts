/** Which version of an SDK (or of its `-v6`/`-v2` alias) the adapter tests drive, for test names and major checks. */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

export function installedVersion(name: string): string {
  // the package.json next to the resolved entry's package root (some SDKs do not export ./package.json)
  let dir = dirname(require.resolve(name))
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.version !== undefined && pkg.name !== undefined) return pkg.version
    } catch {
      // not a package root yet
    }
    const up = dirname(dir)
    if (up === dir) throw new Error(`no package.json above ${name}`)
    dir = up
  }
}
