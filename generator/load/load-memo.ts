/**
 * The state `--watch` keeps between loads of one spec: types and an empty memo only, so the
 * generation cache that holds it loads none of the load stage.
 */
import type { KeywordMemo } from './check-schema-keywords.js';
import type { DetectedVersion } from './detect-version.js';
import type { SourceMap } from './source-map.js';
import type { ValidationMemo } from './validate-openapi.js';
import type { RefSiteMemo } from './walk-references.js';

/**
 * What `--watch` keeps between loads of one spec (the generation cache holds it): the previous
 * text, its parsed document and source map, and what the checks found per path item and
 * component. Only a JSON spec without overlays, OpenAPI 3.x, without duplicate keys is kept;
 * anything else loads in full every time.
 */
export interface LoadMemo {
  last?: MemoizedLoad;
}

export interface MemoizedLoad {
  /** The options it was loaded with: others mean a full load. */
  readonly key: string;
  readonly specPath: string;
  readonly text: string;
  /** The source map's id of `text`. */
  readonly fileId: number;
  /** Saves loaded from this memo since the last full load: each adds a hop to describing an older position. */
  readonly edits: number;
  readonly sourceMap: SourceMap;
  readonly detected: DetectedVersion;
  readonly checks: CheckMemos;
}

export interface CheckMemos {
  readonly refSites: RefSiteMemo;
  readonly keywords: KeywordMemo;
  readonly validation: ValidationMemo;
}

export function createLoadMemo(): LoadMemo {
  return {};
}
