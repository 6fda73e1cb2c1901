/**
 * The Dockerfile, without a Docker engine: dockerfile-utils' linter (every check on, any problem
 * fails) and the deployment policy: multi-stage, pinned Node 22 slim base, non-root user,
 * HEALTHCHECK on /healthz with node, production dependencies and dist/ only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationSeverity, type ValidatorSettings, validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

/** Every optional check of the linter on (its defaults leave them off). */
const ALL_CHECKS: Required<ValidatorSettings> = {
  deprecatedMaintainer: ValidationSeverity.WARNING,
  directiveCasing: ValidationSeverity.WARNING,
  emptyContinuationLine: ValidationSeverity.WARNING,
  instructionCasing: ValidationSeverity.WARNING,
  instructionCmdMultiple: ValidationSeverity.WARNING,
  instructionEntrypointMultiple: ValidationSeverity.WARNING,
  instructionHealthcheckMultiple: ValidationSeverity.WARNING,
  instructionJSONInSingleQuotes: ValidationSeverity.WARNING,
  instructionWorkdirRelative: ValidationSeverity.WARNING,
};

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Instructions with continuation lines joined; comments and blank lines dropped. */
function parseInstructions(text: string): Instruction[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  return logical.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
}

/** Instructions grouped by stage (each starts at a FROM). */
function splitStages(instructions: Instruction[]): Instruction[][] {
  const stages: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

const stages = splitStages(parseInstructions(dockerfile));
const finalStage = stages.at(-1) ?? [];
const inFinal = (keyword: string) => finalStage.filter((instruction) => instruction.keyword === keyword);

describe('Dockerfile', () => {
  it('passes dockerfile-utils with every check on', () => {
    const problems = validate(dockerfile, ALL_CHECKS).map(
      (problem) => `line ${problem.range.start.line + 1}: ${problem.message}`,
    );
    expect(problems).toEqual([]);
  });

  it('builds in one stage and runs from a second one', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages[0] ?? [];
    const runs = build.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((run) => /\bnpm ci\b/.test(run))).toBe(true);
    expect(runs.some((run) => /\bnpm run build\b/.test(run))).toBe(true);
    expect(runs.some((run) => /\bnpm prune --omit=dev\b/.test(run))).toBe(true);
  });

  it('pins every base image to an exact Node 22 slim version, never latest', () => {
    const images = stages.map((stage) => stage[0]?.args.split(/\s+/)[0] ?? '');
    for (const image of images) {
      expect(image).not.toMatch(/:latest\b/);
      expect(image, image).toMatch(/^node:22\.\d+\.\d+-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/);
    }
  });

  it('runs as a non-root user, with NODE_ENV=production, port 3000, a data volume and the runtime as CMD', () => {
    const user = inFinal('USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(
      inFinal('ENV')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/\bNODE_ENV=production\b/);
    expect(inFinal('EXPOSE').map((i) => i.args)).toContain('3000');
    expect(
      inFinal('VOLUME')
        .map((i) => i.args)
        .join(' '),
    ).toContain('/app/.data');
    const cmd = JSON.parse(inFinal('CMD').at(-1)?.args ?? 'null') as string[];
    expect(cmd.slice(0, 2)).toEqual(['node', 'dist/runtime/main.js']);
  });

  it('checks health on /healthz with node (slim images have no curl)', () => {
    const healthchecks = inFinal('HEALTHCHECK');
    expect(healthchecks).toHaveLength(1);
    const command = healthchecks[0]?.args ?? '';
    expect(command).toMatch(/CMD \["node",/);
    expect(command).toContain('/healthz');
    expect(command).not.toMatch(/\b(curl|wget)\b/);
  });

  it('copies only production dependencies and the built output into the final stage', () => {
    const copies = inFinal('COPY').map((i) => i.args);
    for (const copy of copies) expect(copy).toMatch(/^--from=build /);
    const sources = copies.map((copy) => copy.split(/\s+/)[1]);
    expect(sources).toEqual(expect.arrayContaining(['/app/node_modules', '/app/dist']));
    expect(
      sources.some((source) => /\/app\/(runtime|generator|cli|platform|test)\b/.test(source ?? '')),
    ).toBe(false);
  });

  it('serves a folder the build produces', () => {
    const env = inFinal('ENV')
      .map((i) => i.args)
      .join(' ');
    const apiDir = /\bSPEC2MCP_API_DIR=(\S+)/.exec(env)?.[1];
    expect(apiDir).toBe('dist/generated/conveyor');
    expect(existsSync(join(root, 'generated/conveyor/index.ts'))).toBe(true);
  });

  it('copies build inputs that exist and that .dockerignore lets through', () => {
    const localCopies = (stages[0] ?? [])
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(localCopies.length).toBeGreaterThan(0);
    for (const source of localCopies) {
      expect(existsSync(join(root, source)), source).toBe(true);
      const top = source.split('/')[0];
      expect(dockerignore, `${source} is excluded by .dockerignore`).not.toContain(top);
    }
    for (const excluded of ['.git', 'node_modules', 'dist', '.data'])
      expect(dockerignore).toContain(excluded);
  });
});
