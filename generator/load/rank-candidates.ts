/** Closest existing names to a misspelt one, for "did you mean" fixes. */

const MAX_CANDIDATES = 3;

/** Up to three names within a typo's distance of `wanted`, closest first, then alphabetical. */
export function rankCandidates(wanted: string, names: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  const lower = wanted.toLowerCase();
  return names
    .map((name) => ({ name, distance: name.toLowerCase() === lower ? 0 : levenshtein(wanted, name) }))
    .filter((candidate) => candidate.distance <= limit && candidate.name !== wanted)
    .sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, MAX_CANDIDATES)
    .map((candidate) => candidate.name);
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
