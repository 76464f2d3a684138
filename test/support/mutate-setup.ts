/**
 * Setup for `npm run mutate` only: property tests stop at their first counterexample instead of
 * shrinking it, so a killed mutant costs one failing run. Seeds and run counts are unchanged.
 */
import fc from 'fast-check'

fc.configureGlobal({ endOnFailure: true })
