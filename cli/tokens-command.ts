/**
 * `spec2mcp tokens create | list | revoke`: long-lived API tokens for scripts and CI, kept in the
 * store the server uses (same SPEC2MCP_STORE / SPEC2MCP_DATA_DIR / SPEC2MCP_DATABASE_URL settings).
 */

import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { apiTokenPrefixOf } from '../runtime/auth/api-tokens/api-token-format.js';
import {
  ApiTokenNameTakenError,
  ApiTokenRequestError,
  type CreateApiTokenRequest,
  checkApiTokenRequest,
  createApiToken,
} from '../runtime/auth/api-tokens/create-api-token.js';
import type { ApiDefinition } from '../runtime/define-tool.js';
import { loadApi } from '../runtime/load-api.js';
import type { ApiTokenRecord } from '../runtime/stores/api-token-types.js';
import { createStore, type StoreConfig } from '../runtime/stores/create-store.js';
import type { Store } from '../runtime/stores/store-types.js';
import {
  escapeControlCharacters,
  formatCreatedTokenJson,
  formatMinute,
  formatTokenJson,
  formatTokensTable,
} from './format-tokens.js';
import { readCliStoreConfig } from './read-cli-store-config.js';

const STORE_FLAGS = '[--data-dir DIR | --database-url URL]';

export const TOKENS_USAGE = `Usage: spec2mcp tokens create --name NAME --scopes SCOPE[,SCOPE] [--tenant T] [--workspaces a,b]
                             [--expires 90d] [--api DIR] [--json] ${STORE_FLAGS}
       spec2mcp tokens list [--json] ${STORE_FLAGS}
       spec2mcp tokens revoke <id|name> ${STORE_FLAGS}

Long-lived API tokens for scripts and CI; a client sends one as \`Authorization: Bearer <token>\`.
  create              prints the token on stdout, once: only its SHA-256 is stored
    --name NAME       unique among tokens that are not revoked; not 16 hex digits (that is an id)
    --scopes S,S      what the token may do, e.g. mcp:read or mcp:read,mcp:write; each must be a
                      scope of the API: defined in x-mcp scopes, a read/write default, or required
                      by one of its tools
    --tenant T        bind the token to tenant T of /{tenant}/mcp (the API must declare x-mcp
                      tenancy.pathParam)
    --workspaces a,b  allow only these values of the tenancy argument (the API must declare x-mcp
                      tenancy.argument)
    --expires D       30m, 12h, 90d, 2w, 1y or never (default never)
    --api DIR         the generated API the token is for, which fixes its prefix and scopes
                      (default: the only API folder under ./generated)
    --json            print the token and its fields as one JSON line
  list                every token, newest first, revoked and expired ones too; only the first
                      characters of each token (the store has no more)
    --json            one JSON object per line
  revoke <id|name>    servers sharing the store refuse the token from their next request; an id
                      wins over a name
  --data-dir DIR      the SQLite store in DIR (instead of SPEC2MCP_DATA_DIR, default .data)
  --database-url URL  the PostgreSQL store at URL (instead of SPEC2MCP_DATABASE_URL)
The store is chosen like the server's: SPEC2MCP_STORE (sqlite, postgres), SPEC2MCP_DATA_DIR,
SPEC2MCP_DATABASE_URL, SPEC2MCP_DATABASE_SCHEMA.
Exit codes: 0 done, 1 the store failed or has no such token, 2 usage error.`;

export interface TokensCommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Receives one line at a time, without its newline. */
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Epoch ms. */
  readonly now: () => number;
  /** Where `generated/` is looked for. */
  readonly cwd: string;
}

export class TokensUsageError extends Error {
  override readonly name = 'TokensUsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;
const STORE_OPTIONS = {
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
} as const satisfies Options;

/** Runs `tokens <subcommand> ...`; returns the exit code. */
export async function runTokensCommand(
  args: readonly string[],
  io: TokensCommandIo = processIo(),
): Promise<number> {
  const [subcommand, ...rest] = args;
  try {
    switch (subcommand) {
      case 'create':
        return await runCreate(rest, io);
      case 'list':
        return await runList(rest, io);
      case 'revoke':
        return await runRevoke(rest, io);
      case '-h':
      case '--help':
      case 'help':
        io.out(TOKENS_USAGE);
        return 0;
      case undefined:
        throw new TokensUsageError('tokens needs a subcommand: create, list or revoke.');
      default:
        throw new TokensUsageError(`Unknown tokens subcommand "${subcommand}".`);
    }
  } catch (error) {
    if (error instanceof TokensUsageError) {
      io.err(`${error.message}\n\n${TOKENS_USAGE}`);
      return 2;
    }
    if (error instanceof StoreFailure) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
}

/** The store could not be opened or read; exit 1, no usage. */
class StoreFailure extends Error {}

async function runCreate(args: readonly string[], io: TokensCommandIo): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    name: { type: 'string' },
    scopes: { type: 'string' },
    tenant: { type: 'string' },
    workspaces: { type: 'string' },
    expires: { type: 'string' },
    api: { type: 'string' },
    json: { type: 'boolean' },
    ...STORE_OPTIONS,
  });
  if (positionals.length > 0) throw new TokensUsageError(`Unexpected argument "${positionals[0]}".`);
  if (help(values, io)) return 0;
  const name = requireText(values, 'name');
  const scopes = splitList('scopes', requireText(values, 'scopes'));
  const tenant = optionalText(values, 'tenant');
  const workspacesText = optionalText(values, 'workspaces');
  const workspaces = workspacesText === undefined ? undefined : splitList('workspaces', workspacesText);
  const expires = optionalText(values, 'expires');
  const expiresIn = expires === undefined || expires === 'never' ? undefined : expires;
  const request: CreateApiTokenRequest = {
    name,
    scopes,
    ...(tenant !== undefined && { tenant }),
    ...(workspaces !== undefined && { workspaces }),
    ...(expiresIn !== undefined && { expiresIn }),
  };
  // Everything is checked before the store is opened, which for SQLite would create it.
  usageOnRequestError(() => checkApiTokenRequest(request));
  const storeConfig = readTokenStoreConfig(io.env, values);
  const { dir, api } = await resolveApi(optionalText(values, 'api'), io.cwd);
  checkAgainstApi(api, relative(io.cwd, dir) || dir, { scopes, tenant, workspaces });

  return withStore(storeConfig, { mustExist: false }, async (store) => {
    let created: Awaited<ReturnType<typeof createApiToken>>;
    try {
      created = await createApiToken(store, request, { prefix: apiTokenPrefixOf(api), now: io.now });
    } catch (error) {
      if (error instanceof ApiTokenNameTakenError) {
        io.err(`${error.message} (spec2mcp tokens list shows it)`);
        return 1;
      }
      if (error instanceof ApiTokenRequestError) throw new TokensUsageError(error.message);
      throw error;
    }
    const { token, record } = created;
    // stdout carries the token alone (or one JSON line), so `TOKEN=$(spec2mcp tokens create ...)` works.
    if (values['json'] === true) io.out(formatCreatedTokenJson(token, record, io.now()));
    else io.out(token);
    for (const line of describeCreated(record, api, dir, storeConfig, io.cwd)) io.err(line);
    return 0;
  });
}

async function runList(args: readonly string[], io: TokensCommandIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { json: { type: 'boolean' }, ...STORE_OPTIONS });
  if (positionals.length > 0) throw new TokensUsageError(`Unexpected argument "${positionals[0]}".`);
  if (help(values, io)) return 0;
  const storeConfig = readTokenStoreConfig(io.env, values);
  return withStore(storeConfig, { mustExist: true }, async (store) => {
    const records = await store.apiTokens.list();
    const now = io.now();
    if (records.length === 0) {
      io.err('No API tokens. Create one with `spec2mcp tokens create --name NAME --scopes SCOPE`.');
      return 0;
    }
    if (values['json'] === true) for (const record of records) io.out(formatTokenJson(record, now));
    else for (const line of formatTokensTable(records, now)) io.out(line);
    return 0;
  });
}

async function runRevoke(args: readonly string[], io: TokensCommandIo): Promise<number> {
  const { values, positionals } = parseFlags(args, STORE_OPTIONS);
  if (help(values, io)) return 0;
  if (positionals.length !== 1 || positionals[0]?.trim() === '') {
    throw new TokensUsageError('tokens revoke needs exactly one token id or name.');
  }
  const idOrName = (positionals[0] ?? '').trim();
  const storeConfig = readTokenStoreConfig(io.env, values);
  return withStore(storeConfig, { mustExist: true }, async (store) => {
    const revocation = await store.apiTokens.revoke(idOrName, io.now());
    if (revocation === undefined) {
      io.err(
        `No API token has the id or name "${escapeControlCharacters(idOrName)}" (spec2mcp tokens list).`,
      );
      return 1;
    }
    const { record, changed } = revocation;
    const label = `API token "${escapeControlCharacters(record.name)}" (id ${record.id})`;
    if (!changed) {
      io.out(`${label} was revoked already, at ${formatMinute(record.revokedAt ?? 0)}.`);
      return 0;
    }
    io.out(`Revoked ${label}: servers using this store refuse it from their next request.`);
    return 0;
  });
}

function parseFlags<const O extends Options>(args: readonly string[], options: O) {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new TokensUsageError((error as Error).message);
  }
}

function help(values: Record<string, unknown>, io: TokensCommandIo): boolean {
  if (values['help'] !== true) return false;
  io.out(TOKENS_USAGE);
  return true;
}

function optionalText(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  if (typeof value !== 'string') return undefined;
  if (value.trim() === '') throw new TokensUsageError(`--${name} needs a value.`);
  return value.trim();
}

function requireText(values: Record<string, unknown>, name: string): string {
  const value = optionalText(values, name);
  if (value === undefined) throw new TokensUsageError(`tokens create needs --${name}.`);
  return value;
}

function splitList(name: string, text: string): string[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) {
    throw new TokensUsageError(`--${name} "${text}" has an empty item; separate values with single commas.`);
  }
  return items;
}

function usageOnRequestError<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ApiTokenRequestError) throw new TokensUsageError(error.message);
    throw error;
  }
}

/**
 * The API a new token is for: `--api DIR`, else the only folder under ./generated with an index.ts or
 * index.js. Its prefix goes into the token, and its scopes are the ones a token may have.
 */
async function resolveApi(
  apiFlag: string | undefined,
  cwd: string,
): Promise<{ readonly dir: string; readonly api: ApiDefinition }> {
  let dir: string;
  if (apiFlag !== undefined) dir = resolve(cwd, apiFlag);
  else {
    const root = join(cwd, 'generated');
    const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
    const apis = entries
      .filter(
        (entry) =>
          entry.isDirectory() &&
          (existsSync(join(root, entry.name, 'index.ts')) || existsSync(join(root, entry.name, 'index.js'))),
      )
      .map((entry) => entry.name)
      .sort();
    if (apis.length !== 1) {
      throw new TokensUsageError(
        apis.length === 0
          ? `No generated API under ${root}: pass --api with the folder of the API the token is for.`
          : `Several generated APIs under ${root} (${apis.join(', ')}): pass --api generated/<api>.`,
      );
    }
    dir = join(root, apis[0] ?? '');
  }
  try {
    return { dir, api: await loadApi(dir) };
  } catch (error) {
    throw new TokensUsageError(`--api: cannot load the API in ${dir}: ${(error as Error).message}`);
  }
}

/** Scopes must be the API's; --tenant and --workspaces need the tenancy the API declares. */
function checkAgainstApi(
  api: ApiDefinition,
  dir: string,
  request: {
    readonly scopes: readonly string[];
    readonly tenant?: string;
    readonly workspaces?: readonly string[];
  },
): void {
  const known = new Set([
    ...api.scopes.definitions.map((definition) => definition.name),
    ...api.scopes.read,
    ...api.scopes.write,
    ...api.tools.flatMap((tool) => tool.scopes),
  ]);
  const unknown = request.scopes.filter((scope) => !known.has(scope));
  if (unknown.length > 0) {
    const list = [...known].sort().join(', ') || '(none)';
    throw new TokensUsageError(
      `${unknown.map((scope) => `"${scope}"`).join(', ')} ${unknown.length === 1 ? 'is not a scope' : 'are not scopes'} of the API "${api.id}" (${dir}); its scopes: ${list}.`,
    );
  }
  if (request.tenant !== undefined && api.access?.tenantPathParam === undefined) {
    throw new TokensUsageError(
      `--tenant binds a token to one tenant of /{tenant}/mcp, but the API "${api.id}" has no x-mcp tenancy.pathParam, so no server would check it.`,
    );
  }
  if (request.workspaces !== undefined && api.access?.tenantArgument === undefined) {
    throw new TokensUsageError(
      `--workspaces restricts the tenancy argument, but the API "${api.id}" has no x-mcp tenancy.argument, so no server would check it.`,
    );
  }
}

function describeCreated(
  record: ApiTokenRecord,
  api: ApiDefinition,
  dir: string,
  storeConfig: StoreConfig,
  cwd: string,
): string[] {
  const where =
    storeConfig.kind === 'sqlite'
      ? `the SQLite store ${relative(cwd, storeConfig.file) || storeConfig.file}`
      : 'the PostgreSQL store';
  return [
    `Created API token "${record.name}" (id ${record.id}) for ${api.id} (${relative(cwd, dir) || dir}) in ${where}.`,
    `  scopes: ${record.scopes.join(', ')}`,
    ...(record.tenant === undefined ? [] : [`  tenant: ${record.tenant}`]),
    ...(record.workspaces === undefined ? [] : [`  workspaces: ${record.workspaces.join(', ')}`]),
    `  expires: ${record.expiresAt === undefined ? 'never' : formatMinute(record.expiresAt)}`,
    'Copy the token now: only its hash is stored, it cannot be shown again.',
    'Clients send it as `Authorization: Bearer <token>`; `spec2mcp tokens revoke` ends it.',
  ];
}

async function withStore(
  config: StoreConfig,
  options: { readonly mustExist: boolean },
  run: (store: Store) => Promise<number>,
): Promise<number> {
  if (
    options.mustExist &&
    config.kind === 'sqlite' &&
    config.file !== ':memory:' &&
    !existsSync(config.file)
  ) {
    // Opening would create an empty database there and hide a wrong --data-dir.
    throw new StoreFailure(
      `No token store at ${config.file}; set SPEC2MCP_DATA_DIR or pass --data-dir to the server's folder.`,
    );
  }
  let store: Store;
  try {
    // No pruning timer: a command must not delete what it was asked to show.
    store = await createStore({ ...config, pruneIntervalMs: 0 });
  } catch (error) {
    throw new StoreFailure(`Cannot open the ${config.kind} store: ${(error as Error).message}`);
  }
  try {
    return await run(store);
  } catch (error) {
    if (error instanceof TokensUsageError || error instanceof StoreFailure) throw error;
    throw new StoreFailure(`The ${config.kind} store failed: ${(error as Error).message}`);
  } finally {
    await store.close();
  }
}

function processIo(): TokensCommandIo {
  return {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    now: () => Date.now(),
    cwd: process.cwd(),
  };
}

function readTokenStoreConfig(
  env: Readonly<Record<string, string | undefined>>,
  values: Record<string, unknown>,
): StoreConfig {
  return readCliStoreConfig(
    env,
    { dataDir: optionalText(values, 'data-dir'), databaseUrl: optionalText(values, 'database-url') },
    'SPEC2MCP_STORE=memory keeps tokens inside the server process, where this command cannot reach them; use sqlite or postgres.',
    (message) => new TokensUsageError(message),
  );
}
