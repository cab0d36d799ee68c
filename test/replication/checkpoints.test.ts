import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Wallet } from "ethers";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import { generateSignerKey, parseSignerKey, verifierKeyOf } from "../../src/log/note.ts";
import { StorageNode, type NodeEvent } from "../../src/replication/node.ts";
import { randomLeaves } from "../helpers/random.ts";
import { sqliteFixture } from "../helpers/stores.ts";
import { waitFor } from "../helpers/wait.ts";

let n = 0;
async function submit(url: string, count: number): Promise<void> {
  const events = Array.from({ length: count }, () => ({ version: "0.1", event_id: `cp-${process.pid}-${++n}`, payload_hash: randomLeaves(1)[0], source_id: "app", data: { n } }));
  const response = await fetch(`${url}/submit_batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events }) });
  assert.equal(response.status, 200);
}

/** A real HTTP proxy that sends /checkpoint to one gateway and everything else to another: one operator, one log key, two histories. */
async function splitProxy(streams: string, checkpoints: string): Promise<{ url: string; close(): void }> {
  const server = http.createServer(async (req, res) => {
    const upstream = req.url!.startsWith("/checkpoint") || req.url!.startsWith("/proof/") ? checkpoints : streams;
    const response = await fetch(`${upstream}${req.url}`, { method: req.method, body: req.method === "POST" ? req : undefined, duplex: "half" } as RequestInit);
    res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "application/json" });
    const reader = response.body!.getReader();
    res.on("close", () => void reader.cancel().catch(() => undefined));
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return res.end();
      res.write(value);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe("storage nodes check the gateway's signed checkpoints against their copy", function () {
  this.timeout(60_000);
  const logKey = generateSignerKey("split.example/log");
  const verifierKey = verifierKeyOf(parseSignerKey(logKey));
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });

  async function gateway(): Promise<{ gateway: Gateway; url: string }> {
    const fixture = sqliteFixture();
    const g = createGateway({ store: await fixture.open(), port: 0, logLevel: false, logKey });
    const url = await g.listen();
    cleanups.push(() => g.close());
    return { gateway: g, url };
  }

  function follow(url: string, events: NodeEvent[]): Promise<StorageNode> {
    return sqliteFixture()
      .open()
      .then((store) => {
        const node = new StorageNode({ gatewayUrl: url, store, wallet: Wallet.createRandom(), logKey: verifierKey, onEvent: (e) => events.push(e) });
        node.start();
        cleanups.push(async () => {
          await node.stop();
          await store.close();
        });
        return node;
      });
  }

  it("an honest gateway's checkpoints are accepted as the copy grows", async () => {
    const { gateway: g, url } = await gateway();
    await submit(url, 25);
    await g.logService.integrate();
    const events: NodeEvent[] = [];
    await follow(url, events);
    await waitFor("the copy", async () => events.some((e) => e.type === "appended" && e.head.fifo_sequence === 25));
    await submit(url, 10);
    await g.logService.integrate();
    await waitFor("the copy to grow", async () => events.some((e) => e.type === "appended" && e.head.fifo_sequence === 35));
    assert.ok(!events.some((e) => e.type === "refused"), JSON.stringify(events.filter((e) => e.type === "refused")));
  });

  it("a gateway that signs one history and streams another is refused, with the signed checkpoint as evidence", async () => {
    const honest = await gateway();
    const other = await gateway();
    await submit(honest.url, 30);
    await submit(other.url, 30);
    await Promise.all([honest.gateway.logService.integrate(), other.gateway.logService.integrate()]);
    const proxy = await splitProxy(honest.url, other.url);
    cleanups.push(() => proxy.close());
    const events: NodeEvent[] = [];
    await follow(proxy.url, events);
    await waitFor("a refusal", async () => events.some((e) => e.type === "refused"));
    const refused = events.find((e) => e.type === "refused")!;
    assert.ok(refused.type === "refused");
    assert.match(refused.reason, /^split view: the gateway signed root 0x[0-9a-f]{64} for size 30, but the entries it streamed to this node give 0x[0-9a-f]{64}/);
    assert.match(refused.reason, /split\.example\/log\n30\n/, "the signed checkpoint is in the evidence");
  });
});
