/**
 * A small full-text index ranked with BM25 (in its multi-field form, BM25F): each field is
 * length-normalised on its own and weighted, so a word in a short tool name outweighs the same
 * word in a long description. Everything that does not depend on the query is computed once when
 * the index is built; a search only walks the postings of the query's terms.
 */

/** How strongly repeated occurrences of a term saturate (BM25's k1). */
export const BM25_K1 = 1.2;
/** How much a field's length normalises its term frequencies (BM25's b). */
export const BM25_B = 0.75;

/** Words that carry no meaning in a tool search; kept small so API vocabulary is never dropped. */
const STOP_WORDS = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'by',
  'can',
  'do',
  'for',
  'from',
  'how',
  'i',
  'if',
  'in',
  'into',
  'is',
  'it',
  'its',
  'me',
  'my',
  'of',
  'on',
  'or',
  'so',
  'that',
  'the',
  'their',
  'then',
  'this',
  'to',
  'was',
  'we',
  'which',
  'will',
  'with',
  'you',
  'your',
]);

/**
 * Lowercased, stemmed words of `text`: splits camelCase and PascalCase (`listAPIKeys` ->
 * list, api, key), snake_case, kebab-case, paths and punctuation; drops stop words and
 * single letters. Letters and digits stay together (`v2`, `oauth2`).
 */
export function tokenize(text: string): string[] {
  const words = text
    .replace(/(\p{Ll}|\p{N})(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u);
  const tokens: string[] = [];
  for (const word of words) {
    if (word.length < 2 || STOP_WORDS.has(word)) continue;
    tokens.push(stemWord(word));
  }
  return tokens;
}

/**
 * Light plural stemming, so "secrets" finds "secret" and "policies" finds "policy". Deliberately
 * not a full stemmer: API words are short, and over-stemming merges names that differ.
 */
export function stemWord(word: string): string {
  if (word.length <= 3 || /\p{N}/u.test(word)) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses') || word.endsWith('xes')) return word.slice(0, -2);
  if (word.endsWith('s') && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/** A document is one text per field; `weights` says how much each field counts. */
export interface SearchIndexInput<Field extends string> {
  readonly weights: Readonly<Record<Field, number>>;
  readonly documents: readonly Readonly<Record<Field, string>>[];
}

export interface SearchHit {
  /** Position of the document in the input. */
  readonly document: number;
  readonly score: number;
}

export interface SearchIndex {
  readonly size: number;
  /**
   * Documents matching at least one query term, best first (ties: input order). `matched` counts
   * all matches, `hits` holds at most `limit` of them.
   */
  search(query: string, limit: number): { readonly matched: number; readonly hits: readonly SearchHit[] };
}

interface Posting {
  /** Inverse document frequency of the term. */
  readonly idf: number;
  readonly documents: number[];
  /** Weighted, length-normalised term frequency per document (BM25F's pseudo-frequency). */
  readonly frequencies: number[];
}

export function buildSearchIndex<Field extends string>(input: SearchIndexInput<Field>): SearchIndex {
  const fields = Object.keys(input.weights) as Field[];
  const tokenized = input.documents.map((document) => fields.map((field) => tokenize(document[field])));
  const averageLengths = fields.map((_, f) => average(tokenized.map((document) => document[f]?.length ?? 0)));

  const frequencies = new Map<string, Map<number, number>>();
  tokenized.forEach((document, index) => {
    fields.forEach((field, f) => {
      const tokens = document[f] ?? [];
      const averageLength = averageLengths[f] ?? 0;
      const norm = averageLength === 0 ? 1 : 1 - BM25_B + (BM25_B * tokens.length) / averageLength;
      const weight = input.weights[field] / norm;
      for (const token of tokens) {
        let byDocument = frequencies.get(token);
        if (byDocument === undefined) {
          byDocument = new Map();
          frequencies.set(token, byDocument);
        }
        byDocument.set(index, (byDocument.get(index) ?? 0) + weight);
      }
    });
  });

  const total = input.documents.length;
  const postings = new Map<string, Posting>();
  for (const [term, byDocument] of frequencies) {
    const count = byDocument.size;
    postings.set(term, {
      // The "+1" form never goes negative, so a term in most documents still counts a little.
      idf: Math.log(1 + (total - count + 0.5) / (count + 0.5)),
      documents: [...byDocument.keys()],
      frequencies: [...byDocument.values()],
    });
  }

  return {
    size: total,
    search(query, limit) {
      const scores = new Map<number, number>();
      for (const term of new Set(tokenize(query))) {
        const posting = postings.get(term);
        if (posting === undefined) continue;
        posting.documents.forEach((document, i) => {
          const frequency = posting.frequencies[i] ?? 0;
          const gain = (posting.idf * frequency * (BM25_K1 + 1)) / (frequency + BM25_K1);
          scores.set(document, (scores.get(document) ?? 0) + gain);
        });
      }
      const ranked = [...scores].sort(([a, scoreA], [b, scoreB]) => scoreB - scoreA || a - b);
      return {
        matched: ranked.length,
        hits: ranked.slice(0, Math.max(0, limit)).map(([document, score]) => ({ document, score })),
      };
    },
  };
}

function average(values: readonly number[]): number {
  if (values.length === 0) return 0;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
