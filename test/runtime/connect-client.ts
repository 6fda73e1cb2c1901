/** Connects a real SDK v2 client to a running runtime, pinned to one protocol revision. */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export type Revision = '2025-11-25' | '2026-07-28';

export interface ConnectedClient {
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
  close(): Promise<void>;
}

export async function connectClient(mcpUrl: string, revision: Revision): Promise<ConnectedClient> {
  const client = new Client(
    { name: 'runtime-test', version: '1.0.0' },
    {
      // 'legacy' is the plain 2025 initialize handshake; a pin runs server/discover and nothing else.
      versionNegotiation: revision === '2025-11-25' ? { mode: 'legacy' } : { mode: { pin: revision } },
    },
  );
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl));
  await client.connect(transport);
  return { client, transport, close: () => client.close() };
}
