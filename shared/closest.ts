/** Edit distance with transpositions (optimal string alignment): `lvie` is one step from `live`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The one candidate close enough to a mistyped name to suggest it (`lve` → `live`), or null when none is or
 * when two are equally close. Close means a prefix of it, or at most two edits (one for short names).
 */
export function closestName(input: string, candidates: readonly string[]): string | null {
  const typed = input.trim().toLowerCase();
  if (!typed) return null;
  const scored = candidates
    .filter((c) => c.toLowerCase() !== typed)
    .map((c) => {
      const lower = c.toLowerCase();
      const distance = lower.startsWith(typed) && typed.length >= 2 ? 0.5 : editDistance(typed, lower);
      return { c, distance };
    })
    .filter(({ c, distance }) => distance <= (Math.min(typed.length, c.length) <= 3 ? 1 : 2))
    .sort((a, b) => a.distance - b.distance);
  if (scored.length === 0) return null;
  if (scored.length > 1 && scored[1]!.distance === scored[0]!.distance) return null;
  return scored[0]!.c;
}
