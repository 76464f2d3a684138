/**
 * A number a policy writes is a JSON value, so it must be finite. The one diagnostic for one that is
 * not, wherever it is written: YAML's `.inf`/`.nan` and `1e999`, a comparison's JSON-number string
 * past the double range (`"1e400"`), a `when` literal (`1e400`).
 */
export function notAPolicyNumber(spelled: string): { code: 'invalid-value'; message: string; help: string } {
  return { code: 'invalid-value', message: `\`${spelled}\` is not a number a policy can hold`, help: 'policy values are JSON values: write a finite number' }
}
