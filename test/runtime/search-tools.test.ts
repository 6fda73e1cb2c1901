/** Tool search over the notes fixture: which fields are searched and what a result shows. */
import { describe, expect, it } from 'vitest';
import type { ToolDefinition } from '../../runtime/define-tool.js';
import { buildToolSearch, toOneLine } from '../../runtime/mcp/search-tools.js';
import { notesApi } from '../fixtures/runtime/notes-api.js';

function findTool(name: string): ToolDefinition {
  const tool = notesApi.tools.find((candidate) => candidate.name === name);
  if (tool === undefined) throw new Error(`fixture has ${name}`);
  return tool;
}

describe('buildToolSearch', () => {
  const search = buildToolSearch(notesApi.tools);

  it.each([
    { given: 'words of the name', query: 'delete note', want: 'delete_note' },
    { given: 'a plural', query: 'list notes', want: 'list_notes' },
    { given: 'a word only in the title', query: 'fetch', want: 'get_note', title: 'Fetch one note' },
    { given: 'an HTTP path segment', query: 'archive', want: 'archive_note' },
    { given: 'a toolset', query: 'search', want: 'search_notes' },
    { given: 'an argument name', query: 'reason', want: 'archive_note' },
  ])('finds a tool by $given', ({ query, want, title }) => {
    const tools = notesApi.tools.map((tool) => (tool.name === want && title ? { ...tool, title } : tool));
    expect(buildToolSearch(tools).search(query, 1).results[0]?.name).toBe(want);
  });

  it('returns name, title, one-line description, access and required arguments', () => {
    const createNote = findTool('create_note');
    const { matched, results } = search.search('create note', 2);
    expect(matched).toBe(notesApi.tools.length);
    expect(results[0]).toEqual({
      name: 'create_note',
      title: createNote.title,
      description: toOneLine(createNote.description),
      access: 'write',
      requiredArguments: ['title', 'idempotency_key'],
    });
    expect(search.search('get note', 1).results[0]).toMatchObject({ name: 'get_note', access: 'read' });
  });

  it('honours the limit and reports no match as empty', () => {
    expect(search.search('note', 3).results).toHaveLength(3);
    expect(search.search('kubernetes', 8)).toEqual({ matched: 0, results: [] });
  });

  it.each([
    { given: 'another spelling of a name', name: 'Get-Note', want: 'get_note' },
    { given: 'the words in another order', name: 'note_delete', want: 'delete_note' },
    { given: 'a name with a prefix', name: 'notes_archive_note', want: 'archive_note' },
  ])('suggests the closest name for $given', ({ name, want }) => {
    expect(search.suggestNames(name, 3)[0]).toBe(want);
  });

  it('suggests at most limit names, without duplicates', () => {
    const suggestions = search.suggestNames('GetNote', 3);
    expect(suggestions).toHaveLength(3);
    expect(new Set(suggestions).size).toBe(3);
    expect(search.suggestNames('zzz', 3)).toEqual([]);
  });
});

describe('toOneLine', () => {
  it.each([
    { given: 'one sentence', text: 'List notes.', want: 'List notes.' },
    { given: 'several sentences', text: 'List notes. Page with cursor.', want: 'List notes.' },
    { given: 'an abbreviation', text: 'Filter, e.g. by tag. More.', want: 'Filter, e.g. by tag.' },
    { given: 'a version number', text: 'Uses v1.2 of the API. More.', want: 'Uses v1.2 of the API.' },
    { given: 'paragraphs', text: 'First line\n\nSecond paragraph.', want: 'First line' },
    { given: 'wrapped lines', text: 'Create a\n  note now', want: 'Create a note now' },
    { given: 'no text', text: '', want: '' },
  ])('$given', ({ text, want }) => {
    expect(toOneLine(text)).toBe(want);
  });

  it('cuts a long sentence at a word boundary with an ellipsis', () => {
    const line = toOneLine(`${'word '.repeat(60)}end.`);
    expect(line.length).toBeLessThanOrEqual(160);
    expect(line.endsWith('word…')).toBe(true);
  });
});
