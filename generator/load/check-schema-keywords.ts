/**
 * Schema keywords from the wrong dialect or from no dialect at all: 3.0's `nullable` and boolean
 * exclusive bounds in a 3.1 document (airflow, openai, adyen), 3.1's numeric exclusive bounds and
 * type lists in a 3.0 document, 2019-09's `$recursiveRef`, and names that are no keyword
 * (prefect's `min_items`). The IR reads the dialect mix as meant, so each is a warning
 * (an error with --strict): one per kind, at its first use, with the count, so a document with
 * 535 of them says so in one line.
 */
import type { SourceRef } from '../diagnostics/diagnostic.js';
import type { SpecVersion } from './detect-version.js';
import { appendJsonPointer, isPlainObject } from './json-pointer.js';
import type { LoadContext } from './load-context.js';
import { rankCandidates } from './rank-candidates.js';

const KNOWN_KEYWORDS = new Set([
  // JSON Schema 2020-12 (core, applicator, unevaluated, validation, meta-data, format, content)
  ...'$schema $id $ref $anchor $dynamicRef $dynamicAnchor $vocabulary $comment $defs'.split(' '),
  ...'allOf anyOf oneOf not if then else dependentSchemas prefixItems items contains properties'.split(' '),
  ...'patternProperties additionalProperties propertyNames unevaluatedItems unevaluatedProperties'.split(' '),
  ...'type enum const multipleOf maximum exclusiveMaximum minimum exclusiveMinimum maxLength'.split(' '),
  ...'minLength pattern maxItems minItems uniqueItems maxContains minContains maxProperties'.split(' '),
  ...'minProperties required dependentRequired title description default deprecated readOnly'.split(' '),
  ...'writeOnly examples format contentEncoding contentMediaType contentSchema'.split(' '),
  // earlier drafts, still common and understood
  ...'definitions dependencies additionalItems id'.split(' '),
  // OpenAPI's own
  ...'nullable discriminator xml externalDocs example'.split(' '),
]);

/** Keywords whose value holds data, not schemas. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'example', 'examples', 'required', 'xml']);
const SCHEMA_MAP_KEYWORDS = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
]);
const SCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_KEYWORDS = new Set([
  'items',
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
  'additionalItems',
  'contentSchema',
]);

export interface CheckSchemaKeywordsInput {
  readonly document: Record<string, unknown>;
  readonly version: SpecVersion;
  readonly at: (pointer: string) => SourceRef;
  /**
   * `--watch`: what each path item and component noted, by object; an object still in place was
   * not edited, so its notes are replayed in order instead of visiting it again.
   */
  readonly memo?: KeywordMemo;
}

export type KeywordMemo = WeakMap<object, { readonly key: string; readonly notes: readonly Note[] }>;

interface Note {
  readonly kind: string;
  readonly pointer: string;
  readonly finding: Omit<Finding, 'pointer' | 'count'>;
}

interface Finding {
  readonly message: (count: number) => string;
  readonly fix?: string;
  readonly pointer: string;
  count: number;
}

export function checkSchemaKeywords(
  input: CheckSchemaKeywordsInput,
  context: Pick<LoadContext, 'report'>,
): void {
  const findings = new Map<string, Finding>();
  let note = (kind: string, pointer: string, finding: Omit<Finding, 'pointer' | 'count'>) => {
    const known = findings.get(kind);
    if (known) known.count++;
    else findings.set(kind, { ...finding, pointer, count: 1 });
  };
  const seen = new Set<object>();
  const { memo } = input;
  const visitMemoized = (memo: KeywordMemo, node: object, key: string, visit: () => void): void => {
    const known = memo.get(node);
    if (known?.key === key) {
      for (const n of known.notes) note(n.kind, n.pointer, n.finding);
      return;
    }
    const notes: Note[] = [];
    const outer = note;
    note = (kind, pointer, finding) => {
      notes.push({ kind, pointer, finding });
      outer(kind, pointer, finding);
    };
    try {
      visit();
    } finally {
      note = outer;
    }
    memo.set(node, { key, notes });
  };

  const visitSchema = (schema: unknown, pointer: string): void => {
    if (!isPlainObject(schema) || seen.has(schema)) return;
    seen.add(schema);
    for (const [key, value] of Object.entries(schema)) {
      const at = appendJsonPointer(pointer, key);
      if (key.startsWith('x-')) continue;
      checkKeyword(key, value, at, input.version, note);
      if (DATA_KEYWORDS.has(key) || !KNOWN_KEYWORDS.has(key)) continue;
      if (SCHEMA_MAP_KEYWORDS.has(key) && isPlainObject(value)) {
        for (const [name, sub] of Object.entries(value)) visitSchema(sub, appendJsonPointer(at, name));
      } else if ((SCHEMA_LIST_KEYWORDS.has(key) || SCHEMA_KEYWORDS.has(key)) && Array.isArray(value)) {
        for (const [i, sub] of value.entries()) visitSchema(sub, appendJsonPointer(at, i));
      } else if (SCHEMA_KEYWORDS.has(key)) {
        visitSchema(value, at);
      }
    }
  };

  // The document outside schemas: every `schema` value is one, and so is every component schema.
  const visitDocument = (node: unknown, pointer: string, depth: number): void => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visitDocument(item, appendJsonPointer(pointer, i), depth + 1);
      return;
    }
    if (!isPlainObject(node) || seen.has(node)) return;
    if (memo && (depth === 2 || depth === 3)) {
      visitMemoized(memo, node, `${input.version}document${pointer}`, () =>
        visitDocumentObject(node, pointer, depth),
      );
    } else {
      visitDocumentObject(node, pointer, depth);
    }
  };
  const visitDocumentObject = (node: Record<string, unknown>, pointer: string, depth: number): void => {
    seen.add(node);
    for (const [key, value] of Object.entries(node)) {
      const at = appendJsonPointer(pointer, key);
      if (key.startsWith('x-') || key === 'example' || key === 'examples' || key === 'default') continue;
      const schemaMap =
        (pointer === '/components' && key === 'schemas') || (pointer === '' && key === 'definitions');
      if (schemaMap && isPlainObject(value)) {
        for (const [name, sub] of Object.entries(value)) {
          const schemaAt = appendJsonPointer(at, name);
          if (memo && isPlainObject(sub) && !seen.has(sub)) {
            visitMemoized(memo, sub, `${input.version}schema${schemaAt}`, () => visitSchema(sub, schemaAt));
          } else {
            visitSchema(sub, schemaAt);
          }
        }
      } else if (key === 'schema' && isPlainObject(value)) {
        visitSchema(value, at);
      } else {
        visitDocument(value, at, depth + 1);
      }
    }
  };
  visitDocument(input.document, '', 0);

  for (const finding of findings.values()) {
    context.report({
      code: 'MCPGEN_SCHEMA_NONSTANDARD',
      source: input.at(finding.pointer),
      message: finding.message(finding.count),
      ...(finding.fix ? { fix: finding.fix } : {}),
    });
  }
}

function checkKeyword(
  key: string,
  value: unknown,
  pointer: string,
  version: SpecVersion,
  note: (kind: string, pointer: string, finding: Omit<Finding, 'pointer' | 'count'>) => void,
): void {
  const uses = (count: number) => (count === 1 ? 'once' : `${count} times (the first here)`);
  if (version === '3.1' && key === 'nullable') {
    note('nullable', pointer, {
      message: (n) =>
        `\`nullable\` is an OpenAPI 3.0 keyword; this 3.1 document uses it ${uses(n)}; read as \`type: [T, "null"]\``,
      fix: 'In OpenAPI 3.1, write `type: [string, "null"]` (or `anyOf` with `{type: "null"}`) instead of `nullable: true`.',
    });
  } else if (version === '3.1' && /^exclusive(Minimum|Maximum)$/.test(key) && typeof value === 'boolean') {
    note(`boolean-${key}`, pointer, {
      message: (n) =>
        `boolean \`${key}\` is the OpenAPI 3.0 form; this 3.1 document uses it ${uses(n)}; read as the 3.0 form`,
      fix: `In OpenAPI 3.1, \`${key}\` is the bound itself: \`${key}: 0\` instead of \`${key.replace('exclusive', '').toLowerCase()}: 0\` + \`${key}: true\`.`,
    });
  } else if (version !== '3.1' && /^exclusive(Minimum|Maximum)$/.test(key) && typeof value === 'number') {
    note(`number-${key}`, pointer, {
      message: (n) =>
        `numeric \`${key}\` is the OpenAPI 3.1 form; this ${version} document uses it ${uses(n)}; read as the 3.1 form`,
      fix: `In OpenAPI ${version}, write \`${key.replace('exclusive', '').toLowerCase()}: N\` with \`${key}: true\`.`,
    });
  } else if (version !== '3.1' && key === 'type' && Array.isArray(value)) {
    note('type-list', pointer, {
      message: (n) =>
        `a list of types is OpenAPI 3.1; this ${version} document uses one ${uses(n)}; read as in 3.1`,
      fix: 'In OpenAPI 3.0, use one `type` (with `nullable: true` for null) or `oneOf`.',
    });
  } else if (key === '$recursiveRef' || key === '$recursiveAnchor') {
    note(key, pointer, {
      message: (n) =>
        `\`${key}\` is JSON Schema 2019-09, not 2020-12; the document uses it ${uses(n)}; tool schemas keep it, validators may ignore it`,
      fix: `Use \`${key.replace('recursive', 'dynamic')}\` (JSON Schema 2020-12).`,
    });
  } else if (!KNOWN_KEYWORDS.has(key) && !key.startsWith('$')) {
    const near = rankCandidates(key, [...KNOWN_KEYWORDS]);
    note(`unknown-${key}`, pointer, {
      message: (n) =>
        `\`${key}\` is not a JSON Schema or OpenAPI keyword; the document uses it ${uses(n)}; validators ignore it`,
      fix:
        near.length > 0
          ? `Did you mean \`${near[0]}\`? Otherwise prefix the key with \`x-\` to mark it an extension.`
          : 'Prefix the key with `x-` to mark it an extension, or remove it.',
    });
  }
}
