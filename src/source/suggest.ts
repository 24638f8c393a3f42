/**
 * Did-you-mean suggestions for misspelled keys, rule names and patch names.
 */

/** Damerau-Levenshtein distance (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const w = b.length + 1;
  const d = new Array<number>((a.length + 1) * w).fill(0);
  const at = (i: number, j: number): number => d[i * w + j] ?? 0;
  for (let i = 0; i <= a.length; i++) d[i * w] = i;
  for (let j = 0; j <= b.length; j++) d[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, at(i - 2, j - 2) + 1);
      }
      d[i * w + j] = v;
    }
  }
  return at(a.length, b.length);
}

/** Words longer than this get no suggestion: no key, rule or module name is that long. */
export const MAX_SUGGEST_LENGTH = 128;

/**
 * The closest candidate within a distance that grows with the word's length, or undefined.
 * Bounded: a word or candidate over `MAX_SUGGEST_LENGTH` characters, or one whose length differs
 * by more than the allowed distance, is never compared, so the table stays under 130x130.
 *
 * @example
 * suggest('replase', ['replace', 'replace_set', 'states']) // 'replace'
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_SUGGEST_LENGTH) return undefined;
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDist = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    if (c.length > MAX_SUGGEST_LENGTH || Math.abs(c.length - word.length) > limit) continue;
    const dist = editDistance(word.toLowerCase(), c.toLowerCase());
    if (dist < bestDist && dist <= limit) {
      best = c;
      bestDist = dist;
    }
  }
  return best;
}

/** `did you mean `x`?` or undefined. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const s = suggest(word, candidates);
  return s === undefined ? undefined : `did you mean \`${s}\`?`;
}
