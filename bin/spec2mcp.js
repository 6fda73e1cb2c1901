#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so `spec2mcp` works from a clone without a build step.
import module from 'node:module';
import { register } from 'tsx/esm/api';

// Node 22.1+: V8's code cache on disk, so the next run does not compile TypeScript's compiler (under ts-morph) again.
module.enableCompileCache?.();
register();
const { runCli } = await import('../cli/spec2mcp.ts');
process.exitCode = await runCli(process.argv.slice(2));
