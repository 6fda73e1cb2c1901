/**
 * Reuses the ToolIR of an operation whose inputs did not change, replaying the
 * diagnostics building it reported. Positions are not part of a key (a line added
 * above an operation moves every position below it), so the cached SourceRefs are
 * located again by their JSON pointers in the document as it is now.
 */
import type { DiagnosticInput, DiagnosticSink, SourceRef } from '../diagnostics/diagnostic.js';
import type { OperationInput } from '../ir/build-tool-ir.js';
import type { ToolIR } from '../ir/types.js';
import type { CacheRun, GenerationCache } from './generation-cache.js';
import { hashPrintedTool } from './hash-cache-keys.js';

export interface MemoizeToolIRInput {
  readonly cache: GenerationCache;
  readonly run: CacheRun;
  readonly keyOf: (path: string, method: string) => string;
  readonly locate: (pointer: string) => SourceRef;
  /** Where every diagnostic ends up. */
  readonly sink: DiagnosticSink;
  /** After each operation, and whether its ToolIR was built (not reused). */
  readonly onOperation?: (built: boolean) => void;
}

export interface MemoizedToolIR {
  /** The sink to build the IR with: it records what each operation's build reports. */
  readonly sink: DiagnosticSink;
  readonly memoizeTool: (op: OperationInput, build: () => ToolIR) => ToolIR;
  /** hashPrintedTool of a ToolIR this memo returned (frozen, so still true), without serializing it again. */
  readonly printedHashOf: (tool: ToolIR) => string;
}

export function memoizeToolIR(input: MemoizeToolIRInput): MemoizedToolIR {
  const { cache, run, sink, locate } = input;
  const printedHashes = new WeakMap<ToolIR, string>();
  let recording: DiagnosticInput[] | undefined;
  const recordingSink: DiagnosticSink = {
    report(diagnostic) {
      recording?.push(diagnostic);
      sink.report(diagnostic);
    },
    get diagnostics() {
      return sink.diagnostics;
    },
    hasErrors: () => sink.hasErrors(),
  };
  // A tool's source, its name's source and its diagnostics often share pointers: each is located once per run.
  const located = new Map<string, SourceRef>();
  const relocate = (ref: SourceRef): SourceRef => {
    let found = located.get(ref.pointer);
    if (!found) {
      found = locate(ref.pointer);
      located.set(ref.pointer, found);
    }
    return found;
  };
  // Frozen: a later stage that changed a returned ToolIR in place would make its hash lie; now it throws.
  const remember = (tool: ToolIR, printedHash: string): ToolIR => {
    Object.freeze(tool);
    printedHashes.set(tool, printedHash);
    return tool;
  };
  return {
    sink: recordingSink,
    memoizeTool(op, build) {
      const key = input.keyOf(op.path, op.method);
      run.usedOperations.add(key);
      const hit = cache.operations.get(key);
      if (hit) {
        for (const d of hit.diagnostics) sink.report({ ...d, source: relocate(d.source) });
        input.onOperation?.(false);
        const tool = {
          ...hit.tool,
          source: relocate(hit.tool.source),
          nameSource: relocate(hit.tool.nameSource),
        };
        return remember(tool, hit.printedHash);
      }
      recording = [];
      try {
        const tool = build();
        const printedHash = hashPrintedTool(tool);
        cache.operations.set(key, { tool, diagnostics: recording, printedHash });
        run.createdOperations.add(key);
        input.onOperation?.(true);
        return remember({ ...tool }, printedHash);
      } finally {
        recording = undefined;
      }
    },
    printedHashOf: (tool) => printedHashes.get(tool) ?? hashPrintedTool(tool),
  };
}
