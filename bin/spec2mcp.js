#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so `spec2mcp` works from a clone without a build step.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/spec2mcp.ts');
process.exitCode = await runCli(process.argv.slice(2));
