import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { keccak256, toUtf8Bytes } from "ethers";
import { BadFormatError, BadPrevHashError, DuplicateEventError, GatewayUnreachableError, RateLimitError } from "../../src/client/errors.ts";
import { eventBody, GatewayClient } from "../../src/client/gateway.ts";
import { createGateway } from "../../src/gateway/server.ts";
import { apiKeyHash, newApiKey } from "../../src/ledger/sources.ts";
import type { LedgerEntry } from "../../src/ledger/types.ts";
import { SqliteStore } from "../../src/store/sqlite/sqliteStore.ts";
import { kill, startGatewayProcess } from "../helpers/processes.ts";
import { tempDirectory } from "../helpers/tempDirectory.ts";

/** A loopback HTTP proxy to `target` that, while `dropReplies` > 0, lets the gateway answer a POST and then cuts the client off before the answer. */
async function replyDroppingProxy(target: string): Promise<{ url: string; server: Server; dropReplies: number; posts: number }> {
  const proxy = { url: "", server: createServer(), dropReplies: 0, posts: 0 };
  proxy.server.on("request", async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.method === "POST") proxy.posts++;
    const upstream = await fetch(target + request.url, { method: request.method, headers: { "content-type": "application/json" }, body: request.method === "POST" ? Buffer.concat(chunks) : undefined });
    const text = await upstream.text();
    if (request.method === "POST" && proxy.dropReplies > 0) {
      proxy.dropReplies--;
      request.socket.destroy(); // the gateway wrote the entry; the client never hears so
      return;
    }
    response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(text);
  });
  await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(proxy.server.address() as { port: number }).port}`;
  return proxy;
}

describe("GatewayClient against a real gateway process", function () {
  this.timeout(60_000);
  let file: string;
  let gateway: { child: ChildProcess; url: string };
  let client: GatewayClient;

  beforeEach(async function () {
    file = join(tempDirectory("kppe-client-"), "ledger.sqlite");
    gateway = await startGatewayProcess(file, 0);
    client = new GatewayClient({ url: gateway.url });
  });
  afterEach(async function () {
    await kill(gateway.child, "SIGTERM");
  });

  it("submits an event hashed by the client, and fetches its entry", async function () {
    const data = { order: 7, items: ["b", "a"], note: "ü" };
    const receipt = await client.submit({ data, sourceId: "shop", eventId: "order-7" });
    assert.deepEqual([receipt.accepted, receipt.event_id, receipt.fifo_sequence], [true, "order-7", 1]);
    const lookup = (await client.getReceipt("order-7"))!;
    // keccak256 of the RFC 8785 text, computed here by ethers, not by the SDK.
    assert.equal(lookup.entry.payload_hash, keccak256(toUtf8Bytes('{"items":["b","a"],"note":"ü","order":7}')));
    assert.deepEqual(lookup.entry.data, data);
    assert.equal(lookup.anchor_receipt, null, "not anchored: no keeper runs here");
    assert.equal(await client.getReceipt("no-such-event"), null);
    const batch = await client.submitBatch([{ data: 1, sourceId: "shop" }, { data: [2], sourceId: "shop" }]);
    assert.deepEqual(batch.map((r) => r.fifo_sequence), [2, 3]);
    assert.deepEqual(await client.head(), { fifo_sequence: 3, event_hash: batch[1].event_hash });
  });

  it("retries a submission whose reply was lost and gets the original receipt: one entry, not two", async function () {
    const proxy = await replyDroppingProxy(gateway.url);
    try {
      proxy.dropReplies = 1;
      const receipt = await new GatewayClient({ url: proxy.url }).submit({ data: { n: 1 }, sourceId: "shop" });
      assert.equal(proxy.posts, 2, "the first reply was dropped, the same submission was sent again");
      assert.equal(receipt.duplicate, true, "the retry is answered as a retry of the entry already written");
      assert.equal(receipt.fifo_sequence, 1);
      assert.equal((await client.head()).fifo_sequence, 1);
    } finally {
      proxy.server.close();
    }
  });

  it("retries across a gateway restart, and follow() resumes after it", async function () {
    const port = Number(new URL(gateway.url).port);
    await client.submit({ data: 1, sourceId: "shop" });
    const seen: LedgerEntry[] = [];
    const abort = new AbortController();
    const following = (async () => {
      for await (const entry of client.follow(1, { signal: abort.signal })) seen.push(entry);
    })();

    await kill(gateway.child, "SIGKILL");
    const submitting = client.submit({ data: 2, sourceId: "shop", eventId: "during-restart" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    gateway = await startGatewayProcess(file, port);
    const receipt = await submitting;
    assert.equal(receipt.fifo_sequence, 2);
    await client.submit({ data: 3, sourceId: "shop" });

    const deadline = Date.now() + 15_000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    abort.abort();
    await following;
    assert.deepEqual(seen.map((e) => e.fifo_sequence), [1, 2, 3], "every entry once, in order, across the restart");
    assert.equal(seen[1].event_id, "during-restart");
  });

  it("gives up on an unreachable gateway after its retries, naming it", async function () {
    await kill(gateway.child, "SIGKILL");
    const started = Date.now();
    await assert.rejects(new GatewayClient({ url: gateway.url, retries: 2 }).submit({ data: 1, sourceId: "shop" }), (error) => {
      assert.ok(error instanceof GatewayUnreachableError);
      assert.match(error.message, new RegExp(`no answer from ${gateway.url.replace(/[.]/g, "\\.")}`));
      return true;
    });
    assert.ok(Date.now() - started < 10_000);
  });

  it("throws a typed error per protocol code, with what the caller needs to act", async function () {
    const first = await client.submit({ data: 1, sourceId: "shop", eventId: "taken" });
    await assert.rejects(client.submit({ data: 2, sourceId: "shop", eventId: "taken" }), (error) => {
      assert.ok(error instanceof DuplicateEventError);
      assert.equal(error.code, "ERR_DUPLICATE_EVENT");
      assert.equal(error.status, 409);
      return true;
    });
    await assert.rejects(client.submit({ data: 3, sourceId: "shop", previousEventHash: "0x" + "ab".repeat(32) }), (error) => {
      assert.ok(error instanceof BadPrevHashError);
      assert.deepEqual(error.head, { fifo_sequence: 1, event_hash: first.event_hash }, "the current head, to link the next try to");
      return true;
    });
    const forged = { ...eventBody({ data: 4, sourceId: "shop" }), payload_hash: "0x" + "AB".repeat(32) };
    await assert.rejects(client.submitBody(forged), (error) => {
      assert.ok(error instanceof BadFormatError);
      assert.equal(error.field, "event.payload_hash");
      assert.equal(error.retryable, false);
      return true;
    });
    assert.equal((await client.head()).fifo_sequence, 1, "nothing refused was written");
  });

  it("waitForAnchor gives up after its timeout saying where the event is, and stops on abort", async function () {
    await client.submit({ data: 1, sourceId: "shop", eventId: "waits" });
    await assert.rejects(client.waitForAnchor("waits", { timeoutMs: 300, pollMs: 100 }), /waits was not anchored within 300 ms: it is entry 1, not yet in a confirmed batch/);
    const abort = new AbortController();
    const waiting = client.waitForAnchor("waits", { signal: abort.signal, pollMs: 100 });
    setTimeout(() => abort.abort(new Error("stopped by the caller")), 200);
    await assert.rejects(waiting, /stopped by the caller/);
  });
});

describe("GatewayClient against a production gateway: API key and rate limit", function () {
  this.timeout(30_000);

  it("sends the API key, and reports ERR_RATE_LIMIT with the time to wait, or waits it out when allowed to retry", async function () {
    const store = new SqliteStore(join(tempDirectory("kppe-client-rate-"), "ledger.sqlite"));
    const key = newApiKey();
    await store.createSource({ source_id: "app", api_key_hash: apiKeyHash(key), credits: null, rate_per_second: 1, burst: 1, created_at: new Date().toISOString() });
    const gateway = createGateway({ store, port: 0, logLevel: false, profile: "production" });
    const url = await gateway.listen();
    try {
      await assert.rejects(new GatewayClient({ url }).submit({ data: 0, sourceId: "app" }), { code: "ERR_NO_TOKEN", status: 401 });
      const impatient = new GatewayClient({ url, apiKey: key, retries: 0 });
      assert.equal((await impatient.submit({ data: 1, sourceId: "app" })).fifo_sequence, 1);
      await assert.rejects(impatient.submit({ data: 2, sourceId: "app" }), (error) => {
        assert.ok(error instanceof RateLimitError);
        assert.ok(error.retryAfterMs >= 1_000, `retry after ${error.retryAfterMs} ms`);
        return true;
      });
      const patient = new GatewayClient({ url, apiKey: key });
      const started = Date.now();
      assert.equal((await patient.submit({ data: 3, sourceId: "app" })).fifo_sequence, 2);
      assert.ok(Date.now() - started < 5_000);
    } finally {
      await gateway.close();
    }
  });
});
