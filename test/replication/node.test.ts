import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Wallet } from "ethers";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import { auditLedger } from "../../src/ledger/audit.ts";
import { commitmentSignedByNode, signCommitment } from "../../src/replication/commitment.ts";
import { StorageNode, type NodeEvent } from "../../src/replication/node.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { randomLeaves } from "../helpers/random.ts";
import { sqliteFixture } from "../helpers/stores.ts";
import { waitFor } from "../helpers/wait.ts";

let n = 0;
async function submit(url: string, count: number): Promise<void> {
  const events = Array.from({ length: count }, () => ({ version: "0.1", event_id: `node-${process.pid}-${++n}`, payload_hash: randomLeaves(1)[0], source_id: "app", data: { n } }));
  const response = await fetch(`${url}/submit_batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events }) });
  assert.equal(response.status, 200);
}

/** A real HTTP proxy in front of the gateway that rewrites /stream lines (the fault: a lying gateway). */
async function tamperingProxy(upstream: string, tamper: (line: string, index: number) => string | null): Promise<{ url: string; close(): void }> {
  const server = http.createServer(async (req, res) => {
    const response = await fetch(`${upstream}${req.url}`, { method: req.method });
    res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "application/json" });
    if (!req.url!.startsWith("/stream")) return res.end(await response.text());
    const from = Number(new URL(req.url!, upstream).searchParams.get("from_sequence") ?? 1);
    const reader = response.body!.getReader();
    let buffered = "";
    let index = from - 1;
    res.on("close", () => void reader.cancel().catch(() => undefined));
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return res.end();
      buffered += Buffer.from(value!).toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        const out = tamper(line, index++);
        if (out !== null) res.write(out + "\n");
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe("storage nodes", function () {
  this.timeout(60_000);
  let gateway: Gateway;
  let url: string;
  let nodeStore: LedgerStore;
  const wallet = Wallet.createRandom();
  const events: NodeEvent[] = [];

  beforeEach(async function () {
    gateway = createGateway({ store: await sqliteFixture().open(), port: 0, logLevel: false });
    url = await gateway.listen();
    nodeStore = await sqliteFixture().open();
    events.length = 0;
  });
  afterEach(async function () {
    await gateway.close();
    await nodeStore.close();
  });

  it("replicates, reports signed commitments, and catches up after being stopped", async function () {
    await submit(url, 50);
    const node = new StorageNode({ gatewayUrl: url, store: nodeStore, wallet, onEvent: (e) => events.push(e) });
    node.start();
    await waitFor("the node to reach 50", async () => (await nodeStore.head()).fifo_sequence === 50);
    await waitFor("a commitment at 50", async () => {
      const health = await (await fetch(`${url}/health`)).json();
      return health.storage_nodes.some((s: any) => s.store_node_id === wallet.address && s.last_sequence === 50 && s.lag === 0);
    });
    await node.stop();

    await submit(url, 30);
    const behind = (await (await fetch(`${url}/health`)).json()).storage_nodes[0];
    assert.equal(behind.lag, 30, "the gateway sees the stopped node fall behind");
    node.start();
    await waitFor("the node to catch up to 80", async () => (await nodeStore.head()).fifo_sequence === 80);
    await submit(url, 5);
    await waitFor("the node to follow to 85", async () => (await nodeStore.head()).fifo_sequence === 85);
    await node.stop();

    assert.deepEqual(await nodeStore.head(), await gateway.ledger.store.head());
    assert.equal((await auditLedger((f, l) => nodeStore.range(f, l))).ok, true);
    const commitment = events.findLast((e) => e.type === "committed");
    assert.ok(commitment && commitment.type === "committed" && commitmentSignedByNode(commitment.commitment));
  });

  it("refuses forged commitments at the gateway", async function () {
    await submit(url, 3);
    const head = await gateway.ledger.store.head();
    const honest = await signCommitment(wallet, head);
    const post = (body: unknown) => fetch(`${url}/commitments`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    assert.equal((await post(honest)).status, 200);
    assert.equal((await post({ ...honest, store_node_id: Wallet.createRandom().address })).status, 403, "someone else's id");
    assert.equal((await post(await signCommitment(wallet, { ...head, event_hash: randomLeaves(1)[0] }))).status, 409, "a head the ledger does not have");
  });

  it("counts only allowlisted storage nodes when the gateway has a list", async function () {
    const trusted = Wallet.createRandom();
    const strict = createGateway({ store: await sqliteFixture().open(), port: 0, logLevel: false, storageNodes: [trusted.address] });
    const strictUrl = await strict.listen();
    try {
      await submit(strictUrl, 2);
      const head = await strict.ledger.store.head();
      const post = async (signer: typeof trusted) =>
        (await fetch(`${strictUrl}/commitments`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(await signCommitment(signer, head)) })).status;
      assert.equal(await post(Wallet.createRandom()), 403);
      assert.equal(await post(trusted), 200);
      const health = await (await fetch(`${strictUrl}/health`)).json();
      assert.deepEqual(health.storage_nodes.map((s: any) => s.store_node_id), [trusted.address]);
    } finally {
      await strict.close();
    }
  });

  const tamperings: Array<[string, (line: string) => string | null, RegExp]> = [
    ["changed data", (line) => JSON.stringify({ ...JSON.parse(line), data: { n: -1 } }), /content .* does not match its content_hash/],
    ["a forged event_hash", (line) => JSON.stringify({ ...JSON.parse(line), event_hash: randomLeaves(1)[0] }), /event_hash 0x[0-9a-f]{64} does not recompute/],
    ["a dropped entry", () => null, /gap: expected sequence 5, received 6/],
    ["a changed source", (line) => JSON.stringify({ ...JSON.parse(line), source_id: "mallory" }), /does not recompute/],
  ];
  for (const [what, tamper, reason] of tamperings) {
    it(`detects ${what} in the stream, keeps only what precedes it, and resyncs`, async function () {
      await submit(url, 10);
      const proxy = await tamperingProxy(url, (line, index) => (index === 4 ? tamper(line) : line));
      const node = new StorageNode({ gatewayUrl: proxy.url, store: nodeStore, wallet, onEvent: (e) => events.push(e) });
      node.start();
      await waitFor("the refusal", async () => events.some((e) => e.type === "refused"));
      await node.stop();
      proxy.close();
      const refusal = events.find((e) => e.type === "refused");
      assert.ok(refusal && refusal.type === "refused");
      assert.equal(refusal.fifo_sequence, what === "a dropped entry" ? 6 : 5);
      assert.match(refusal.reason, reason);
      assert.equal((await nodeStore.head()).fifo_sequence, 4, "nothing at or after the bad entry was appended");
      assert.deepEqual(node.problem?.fifo_sequence, refusal.fifo_sequence);

      // Pointed at the honest gateway, the node resumes from its last verified entry.
      const honest = new StorageNode({ gatewayUrl: url, store: nodeStore, wallet });
      honest.start();
      await waitFor("the resync to 10", async () => (await nodeStore.head()).fifo_sequence === 10);
      await honest.stop();
      assert.equal((await auditLedger((f, l) => nodeStore.range(f, l))).ok, true);
    });
  }
});
