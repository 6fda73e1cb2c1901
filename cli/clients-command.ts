/**
 * `spec2mcp clients list|revoke`: the OAuth clients users authorized on the embedded authorization
 * server, read from and revoked in the store the server uses (same SPEC2MCP_STORE / SPEC2MCP_DATA_DIR
 * / SPEC2MCP_DATABASE_URL settings), so it works with the server running or not, on any instance.
 */

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  type AuthorizedClient,
  listAuthorizedClients,
  revokeClient,
} from '../runtime/auth/authorization-server/manage-clients.js';
import { createStore, type StoreConfig } from '../runtime/stores/create-store.js';
import type { Store } from '../runtime/stores/store-types.js';
import { readCliStoreConfig } from './read-cli-store-config.js';

export const CLIENTS_USAGE = `Usage: spec2mcp clients list [--json] [--data-dir DIR | --database-url URL]
       spec2mcp clients revoke <client_id> [--data-dir DIR | --database-url URL]

list     Every client users authorized: name, id, scopes, users, last use.
revoke   Ends every grant of the client at once: its access and refresh tokens stop working on
         their next use and the users' stored credentials for it are deleted. The client stays
         registered, so it can ask users to authorize it again.
  --json               one JSON object per line instead of a table
  --data-dir DIR       the SQLite store in DIR (instead of SPEC2MCP_DATA_DIR, default .data)
  --database-url URL   the PostgreSQL store at URL (instead of SPEC2MCP_DATABASE_URL)
The store is chosen like the server's: SPEC2MCP_STORE (sqlite, postgres), SPEC2MCP_DATA_DIR,
SPEC2MCP_DATABASE_URL, SPEC2MCP_DATABASE_SCHEMA.`;

export interface ClientsCommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Receives one line at a time, without its newline. */
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

class ClientsUsageError extends Error {
  override readonly name = 'ClientsUsageError';
}

interface ClientsRequest {
  readonly action: 'list' | 'revoke';
  readonly clientId?: string;
  readonly json: boolean;
  readonly store: StoreConfig;
}

/** Runs the command; returns the exit code (0 done, 1 failed or no such client, 2 usage). */
export async function runClientsCommand(
  args: readonly string[],
  io: ClientsCommandIo = processIo(),
): Promise<number> {
  let request: ClientsRequest;
  try {
    if (args.includes('--help') || args.includes('-h')) {
      io.out(CLIENTS_USAGE);
      return 0;
    }
    request = parseClientsArgs(args, io.env);
  } catch (error) {
    if (!(error instanceof ClientsUsageError)) throw error;
    io.err(`${error.message}\n\n${CLIENTS_USAGE}`);
    return 2;
  }
  if (
    request.store.kind === 'sqlite' &&
    request.store.file !== ':memory:' &&
    !existsSync(request.store.file)
  ) {
    // Opening would create an empty database there and hide a wrong --data-dir.
    io.err(
      `No store at ${request.store.file}; set SPEC2MCP_DATA_DIR or pass --data-dir to the server's folder.`,
    );
    return 1;
  }
  let store: Store;
  try {
    // No pruning timer: the command changes only what it was asked to.
    store = await createStore({ ...request.store, pruneIntervalMs: 0 });
  } catch (error) {
    io.err(`Cannot open the ${request.store.kind} store: ${(error as Error).message}`);
    return 1;
  }
  try {
    const clients = await listAuthorizedClients(store);
    if (request.action === 'list') {
      if (clients.length === 0) {
        io.err('No authorized clients.');
        return 0;
      }
      if (request.json) for (const client of clients) io.out(formatClientJson(client));
      else for (const line of formatClientsTable(clients)) io.out(line);
      return 0;
    }
    const clientId = request.clientId ?? '';
    const known = clients.find((client) => client.clientId === clientId);
    const revoked = await revokeClient(store, clientId);
    if (known === undefined && revoked.records === 0) {
      io.err(`No authorized client with id "${clientId}" (spec2mcp clients list shows them).`);
      return 1;
    }
    const name = known?.clientName === undefined ? clientId : `${known.clientName} (${clientId})`;
    io.out(
      `Revoked ${revoked.grants} grant${revoked.grants === 1 ? '' : 's'} of ${name}; its tokens no longer work.`,
    );
    return 0;
  } catch (error) {
    io.err(
      `Cannot ${request.action} clients in the ${request.store.kind} store: ${(error as Error).message}`,
    );
    return 1;
  } finally {
    await store.close();
  }
}

function parseClientsArgs(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ClientsRequest {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...args],
      options: {
        json: { type: 'boolean' },
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    throw new ClientsUsageError((error as Error).message);
  }
  const [action, clientId, extra] = positionals;
  if (action !== 'list' && action !== 'revoke') {
    throw new ClientsUsageError(action === undefined ? 'Say list or revoke.' : `Unknown action "${action}".`);
  }
  if (action === 'list' && clientId !== undefined)
    throw new ClientsUsageError(`Unexpected argument "${clientId}".`);
  if (action === 'revoke' && (clientId === undefined || clientId.trim() === '')) {
    throw new ClientsUsageError('revoke needs the client id (spec2mcp clients list shows it).');
  }
  if (extra !== undefined) throw new ClientsUsageError(`Unexpected argument "${extra}".`);
  const text = (name: string) => {
    const value = values[name];
    if (typeof value !== 'string') return undefined;
    if (value.trim() === '') throw new ClientsUsageError(`--${name} needs a value.`);
    return value;
  };
  return {
    action,
    ...(clientId !== undefined && { clientId }),
    json: values['json'] === true,
    store: readCliStoreConfig(
      env,
      { dataDir: text('data-dir'), databaseUrl: text('database-url') },
      'SPEC2MCP_STORE=memory keeps grants inside the server process, where this command cannot reach them; use sqlite or postgres.',
      (message) => new ClientsUsageError(message),
    ),
  };
}

const NONE = '-';

/** A header and one row per client, columns two spaces apart. */
export function formatClientsTable(clients: readonly AuthorizedClient[]): string[] {
  const rows = [
    ['NAME', 'CLIENT_ID', 'SCOPES', 'USERS', 'LAST_USED'],
    ...clients.map((client) => [
      client.clientName ?? NONE,
      client.clientId,
      client.scopes.join(' ') || NONE,
      client.users.map((user) => user.id).join(', '),
      client.lastUsedAt === undefined ? 'never' : new Date(client.lastUsedAt).toISOString(),
    ]),
  ].map((row) => row.map(escapeControlCharacters));
  const widths = rows[0]?.map((_, index) => Math.max(...rows.map((row) => row[index]?.length ?? 0))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

export function formatClientJson(client: AuthorizedClient): string {
  return JSON.stringify({
    clientId: client.clientId,
    clientName: client.clientName,
    scopes: client.scopes,
    users: client.users,
    grants: client.grants,
    authorizedAt: new Date(client.authorizedAt).toISOString(),
    lastUsedAt: client.lastUsedAt === undefined ? undefined : new Date(client.lastUsedAt).toISOString(),
  });
}

/** Client names come from registrations anyone can make: never let them move the terminal cursor. */
function escapeControlCharacters(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => {
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

function processIo(): ClientsCommandIo {
  return {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}
