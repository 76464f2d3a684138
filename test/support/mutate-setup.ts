/**
 * Setup for `npm run mutate` only: property tests stop at their first counterexample instead of
 * shrinking it, so a killed mutant costs one failing run; the differential test generates 100
 * policies instead of 300 (same seed, so the first 100 of the full run), because every emitter
 * mutant runs it and a surviving one runs it to the end.
 */
import fc from 'fast-check'

fc.configureGlobal({ endOnFailure: true })
process.env['VETOC_PROPERTY_RUNS'] ??= '100'
// the checker-soundness and validation property tests (test/property/validation.test.ts) run 30%
process.env['VETOC_PROPERTY_SCALE'] ??= '0.3'
