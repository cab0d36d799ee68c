import type { Server } from "node:http";
import type { Socket } from "node:net";

/** Connection-level limits of the gateway's HTTP server, each with its default. */
export interface ConnectionLimits {
  /** Most open connections for the process (the server refuses more). Default 4,096. */
  maxConnections?: number;
  /** Most open connections from one remote address. Default 256. */
  maxConnectionsPerAddress?: number;
  /** Time for a whole request, headers and body, to arrive. Default 10 s. */
  requestTimeoutMs?: number;
  /** Time for the headers to arrive, and for an idle keep-alive connection's next request. Default 5 s. */
  headersTimeoutMs?: number;
}

export const DEFAULT_MAX_CONNECTIONS = 4096;
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_HEADERS_TIMEOUT_MS = 5_000;

/**
 * Fastify's server options for the limits on time. Node checks request timeouts every
 * `connectionsCheckingInterval`, which is kept well under them (Node's default is 30 s).
 */
export function httpServerOptions(limits: ConnectionLimits) {
  const requestTimeout = limits.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const headersTimeout = Math.min(limits.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS, requestTimeout);
  return {
    requestTimeout,
    keepAliveTimeout: headersTimeout,
    http: { headersTimeout, connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(headersTimeout / 4))) },
  };
}

/**
 * Bounds open connections per process and per remote address, so that one client holding
 * connections open cannot use up the process's file descriptors. A connection over a bound is
 * closed at once, before any byte is read.
 */
export function limitConnections(server: Server, limits: ConnectionLimits): void {
  server.maxConnections = limits.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const perAddress = limits.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "unknown";
    const count = (open.get(address) ?? 0) + 1;
    if (count > perAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
