/**
 * Tool search for dynamic mode: a BM25 index over every served tool's name, title, description,
 * toolsets, argument names and HTTP path, plus the compact result each tool shows in a search.
 * Both are built once at startup; a search only ranks and picks prebuilt results.
 */
import type { JsonSchema, ToolDefinition } from '../define-tool.js';
import { buildSearchIndex } from './search-index.js';

/** One search result: enough to choose a tool, not enough to call it (that is describe_tool). */
export interface ToolSearchResult {
  readonly name: string;
  readonly title: string;
  /** The description's first sentence, at most ~160 characters. */
  readonly description: string;
  readonly access: 'read' | 'write';
  readonly requiredArguments: readonly string[];
}

export interface ToolSearchAnswer {
  /** How many tools matched any query word; `results` holds the best `limit` of them. */
  readonly matched: number;
  readonly results: readonly ToolSearchResult[];
}

export interface ToolSearch {
  readonly size: number;
  search(query: string, limit: number): ToolSearchAnswer;
  /** Tool names close to a name that does not exist, best first. */
  suggestNames(name: string, limit: number): string[];
}

/**
 * Field weights: the name is what a tool is (and what models search with), title and path say it
 * again in other words, argument names only hint at the resource.
 */
const FIELD_WEIGHTS = {
  name: 3,
  title: 2,
  path: 1.5,
  toolsets: 1.5,
  description: 1,
  arguments: 0.5,
} as const;

const ONE_LINE_MAX = 160;

export function buildToolSearch(tools: readonly ToolDefinition[]): ToolSearch {
  const index = buildSearchIndex({
    weights: FIELD_WEIGHTS,
    documents: tools.map((tool) => ({
      name: tool.name,
      title: tool.title,
      path: tool.http.path,
      toolsets: tool.toolsets.join(' '),
      description: tool.description,
      arguments: Object.keys(readProperties(tool.inputSchema)).join(' '),
    })),
  });
  const results = tools.map((tool) => Object.freeze(toSearchResult(tool)));
  const byLooseName = new Map(tools.map((tool) => [loosenName(tool.name), tool.name]));

  return {
    size: tools.length,
    search(query, limit) {
      const { matched, hits } = index.search(query, limit);
      return { matched, results: hits.flatMap((hit) => results[hit.document] ?? []) };
    },
    suggestNames(name, limit) {
      // Same name in another spelling (case, `-` vs `_`) first, then tools sharing its words.
      const exact = byLooseName.get(loosenName(name));
      const related = index.search(name, limit + 1).hits.flatMap((hit) => results[hit.document]?.name ?? []);
      return [...new Set([...(exact === undefined ? [] : [exact]), ...related])].slice(0, limit);
    },
  };
}

function toSearchResult(tool: ToolDefinition): ToolSearchResult {
  const required = typeof tool.inputSchema === 'object' ? tool.inputSchema['required'] : undefined;
  return {
    name: tool.name,
    title: tool.title,
    description: toOneLine(tool.description || tool.title),
    access: tool.annotations.readOnlyHint ? 'read' : 'write',
    requiredArguments: Array.isArray(required)
      ? required.filter((item): item is string => typeof item === 'string')
      : [],
  };
}

/** The first sentence or line, cut at a word boundary: a search shows many tools at once. */
export function toOneLine(text: string): string {
  const flat =
    text
      .trim()
      .split(/\n\s*\n/)[0]
      ?.replace(/\s+/g, ' ') ?? '';
  const sentence = /^.*?(?<!\b(?:e\.g|i\.e|etc|vs))[.!?](?=\s|$)/.exec(flat)?.[0] ?? flat;
  if (sentence.length <= ONE_LINE_MAX) return sentence;
  const cut = sentence.slice(0, ONE_LINE_MAX - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${lastSpace > ONE_LINE_MAX / 2 ? cut.slice(0, lastSpace) : cut}…`;
}

function loosenName(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

function readProperties(schema: JsonSchema): Record<string, unknown> {
  if (typeof schema !== 'object') return {};
  const properties = schema['properties'];
  return typeof properties === 'object' && properties !== null ? (properties as Record<string, unknown>) : {};
}
