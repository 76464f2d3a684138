/** `npm run schemas`: writes schemas/*.schema.json from the compiler's tables (test/testing/schema.test.ts checks they are current). */
import { writeFileSync } from 'node:fs'
import { policySchema } from '../compiler/schema.js'
import { testFileSchema } from '../src/testing/schema.js'

export const SCHEMAS: Record<string, () => { [key: string]: unknown }> = { 'policy.schema.json': policySchema, 'policy-test.schema.json': testFileSchema }

if (process.argv[1]?.endsWith('generate.ts')) {
  for (const [name, make] of Object.entries(SCHEMAS)) writeFileSync(new URL(name, import.meta.url), `${JSON.stringify(make(), null, 2)}\n`)
}
