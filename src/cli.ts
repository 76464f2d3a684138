#!/usr/bin/env node
/**
 * The `vetoc` command line: an adapter over `compile()` and the record tools.
 * Exit status: 0 success, 1 policy errors or a failed verification, 2 usage errors.
 */
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { compile, type Env } from '../compiler/index.js'
import { formatDiagnostics } from '../compiler/format.js'
import { didYouMean } from '../compiler/lower/suggest.js'
import { runServeCommand } from './approvals/cli.js'
import { parseFlags, UsageError } from './cli-args.js'
import { defaultDiskCache, type DiskCache } from './compile-cache.js'
import { outputKind, writeModule } from './cli-output.js'
import { readExtendedFrom } from './read-extended.js'
import { runLogCommand } from './records/cli.js'
import { runReplayCommand, runTestCommand } from './testing/cli.js'
import type { CompiledPolicy } from './types.js'

export interface Io {
  stdout: (s: string) => void
  stderr: (s: string) => void
}

const HELP = `vetoc — compile tool-call policies into self-contained predicate modules

usage:
  vetoc compile <file.yaml ...> --out <dir> [--ts | --js] [--env key=value ...]
  vetoc check <file.yaml ...> [--env key=value ...]
  vetoc eval <file.yaml> --tool <name> --args '<json>' [--context '<json>'] [--now <ISO time>] [--params '<json>']
  vetoc test [paths...] [--coverage] [--min-coverage N] [--coverage-dir coverage]
              run *.policy.test.yaml files (default: every one under the current folder)
  vetoc replay <decisions.jsonl> --policy <candidate.yaml> [--expect-no-change] [--policy-name <name>]
              re-decide recorded calls with a candidate policy and count what would change
  vetoc log verify <decisions.jsonl> [--key <public.pem> ...] [--require-closed]
  vetoc log keygen [--out <dir>]
  vetoc log disagreements <decisions.jsonl>    calls where a shadow policy disagreed
  vetoc log export <decisions.jsonl> [--format csv|jsonl] [--tool <name>] [--decision allow|review|deny]
                   [--rule <id>] [--since <time>] [--until <time>]
  vetoc serve --redis <url> [--prefix vetoc] [--host 127.0.0.1] [--port 0] [--reviewer <name> ...]
              [--webhook-secret-env <VAR>]     the approval page for guards sharing a Redis store

compile writes <name>.ts when a tsconfig.json governs <dir> (or with --ts), else
<name>.js, <name>.d.ts and <name>.js.map (or with --js)

options:
  -h, --help      show this help
  -v, --version   print the version
`

/** The version in vetoc's own package.json: two folders up from dist/src/cli.js, one from src/cli.ts. */
function version(): string {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'vetoc' && pkg.version !== undefined) return pkg.version
    } catch {
      // not this one; try the next
    }
  }
  return 'unknown'
}

const COMMANDS = ['compile', 'check', 'eval', 'test', 'replay', 'log', 'serve', 'help', '--help', '--version']

function parseEnv(values: string[] | undefined): Env {
  const env: Env = {}
  for (const v of values ?? []) {
    const i = v.indexOf('=')
    if (i <= 0) throw new UsageError(`--env takes key=value, got \`${v}\``)
    const raw = v.slice(i + 1)
    let value: string | number | boolean | null = raw
    if (raw === 'true' || raw === 'false') value = raw === 'true'
    else if (raw === 'null') value = null
    else if (raw !== '' && !Number.isNaN(Number(raw))) value = Number(raw)
    env[v.slice(0, i)] = value
  }
  return env
}

function readPolicy(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (e) {
    throw new UsageError(`cannot read \`${file}\`: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
}

/** Regex verdicts and validators kept between runs (src/compile-cache.ts), opened on first use. */
let diskCache: DiskCache | undefined | null = null
function withCache(): { cache?: DiskCache } {
  if (diskCache === null) diskCache = defaultDiskCache()
  return diskCache === undefined ? {} : { cache: diskCache }
}

function json(text: string | undefined, what: string): unknown {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON: ${(e as Error).message}`)
  }
}

function outputName(file: string): string {
  return basename(file).replace(/\.ya?ml$/, '')
}

async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.stdout(HELP)
    return command === undefined ? 2 : 0
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    io.stdout(`${version()}\n`)
    return 0
  }
  if (command === 'log') return runLogCommand(rest, io)
  if (command === 'serve') return runServeCommand(rest, io)
  if (command === 'test') return runTestCommand(rest, io, m => new UsageError(m))
  if (command === 'replay') return runReplayCommand(rest, io, m => new UsageError(m))
  if (command === 'compile' || command === 'check') {
    const { values, positionals } = parseFlags(command, rest, { out: { type: 'string' }, ts: { type: 'boolean' }, js: { type: 'boolean' }, env: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } })
    if (values.help) { io.stdout(HELP); return 0 }
    if (positionals.length === 0) throw new UsageError(`\`vetoc ${command}\` needs at least one policy file`)
    if (command === 'compile' && values.out === undefined) throw new UsageError('`vetoc compile` needs `--out <dir>`')
    if (values.ts && values.js) throw new UsageError('`--ts` and `--js` exclude each other')
    const env = parseEnv(values.env)
    const dir = command === 'compile' ? resolve(values.out!) : ''
    const output = command === 'compile' ? outputKind(dir, values) : undefined
    if (output?.tsconfig !== undefined) io.stdout(`TypeScript project (${output.tsconfig}): writing .ts modules; --js writes .js + .d.ts instead\n`)
    let failed = false
    for (const file of positionals) {
      const source = readPolicy(file)
      const out = compile(source, { filename: file, env, ts: output?.kind === 'ts', resolve: readExtendedFrom(process.cwd()), ...withCache() })
      if (out.diagnostics.length > 0) io.stderr(`${formatDiagnostics(out.diagnostics, source, file, out.files)}\n`)
      if (out.diagnostics.some(d => d.severity === 'error')) {
        failed = true
        continue
      }
      if (output !== undefined) {
        mkdirSync(dir, { recursive: true })
        io.stdout(`${file} → ${join(values.out!, writeModule(dir, outputName(file), out, output.kind))}\n`)
      }
    }
    const errors = failed ? 'errors' : 'no errors'
    if (command === 'check') io.stdout(`checked ${positionals.length} ${positionals.length === 1 ? 'policy' : 'policies'}: ${errors}\n`)
    return failed ? 1 : 0
  }
  if (command === 'eval') {
    const { values, positionals } = parseFlags(command, rest, { tool: { type: 'string' }, args: { type: 'string' }, context: { type: 'string' }, now: { type: 'string' }, params: { type: 'string' }, env: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } })
    if (values.help) { io.stdout(HELP); return 0 }
    if (positionals.length !== 1) throw new UsageError('`vetoc eval` takes one policy file')
    if (values.tool === undefined) throw new UsageError('`vetoc eval` needs `--tool <name>`')
    // no silent `{}`: a call with no arguments is spelled out
    if (values.args === undefined) throw new UsageError("`vetoc eval` needs `--args '<json>'` (`--args '{}'` for a call with no arguments)")
    const args = json(values.args, '--args')
    const context = json(values.context, '--context')
    const params = json(values.params, '--params')
    let now: number | undefined
    if (values.now !== undefined) {
      now = Date.parse(values.now)
      if (Number.isNaN(now)) throw new UsageError(`--now is not a date: \`${values.now}\``)
    }
    const file = positionals[0]!
    const source = readPolicy(file)
    const out = compile(source, { filename: file, env: parseEnv(values.env), resolve: readExtendedFrom(process.cwd()), ...withCache() })
    if (out.diagnostics.length > 0) io.stderr(`${formatDiagnostics(out.diagnostics, source, file, out.files)}\n`)
    if (out.diagnostics.some(d => d.severity === 'error')) return 1
    const dir = join(tmpdir(), 'vetoc-eval')
    mkdirSync(dir, { recursive: true })
    const modFile = join(dir, `${out.digest}-${process.pid}.mjs`)
    writeFileSync(modFile, out.code)
    const mod = (await import(pathToFileURL(modFile).href)) as CompiledPolicy
    const options = { ...(now !== undefined ? { now } : {}), ...(params !== undefined ? { params: params as Record<string, unknown> } : {}) }
    const ev = mod.evaluate(values.tool, args, context, options)
    const decision: Record<string, unknown> = { decision: ev.decision }
    for (const k of ['rule', 'reason', 'severity', 'warnings', 'limits', 'errors'] as const) if (ev[k] !== undefined) decision[k] = ev[k]
    io.stdout(`${JSON.stringify(decision, null, 2)}\n`)
    return 0
  }
  const hint = didYouMean(command, COMMANDS)
  throw new UsageError(`unknown command \`${command}\`${hint ? `; ${hint}` : ''}`)
}

export async function run(argv: string[], io: Io): Promise<number> {
  try {
    return await main(argv, io)
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`vetoc: ${(e as Error).message}\nrun \`vetoc --help\` for usage\n`)
      return 2
    }
    io.stderr(`vetoc: internal error: ${(e as Error).message}\nthis is a bug in vetoc; please report it\n`)
    return 70
  }
}

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)
  } catch {
    return false
  }
}

if (invokedDirectly()) {
  run(process.argv.slice(2), { stdout: s => process.stdout.write(s), stderr: s => process.stderr.write(s) }).then(code => {
    process.exitCode = code
  })
}
