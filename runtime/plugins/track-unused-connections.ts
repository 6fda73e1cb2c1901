/**
 * Connections that never sent a byte, ended at shutdown. Node's `server.close()` ends idle
 * keep-alive sockets, but counts a fresh socket as busy (its headers timer is running) and stops
 * that timer when it closes, so a socket that never sends a request holds `app.close()` open for
 * as long as the client keeps it. undici leaves exactly such a socket behind when a fetch of an
 * event stream is aborted (it reconnects for the aborted request, then drops it: nodejs/undici#5845),
 * which is how SSE clients, the SDK's included, end a stream.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface UnusedConnections {
  /** Destroys every connection that has sent nothing yet; returns how many. */
  destroy(): number;
}

export function trackUnusedConnections(server: Server): UnusedConnections {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    destroy() {
      let destroyed = 0;
      for (const socket of sockets) {
        // bytesRead > 0: a request has begun (or ended) on it; Node and Fastify handle those.
        if (socket.bytesRead === 0) {
          socket.destroy();
          destroyed += 1;
        }
      }
      return destroyed;
    },
  };
}
