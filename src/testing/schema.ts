/** The JSON Schema of a policy test file, from the test reader's own key tables (see `compiler/schema.ts`). */
import { DECISIONS } from '../../compiler/lower/lowerer.js'
import { strictObject } from '../../compiler/schema.js'
import { EXPECT_KEYS, EXPECT_RESULT_KEYS, RESULT_ACTIONS, SESSION_KEYS, STEP_KEYS, TEST_FILE_KEYS } from './spec.js'

export function testFileSchema(): { [key: string]: unknown } {
  const decision = { enum: [...DECISIONS] }
  const step = strictObject(STEP_KEYS, {
    name: { type: 'string' }, tool: { type: 'string' }, args: {}, context: { type: 'object' }, params: { type: 'object' },
    env: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } },
    now: { type: 'string' }, result: {}, approve: { type: 'boolean' },
    expect: { anyOf: [decision, strictObject(EXPECT_KEYS, { decision, rule: { type: 'string' }, reason: { type: 'string' } }, { required: ['decision'] })] },
    expect_result: { anyOf: [{ enum: [...RESULT_ACTIONS] }, strictObject(EXPECT_RESULT_KEYS, { action: { enum: [...RESULT_ACTIONS] }, rule: { type: 'string' } }, { required: ['action'] })] },
  }, { required: ['tool', 'expect'] })
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://vetoc.dev/schemas/policy-test.schema.json',
    title: 'vetoc policy test file',
    ...strictObject(TEST_FILE_KEYS, {
      policy: { type: 'string' },
      cases: { type: 'array', items: step },
      sessions: { type: 'array', items: strictObject(SESSION_KEYS, { name: { type: 'string' }, steps: { type: 'array', items: step } }, { required: ['steps'] }) },
    }),
  }
}
