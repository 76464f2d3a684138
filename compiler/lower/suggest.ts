/** "did you mean ...?" by edit distance, with a cut-off so unrelated names are not suggested. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase())
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  const cutoff = Math.max(1, Math.floor(word.length / 3))
  return bestDistance <= cutoff ? best : undefined
}

export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const c = closest(word, candidates)
  return c === undefined ? undefined : `did you mean \`${c}\`?`
}

/**
 * Edit distance where swapping two neighbours counts as one edit (`--otu` is one typo from `--out`).
 * Words more than 8 characters apart in length are never one typo of each other: they are not
 * compared (their distance is taken as infinite, so a long unrelated name is never suggested).
 */
export function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Infinity
  let before: number[] = []
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j]!, before[j - 2]! + 1)
    }
    before = prev
    prev = cur
  }
  return prev[b.length]!
}
