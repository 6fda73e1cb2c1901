#!/usr/bin/env node
// The `spec2mcp` command. In a clone (cli/spec2mcp.ts present) it runs the TypeScript sources
// through tsx's loader, so the command always matches the code, even when an older dist/ exists.
// Without the sources (a Docker image or package holding only dist/), it runs the built
// dist/cli/spec2mcp.js with plain node. SPEC2MCP_USE_DIST=1 forces the built output in a clone
// (build first: `npm run build`).
import { existsSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+: V8's code cache on disk, so the next run does not compile TypeScript's compiler (under ts-morph) again.
module.enableCompileCache?.();

const source = new URL('../cli/spec2mcp.ts', import.meta.url);
const built = new URL('../dist/cli/spec2mcp.js', import.meta.url);
const useBuilt = process.env.SPEC2MCP_USE_DIST === '1' || !existsSync(source);

let runCli;
if (useBuilt) {
  if (!existsSync(built)) {
    console.error('spec2mcp: dist/cli/spec2mcp.js is missing; run `npm run build` first.');
    process.exit(2);
  }
  ({ runCli } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ runCli } = await import(source.href));
}
process.exitCode = await runCli(process.argv.slice(2));
