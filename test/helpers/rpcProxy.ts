import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the proxy does to a matching request instead of (or after) forwarding it. */
export type Fault =
  | { kind: "status"; status: number } // answer with this HTTP status (429, 503, …), upstream never sees it
  | { kind: "hang" } // never answer: the client's timeout fires
  | { kind: "drop-reply" }; // forward to the chain, then close the connection without the reply

interface Rule {
  method: string;
  fault: Fault;
  remaining: number;
}

/**
 * A JSON-RPC proxy in front of a real chain that injects faults: the only mock in the keeper's
 * tests, for failures a real local node cannot be made to produce on cue.
 */
export class FaultyRpcProxy {
  readonly log: string[] = [];
  private readonly upstream: string;
  private readonly rules: Rule[] = [];
  private server: Server | undefined;
  private readonly hung = new Set<IncomingMessage>();

  constructor(upstream: string) {
    this.upstream = upstream;
  }

  /** Applies `fault` to the next `times` requests for `method` ("*" for any). */
  inject(method: string, fault: Fault, times = 1): void {
    this.rules.push({ method, fault, remaining: times });
  }

  clear(): void {
    this.rules.length = 0;
  }

  async listen(): Promise<string> {
    this.server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString();
      const method = String((JSON.parse(body) as { method?: string }).method);
      const rule = this.rules.find((r) => r.remaining > 0 && (r.method === "*" || r.method === method));
      if (rule) rule.remaining--;
      this.log.push(rule ? `${method} -> ${rule.fault.kind}` : method);
      if (rule?.fault.kind === "status") {
        response.writeHead(rule.fault.status, { "content-type": "text/plain", "retry-after": "0" }).end(`injected ${rule.fault.status}`);
        return;
      }
      if (rule?.fault.kind === "hang") {
        this.hung.add(request);
        return;
      }
      const forwarded = await fetch(this.upstream, { method: "POST", headers: { "content-type": "application/json" }, body });
      const reply = await forwarded.text();
      if (rule?.fault.kind === "drop-reply") {
        request.socket.destroy();
        return;
      }
      response.writeHead(forwarded.status, { "content-type": "application/json" }).end(reply);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const request of this.hung) request.socket.destroy();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
