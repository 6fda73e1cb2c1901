/**
 * Swagger 2.0 arrives converted to 3.0 by the loader (formData -> a form or multipart body,
 * `type: file` -> a binary string, body -> requestBody, produces -> content); the tool IR built
 * from it has file arguments, form encodings and output schemas like a 3.0 document's.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDiagnosticSink } from '../../generator/diagnostics/diagnostic.js';
import { buildApiIR } from '../../generator/ir/build-api-ir.js';
import { fileArgumentSchema } from '../../generator/ir/build-input.js';
import type { ApiIR, ToolIR } from '../../generator/ir/types.js';
import { loadSpec } from '../../generator/load/load-spec.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const specDir = path.join(here, '../fixtures/schemas/swagger2-files');

let api: ApiIR;
const tool = (name: string): ToolIR => {
  const found = api.tools.find((t) => t.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
};
const props = (schema: unknown) => (schema as { properties: Record<string, unknown> }).properties;

beforeAll(async () => {
  const sink = createDiagnosticSink();
  const spec = await loadSpec({ path: specDir, cwd: specDir }, sink);
  if (!spec) throw new Error(JSON.stringify(sink.diagnostics));
  api = buildApiIR(
    {
      document: spec.document,
      version: spec.version,
      specName: spec.specName,
      specSha256: spec.specSha256,
      overlays: [],
      locate: (p) => spec.locate(p),
      resolveRef: (r) => spec.resolveRef(r),
    },
    { id: 'files', generatorVersion: '0.0.0' },
    sink,
  );
  expect(sink.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
});

describe('Swagger 2.0 documents, converted', () => {
  it('formData with a file: multipart body, the file is a file argument, arrays repeat', () => {
    const upload = tool('upload_document');
    expect(upload.body).toEqual({
      mediaType: 'multipart/form-data',
      required: true,
      mode: 'properties',
      properties: [
        { argument: 'file', property: 'file' },
        { argument: 'tags', property: 'tags' },
        { argument: 'title', property: 'title' },
      ],
      files: ['file'],
      encoding: { tags: { style: 'form', explode: true } },
    });
    expect(props(upload.inputSchema)['file']).toEqual(fileArgumentSchema('The document'));
    expect(api.servers).toEqual(['https://files.example.com/api']);
  });

  it('formData without a file: form-urlencoded, collectionFormat as the encoding style', () => {
    const search = tool('search_documents');
    expect(search.body).toMatchObject({
      mediaType: 'application/x-www-form-urlencoded',
      mode: 'properties',
      encoding: { ids: { style: 'pipeDelimited', explode: false } },
    });
    expect(search.body?.files).toBeUndefined();
  });

  it('a body parameter: JSON properties as arguments, readOnly dropped, x-nullable as null', () => {
    const replace = tool('replace_document');
    expect(replace.body?.mediaType).toBe('application/json');
    expect(props(replace.inputSchema)).toEqual({
      id: { type: 'string' },
      kind: { type: 'string', enum: ['pdf', 'text'] },
      title: { type: ['string', 'null'] },
    });
    expect(props(replace.outputSchema)['id']).toEqual({ type: 'string' });
  });

  it('a file response: the media type from produces, no output schema', () => {
    const download = tool('download_document');
    expect(download.responseMediaType).toBe('application/pdf');
    expect(download.outputSchema).toBeUndefined();
  });
});
