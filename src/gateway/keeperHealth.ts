import Fastify from "fastify";

/** What the endpoint asks of a keeper: its last known state (Keeper.status()). */
export interface HealthSource {
  status(): { status: string };
}

/**
 * The keeper's health endpoint: GET /health and GET /kpe/health (the K-PPE relayer's path) answer
 * the keeper's last known state as JSON, without touching the chain (no RPC per request).
 * 503 when degraded or stopped, so a load balancer or uptime check can act on it.
 */
export async function serveHealth(keeper: HealthSource, options: { host?: string; port: number }): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false, bodyLimit: 1024 });
  const handler = async (_request: unknown, reply: { code(n: number): unknown }) => {
    const health = keeper.status();
    reply.code(health.status === "degraded" || health.status === "stopped" ? 503 : 200);
    return health;
  };
  app.get("/health", handler);
  app.get("/kpe/health", handler);
  const url = await app.listen({ host: options.host ?? "127.0.0.1", port: options.port });
  return { url, close: () => app.close() };
}
