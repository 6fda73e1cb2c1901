/**
 * The load stage: read the spec (and its overlays), apply the overlays, check it is OpenAPI,
 * check $refs, validate, and convert Swagger 2.0 to 3.0. Everything found goes to the sink; the
 * spec is returned even with errors so the caller sees all problems, and `undefined` only when
 * nothing usable could be read.
 */
import path from 'node:path';
import type { DiagnosticInput, DiagnosticSink, SourceRef } from '../diagnostics/diagnostic.js';
import { applyOverlay } from './apply-overlays.js';
import { checkRefs, parseRef } from './check-refs.js';
import { checkSchemaKeywords } from './check-schema-keywords.js';
import { convertSwagger2 } from './convert-swagger2.js';
import { rewriteSwagger2Ref } from './convert-swagger2-schema.js';
import { type DetectedVersion, detectVersion } from './detect-version.js';
import { toDisplayPath } from './display-path.js';
import { findChangedValues, findTextChange } from './find-changed-value.js';
import { formatJsonPointer, isPlainObject, resolveJsonPointer } from './json-pointer.js';
import { createLoadContext, type LoadContext } from './load-context.js';
import type { CheckMemos, LoadMemo, MemoizedLoad } from './load-memo.js';
import { parseJsonText } from './parse-json.js';
import { DEFAULT_MAX_BYTES, type ReadDocument, readDocument, readDocumentText } from './read-document.js';
import { readSpecFolder } from './read-spec-folder.js';
import { SourceMap } from './source-map.js';
import { spliceValue } from './splice-value.js';
import { validateOpenApi } from './validate-openapi.js';

export interface LoadSpecOptions {
  /** A spec folder (holding openapi.yaml|yml|json and an optional overlays/ folder) or a single OpenAPI file. */
  readonly path: string;
  /** Extra overlay files applied after the folder's own, in the order given. */
  readonly overlays?: readonly string[];
  readonly strict?: boolean;
  readonly allowExternalRefs?: boolean;
  /** Per file; default 32 MiB. */
  readonly maxBytes?: number;
  /** Base for display paths in diagnostics (default process.cwd()); never absolute in output. */
  readonly cwd?: string;
}

export interface LoadedOverlay {
  /** Display path, relative to cwd, posix separators (as in diagnostics). */
  readonly file: string;
  /** Path relative to the spec folder (e.g. 'overlays/10-tools.yaml'), for provenance that does not depend on cwd. */
  readonly name: string;
  readonly sha256: string;
}

export interface LoadedSpec {
  /** Display path of the spec, relative to cwd, posix separators. */
  readonly specFile: string;
  /** Path of the spec relative to the spec folder (e.g. 'openapi.yaml'), for provenance. */
  readonly specName: string;
  readonly specSha256: string;
  readonly overlays: readonly LoadedOverlay[];
  readonly version: '2.0' | '3.0' | '3.1';
  /** The document after overlays, with internal $refs left in place (NOT dereferenced: cycles must survive). */
  readonly document: Record<string, unknown>;
  /** Where the node at `pointer` (RFC 6901, into `document`) came from: the spec or the overlay that put it there. Falls back to the nearest located ancestor; never throws. */
  locate(pointer: string): SourceRef;
  /** Follows an internal `$ref` ('#/components/schemas/X'); undefined when it does not resolve (already reported). */
  resolveRef(ref: string): unknown;
  /** Set when a `LoadMemo` let this load parse only the value an edit changed: its pointer ('' when the text was unchanged). */
  readonly reparsed?: string;
}

/** After this many saves loaded from the memo, one full load starts a fresh source map (bounded position lookups). */
const MAX_EDITS = 64;

export async function loadSpec(
  options: LoadSpecOptions,
  sink: DiagnosticSink,
  memo?: LoadMemo,
): Promise<LoadedSpec | undefined> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const key = memoKey(options, cwd);
  if (memo?.last?.key === key && memo.last.edits < MAX_EDITS) {
    const reloaded = await reloadSpec(options, { cwd, memo, last: memo.last }, sink);
    if (reloaded) return reloaded;
  }
  if (memo) memo.last = undefined;
  const sourceMap = new SourceMap();
  let duplicateKeys = false;
  const context = createLoadContext(
    {
      report(input) {
        if (input.code === 'MCPGEN_DUPLICATE_KEY') duplicateKeys = true;
        sink.report(input);
      },
      get diagnostics() {
        return sink.diagnostics;
      },
      hasErrors: () => sink.hasErrors(),
    },
    {
      sourceMap,
      strict: options.strict ?? false,
      allowExternalRefs: options.allowExternalRefs ?? false,
      cwd,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    },
  );
  const layout = await readSpecFolder(path.resolve(cwd, options.path), context);
  if (!layout) return undefined;
  const overlayPaths = [
    ...layout.overlayPaths,
    ...(options.overlays ?? []).map((file) => path.resolve(cwd, file)),
  ];
  const [spec, ...overlayFiles] = await Promise.all(
    [layout.specPath, ...overlayPaths].map((file) => readDocument(file, context)),
  );
  if (!spec) return undefined;
  const locateIn = (root: unknown) => (pointer: string) => sourceMap.locate(root, pointer, spec.file);
  let detected = detectVersion(spec.value, locateIn(spec.value), context);
  if (!detected) return undefined;

  const document = detected.document;
  const overlays: LoadedOverlay[] = [];
  for (const overlay of overlayFiles) {
    if (!overlay) continue;
    overlays.push({
      file: overlay.file,
      name: toDisplayPath(overlay.absolutePath, layout.specDir),
      sha256: overlay.sha256,
    });
    applyOverlay({ document, specPath: layout.specPath }, overlay, context);
  }
  if (versionFieldsChanged(detected, document)) {
    // An overlay changed `openapi`/`swagger`: what the rest of the pipeline reads is the new version.
    detected = detectVersion(document, locateIn(document), context);
    if (!detected) return undefined;
  }
  const memorable =
    memo !== undefined &&
    overlayPaths.length === 0 &&
    path.extname(layout.specPath).toLowerCase() === '.json' &&
    detected.version !== '2.0' &&
    !duplicateKeys;
  const checks: CheckMemos | undefined = memorable
    ? { refSites: new WeakMap(), keywords: new WeakMap(), validation: {} }
    : undefined;
  const loaded = await checkAndConvert(
    detected,
    { spec, overlays, specName: path.basename(layout.specPath), context },
    checks,
  );
  if (memo && checks) {
    memo.last = {
      key,
      specPath: layout.specPath,
      text: spec.text,
      fileId: spec.fileId,
      edits: 0,
      sourceMap,
      detected,
      checks,
    };
  }
  return loaded;
}

/**
 * The load after a save, from the previous one: when the edit lies inside one path item or
 * component, only the changed value is parsed and spliced in; the checks walk and validate
 * only what changed (their memos) and report everything again from there, so every position
 * comes from the shifted source map. Undefined (load in full) whenever that is not sure to
 * give what a full load gives; what it reported until then is dropped.
 */
async function reloadSpec(
  options: LoadSpecOptions,
  state: { readonly cwd: string; readonly memo: LoadMemo; readonly last: MemoizedLoad },
  sink: DiagnosticSink,
): Promise<LoadedSpec | undefined> {
  const { cwd, memo, last } = state;
  const { sourceMap } = last;
  const pending: DiagnosticInput[] = [];
  const context = createLoadContext(
    { report: (input) => pending.push(input), diagnostics: [], hasErrors: () => false },
    {
      sourceMap,
      strict: options.strict ?? false,
      allowExternalRefs: options.allowExternalRefs ?? false,
      cwd,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
    },
  );
  const layout = await readSpecFolder(path.resolve(cwd, options.path), context);
  if (!layout || layout.specPath !== last.specPath || layout.overlayPaths.length > 0) return undefined;
  const read = await readDocumentText(layout.specPath, context);
  if (!read || pending.length > 0) return undefined;
  let document = last.detected.document;
  let fileId = last.fileId;
  let reparsed = '';
  const change = findTextChange(last.text, read.text);
  if (change) {
    const candidates = findChangedValues({ oldText: last.text, change, root: document, sourceMap, fileId });
    const delta = read.text.length - last.text.length;
    const newFileId = sourceMap.addFile(read.file, read.text);
    // The deepest value whose new text parses and ends where it must; a syntax error or a
    // duplicate key fails at every level, and the full load reports it as it always does.
    let replaced: { readonly tokens: readonly string[]; readonly value: unknown } | undefined;
    for (const candidate of candidates) {
      if (!isInsideUnit(candidate.tokens)) break;
      const { tokens } = candidate;
      const parsed = parseJsonText(read.text, newFileId, sourceMap, {
        start: candidate.start,
        end: candidate.end + delta,
        tokens,
      });
      if (parsed.errors.length > 0 || parsed.duplicates.length > 0) continue;
      replaced = { tokens, value: parsed.value };
      break;
    }
    if (!replaced) return undefined;
    sourceMap.redirectFile(fileId, { to: newFileId, start: change.start, oldEnd: change.oldEnd, delta });
    document = spliceValue(document, replaced.tokens, replaced.value, sourceMap);
    fileId = newFileId;
    reparsed = formatJsonPointer(replaced.tokens);
  }
  const detected = detectVersion(
    document,
    (pointer) => sourceMap.locate(document, pointer, read.file),
    context,
  );
  if (detected?.version !== last.detected.version || detected.declared !== last.detected.declared) {
    return undefined;
  }
  const spec: ReadDocument = { ...read, fileId, value: document };
  const loaded = await checkAndConvert(
    detected,
    { spec, overlays: [], specName: path.basename(layout.specPath), context },
    last.checks,
  );
  memo.last = { ...last, text: read.text, fileId, edits: last.edits + (change ? 1 : 0), detected };
  for (const input of pending) sink.report(input);
  return { ...loaded, reparsed };
}

/** An edit inside one path item or one component; anything shallower loads in full. */
function isInsideUnit(tokens: readonly string[]): boolean {
  return (tokens[0] === 'paths' && tokens.length >= 2) || (tokens[0] === 'components' && tokens.length >= 3);
}

function memoKey(options: LoadSpecOptions, cwd: string): string {
  return JSON.stringify([
    path.resolve(cwd, options.path),
    (options.overlays ?? []).map((file) => path.resolve(cwd, file)),
    options.strict ?? false,
    options.allowExternalRefs ?? false,
    cwd,
    options.maxBytes ?? DEFAULT_MAX_BYTES,
  ]);
}

interface Loaded {
  readonly spec: ReadDocument;
  readonly overlays: readonly LoadedOverlay[];
  readonly specName: string;
  readonly context: LoadContext;
}

async function checkAndConvert(
  detected: DetectedVersion,
  loaded: Loaded,
  memos?: CheckMemos,
): Promise<LoadedSpec> {
  const { context, spec, specName } = loaded;
  const { sourceMap } = context;
  const original = detected.document;
  const at = (pointer: string) => sourceMap.locate(original, pointer, spec.file);
  const refs = checkRefs(
    {
      document: original,
      specName,
      at,
      swagger2: detected.version === '2.0',
      ...(memos ? { memo: memos.refSites } : {}),
    },
    context,
  );
  await validateOpenApi(
    {
      document: original,
      version: detected.version,
      unresolvedPointers: refs.unresolvedPointers,
      at,
      ...(memos ? { memo: memos.validation } : {}),
    },
    context,
  );
  checkSchemaKeywords(
    { document: original, version: detected.version, at, ...(memos ? { memo: memos.keywords } : {}) },
    context,
  );
  const document = detected.version === '2.0' ? convertSwagger2(original, sourceMap) : original;
  const bodyParameters = swagger2BodyParameters(original);
  return {
    specFile: spec.file,
    specName,
    specSha256: spec.sha256,
    overlays: loaded.overlays,
    version: detected.version,
    document,
    locate: (pointer) => sourceMap.locate(document, pointer, spec.file),
    resolveRef: (ref) => {
      // 2.0 refs (`#/definitions/X`) may still reach here from a caller that read the original.
      const rewritten = detected.version === '2.0' ? rewriteSwagger2Ref(ref, bodyParameters) : ref;
      const parsed = parseRef(rewritten, specName);
      if (parsed.kind !== 'internal') return undefined;
      const resolution = resolveJsonPointer(document, parsed.tokens);
      return resolution.found ? resolution.value : undefined;
    },
  };
}

function versionFieldsChanged(detected: DetectedVersion, document: Record<string, unknown>): boolean {
  const declared = document['openapi'] ?? document['swagger'];
  return String(declared).trim() !== detected.declared && !(typeof declared === 'number');
}

function swagger2BodyParameters(document: Record<string, unknown>): Set<string> {
  const parameters = isPlainObject(document['parameters']) ? document['parameters'] : {};
  return new Set(
    Object.entries(parameters)
      .filter(([, parameter]) => isPlainObject(parameter) && parameter['in'] === 'body')
      .map(([name]) => name),
  );
}
