/** Tokenizer, plural stemming and BM25 ranking of the dynamic-mode tool search. */
import { describe, expect, it } from 'vitest';
import { BM25_B, BM25_K1, buildSearchIndex, stemWord, tokenize } from '../../runtime/mcp/search-index.js';

describe('tokenize', () => {
  it.each([
    { given: 'snake_case', text: 'list_secret_engines', want: ['list', 'secret', 'engine'] },
    { given: 'kebab-case', text: 'token-create-orphan', want: ['token', 'create', 'orphan'] },
    { given: 'camelCase', text: 'createPaymentIntent', want: ['create', 'payment', 'intent'] },
    { given: 'an acronym inside PascalCase', text: 'ListAPIKeys', want: ['list', 'api', 'key'] },
    {
      given: 'letters and digits stay together',
      text: 'kv_v2_read oauth2',
      want: ['kv', 'v2', 'read', 'oauth2'],
    },
    { given: 'a path template', text: '/sys/mounts/{path}/tune', want: ['sys', 'mount', 'path', 'tune'] },
    {
      given: 'stop words and single letters',
      text: 'Read a token of the user',
      want: ['read', 'token', 'user'],
    },
    { given: 'punctuation and case', text: 'Create, READ; delete!', want: ['create', 'read', 'delete'] },
    { given: 'non-ASCII letters', text: 'Überweisung_anlegen', want: ['überweisung', 'anlegen'] },
    { given: 'nothing but stop words', text: 'the of and', want: [] },
  ])('$given', ({ text, want }) => {
    expect(tokenize(text)).toEqual(want);
  });
});

describe('stemWord', () => {
  it.each([
    { given: 'a plain plural', word: 'secrets', want: 'secret' },
    { given: '-ies plural', word: 'policies', want: 'policy' },
    { given: '-sses plural', word: 'addresses', want: 'address' },
    { given: '-xes plural', word: 'indexes', want: 'index' },
    { given: 'a singular ending in ss', word: 'access', want: 'access' },
    { given: 'a singular ending in us', word: 'status', want: 'status' },
    { given: 'a singular ending in is', word: 'analysis', want: 'analysis' },
    { given: 'a short word', word: 'bus', want: 'bus' },
    { given: 'a word with digits', word: 'v2s', want: 'v2s' },
    { given: 'a word without plural', word: 'token', want: 'token' },
  ])('$given: $word -> $want', ({ word, want }) => {
    expect(stemWord(word)).toBe(want);
  });

  it('singular and plural meet', () => {
    expect(tokenize('list policies')).toEqual(tokenize('list policy'));
    expect(tokenize('secret engines')).toEqual(tokenize('secrets engine'));
  });
});

describe('buildSearchIndex', () => {
  it('scores one field by the BM25 formula', () => {
    // Three one-field documents; "token" occurs in two of them.
    const index = buildSearchIndex({
      weights: { text: 1 },
      documents: [{ text: 'token create' }, { text: 'token' }, { text: 'mount list engine' }],
    });
    const idf = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
    const averageLength = (2 + 1 + 3) / 3;
    const score = (length: number) => {
      const tf = 1 / (1 - BM25_B + (BM25_B * length) / averageLength);
      return (idf * tf * (BM25_K1 + 1)) / (tf + BM25_K1);
    };
    const { matched, hits } = index.search('token', 10);
    expect(matched).toBe(2);
    expect(hits.map((hit) => hit.document)).toEqual([1, 0]);
    expect(hits[0]?.score).toBeCloseTo(score(1), 10);
    expect(hits[1]?.score).toBeCloseTo(score(2), 10);
  });

  it.each([
    {
      given: 'a word in a heavier field ranks higher',
      documents: [
        { name: 'list_mounts', description: 'token' },
        { name: 'create_token', description: 'mounts' },
      ],
      query: 'token',
      want: [1, 0],
    },
    {
      given: 'a rare word outweighs a common one',
      documents: [
        { name: 'list_item', description: 'item' },
        { name: 'list_other', description: 'rare item' },
        { name: 'list_third', description: 'item' },
      ],
      query: 'list rare',
      want: [1, 0, 2],
    },
    {
      given: 'matching more query words ranks higher',
      documents: [
        { name: 'create_user', description: '' },
        { name: 'create_token', description: '' },
      ],
      query: 'create token',
      want: [1, 0],
    },
    {
      given: 'ties keep input order',
      documents: [
        { name: 'get_b', description: '' },
        { name: 'get_a', description: '' },
      ],
      query: 'get',
      want: [0, 1],
    },
    {
      given: 'no query word matches',
      documents: [{ name: 'get_a', description: '' }],
      query: 'nothing here',
      want: [],
    },
    {
      given: 'a query of stop words only',
      documents: [{ name: 'the_tool', description: 'of the' }],
      query: 'the of',
      want: [],
    },
  ])('$given', ({ documents, query, want }) => {
    const index = buildSearchIndex({ weights: { name: 3, description: 1 }, documents });
    expect(index.search(query, 10).hits.map((hit) => hit.document)).toEqual(want);
  });

  it('a shorter field with the same word ranks higher (length normalisation)', () => {
    const index = buildSearchIndex({
      weights: { name: 1 },
      documents: [{ name: 'secret engine tuning configuration parameter' }, { name: 'secret engine' }],
    });
    expect(index.search('secret engine', 10).hits.map((hit) => hit.document)).toEqual([1, 0]);
  });

  it('counts all matches but returns at most limit hits', () => {
    const index = buildSearchIndex({
      weights: { name: 1 },
      documents: Array.from({ length: 30 }, (_, i) => ({ name: `list_thing_${i}` })),
    });
    const { matched, hits } = index.search('list', 8);
    expect(matched).toBe(30);
    expect(hits).toHaveLength(8);
    expect(index.search('list', 0).hits).toEqual([]);
  });
});
