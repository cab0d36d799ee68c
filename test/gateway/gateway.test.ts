import assert from "node:assert/strict";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import { auditLedger } from "../../src/ledger/audit.ts";
import type { LedgerEntry } from "../../src/ledger/types.ts";
import { clientHash } from "../../src/sdk/index.ts";
import { randomLeaves } from "../helpers/random.ts";
import { STORE_FIXTURES, type StoreFixture } from "../helpers/stores.ts";

let n = 0;
function event(overrides: Record<string, unknown> = {}) {
  n++;
  const body = { type: "click", n };
  return { version: "0.1", event_id: `gw-${process.pid}-${n}`, payload_hash: clientHash(body), source_id: "web", local_timestamp: "2026-11-23T12:00:00Z", data: body, ...overrides };
}

async function post(url: string, body: unknown, raw = false) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: raw ? (body as string) : JSON.stringify(body) });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, any> };
}

for (const makeFixture of STORE_FIXTURES) {
  const kind = makeFixture().kind;
  describe(`gateway over HTTP on ${kind}`, function () {
    this.timeout(60_000);
    let fixture: StoreFixture;
    let gateway: Gateway;
    let url: string;

    beforeEach(async function () {
      fixture = makeFixture();
      gateway = createGateway({ store: await fixture.open(), port: 0, logLevel: false });
      url = await gateway.listen();
    });
    afterEach(async function () {
      await gateway.close();
      await fixture.cleanup();
    });

    it("binds to 127.0.0.1 by default", function () {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    });

    it("accepts an event with a durable receipt, then serves it from /head, /receipts and /stream", async function () {
      const sent = event();
      const { status, json: receipt } = await post(`${url}/submit`, sent);
      assert.equal(status, 200);
      assert.deepEqual(Object.keys(receipt).sort(), ["accepted", "accepted_at", "event_hash", "event_id", "fifo_sequence", "observed_prev_hash"]);
      assert.equal(receipt.fifo_sequence, 1);

      const head = await (await fetch(`${url}/head`)).json();
      assert.deepEqual(head, { fifo_sequence: 1, event_hash: receipt.event_hash, state: "ACCEPTING" });
      const stored = await (await fetch(`${url}/receipts/${sent.event_id}`)).json();
      assert.equal(stored.event_hash, receipt.event_hash);
      assert.deepEqual(stored.entry.data, sent.data);
      assert.equal((await fetch(`${url}/receipts/nope`)).status, 404);

      const lines = (await (await fetch(`${url}/stream?from_sequence=1`)).text()).trim().split("\n").map((l) => JSON.parse(l) as LedgerEntry);
      assert.equal(lines.length, 1);
      assert.equal(lines[0].event_hash, receipt.event_hash);
    });

    it("answers a retry with the original receipt, and a reused event_id with ERR_DUPLICATE_EVENT", async function () {
      const sent = event();
      const first = await post(`${url}/submit`, sent);
      const retry = await post(`${url}/submit`, sent);
      assert.equal(retry.status, 200);
      assert.deepEqual(retry.json, { ...first.json, duplicate: true });
      const reuse = await post(`${url}/submit`, { ...sent, payload_hash: randomLeaves(1)[0] });
      assert.equal(reuse.status, 409);
      assert.equal(reuse.json.error, "ERR_DUPLICATE_EVENT");
      assert.match(reuse.json.message, /already in the ledger at sequence 1/);
    });

    it("refuses a stale previous_event_hash with the current head in the reply", async function () {
      const first = await post(`${url}/submit`, event());
      await post(`${url}/submit`, event());
      const stale = await post(`${url}/submit`, event({ previous_event_hash: first.json.event_hash }));
      assert.equal(stale.status, 409);
      assert.equal(stale.json.error, "ERR_BAD_PREV_HASH");
      assert.equal(stale.json.head.fifo_sequence, 2);
      const fresh = await post(`${url}/submit`, event({ previous_event_hash: stale.json.head.event_hash }));
      assert.equal(fresh.json.fifo_sequence, 3);
    });

    it("writes a batch all or nothing", async function () {
      const ok = await post(`${url}/submit_batch`, { events: [event(), event(), event()] });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.json.receipts.map((r: any) => r.fifo_sequence), [1, 2, 3]);
      const bad = await post(`${url}/submit_batch`, { events: [event(), event({ version: "0.2" })] });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error, "ERR_BAD_VERSION");
      assert.match(bad.json.message, /events\[1\]\.version/);
      assert.equal((await (await fetch(`${url}/head`)).json()).fifo_sequence, 3);
    });

    it("follows the stream: entries appended later arrive on an open connection", async function () {
      await post(`${url}/submit`, event());
      const controller = new AbortController();
      const response = await fetch(`${url}/stream?from_sequence=1&follow=1`, { signal: controller.signal });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      const readLines = async (count: number) => {
        while (text.split("\n").length - 1 < count) text += decoder.decode((await reader.read()).value);
      };
      await readLines(1);
      await post(`${url}/submit`, event());
      await post(`${url}/submit_batch`, { events: [event(), event()] });
      await readLines(4);
      const sequences = text.trim().split("\n").map((l) => JSON.parse(l).fifo_sequence);
      assert.deepEqual(sequences, [1, 2, 3, 4]);
      controller.abort();
    });

    it("reports health and Prometheus metrics", async function () {
      await post(`${url}/submit`, event());
      await post(`${url}/submit`, event({ version: "9" }));
      const health = await (await fetch(`${url}/health`)).json();
      assert.equal(health.status, "ok");
      assert.equal(health.state, "ACCEPTING");
      assert.equal(health.head.fifo_sequence, 1);
      assert.equal(health.store.kind, kind);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, /^kppe_gateway_events_accepted_total 1$/m);
      assert.match(metrics, /^kppe_gateway_events_rejected_total\{code="ERR_BAD_VERSION"\} 1$/m);
      assert.match(metrics, /^kppe_ledger_head_sequence 1$/m);
    });

    it("keeps one chain under 64 concurrent HTTP clients", async function () {
      await Promise.all(Array.from({ length: 64 }, async () => { for (let i = 0; i < 5; i++) await post(`${url}/submit`, event()); }));
      const audit = await auditLedger((f, l) => gateway.ledger.store.range(f, l));
      assert.deepEqual([audit.ok, audit.checked], [true, 320]);
    });
  });
}
