/**
 * Setup for `npm run mutate` only: property tests stop at their first counterexample instead of
 * shrinking it, so a killed mutant costs one failing run; the differential test generates 60
 * policies instead of 300 (same seed, so the first 60 of the full run), because every emitter
 * mutant that no faster test kills runs it, and a surviving one runs it to the end (at 100 it was 11 s
 * of the 26 s a surviving emitter mutant cost).
 */
import fc from 'fast-check'

fc.configureGlobal({ endOnFailure: true })
process.env['VETOC_PROPERTY_RUNS'] ??= '60'
// the checker-soundness and validation property tests (test/property/validation.test.ts) run 20%
process.env['VETOC_PROPERTY_SCALE'] ??= '0.2'
