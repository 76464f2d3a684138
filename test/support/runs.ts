/**
 * A property test's run count, scaled down by `VETOC_PROPERTY_SCALE` (a fraction; set only by
 * test/support/mutate-setup.ts, where a surviving mutant reruns every property test that covers it).
 * Same seed, so a scaled run is the first part of the full one. `npm test` runs the full count.
 */
export function scaledRuns(n: number): number {
  const scale = Number(process.env['VETOC_PROPERTY_SCALE'] ?? 1)
  return Number.isFinite(scale) && scale > 0 && scale < 1 ? Math.max(1, Math.round(n * scale)) : n
}
