import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { EthereumProvider } from "hardhat/types/providers";

const MAX_BODY = 1024 * 1024;

/**
 * Serves an in-process chain's provider as JSON-RPC over HTTP on loopback, so the keeper talks to
 * it exactly as to a remote node and a person can point `--rpc-url` at it while the main job runs.
 * (Hardhat's own server builds a new chain; this one serves the chain Ignition deployed to.)
 */
export async function serveProvider(provider: EthereumProvider, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (request, response) => {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) return void response.writeHead(413).end();
      chunks.push(chunk as Buffer);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      return void response.writeHead(400).end();
    }
    const answer = async (call: { id?: unknown; method?: string; params?: unknown[] }) => {
      try {
        return { jsonrpc: "2.0", id: call.id ?? null, result: await provider.request({ method: String(call.method), params: call.params ?? [] }) };
      } catch (error) {
        const e = error as { code?: number; message?: string; data?: unknown };
        return { jsonrpc: "2.0", id: call.id ?? null, error: { code: e.code ?? -32603, message: e.message ?? String(error), data: e.data } };
      }
    };
    const result = Array.isArray(body) ? await Promise.all(body.map(answer)) : await answer(body as { method?: string });
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)));
  });
  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(p, "127.0.0.1", () => resolve());
    });
  await listen(port).catch(() => listen(0));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
