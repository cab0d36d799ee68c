import assert from "node:assert/strict";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import { apiKeyHash, newApiKey, type Source } from "../../src/ledger/sources.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { randomLeaves } from "../helpers/random.ts";
import { STORE_FIXTURES, type StoreFixture } from "../helpers/stores.ts";

let n = 0;
const event = (source_id: string, overrides: Record<string, unknown> = {}) => ({
  version: "0.1",
  event_id: `src-${process.pid}-${++n}`,
  payload_hash: randomLeaves(1)[0],
  source_id,
  ...overrides,
});

async function createSource(store: LedgerStore, source_id: string, limits: Partial<Source> = {}): Promise<string> {
  const key = newApiKey();
  await store.createSource({ source_id, api_key_hash: apiKeyHash(key), credits: null, rate_per_second: null, burst: null, created_at: new Date().toISOString(), ...limits });
  return key;
}

for (const makeFixture of STORE_FIXTURES) {
  const kind = makeFixture().kind;
  describe(`production profile on ${kind}: API keys, rate limits, credits`, function () {
    this.timeout(60_000);
    let fixture: StoreFixture;
    let store: LedgerStore;
    let gateway: Gateway;
    let url: string;
    const send = async (path: string, body: unknown, key?: string) => {
      const response = await fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify(body),
      });
      return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, any> };
    };
    const head = async () => (await (await fetch(`${url}/head`)).json()).fifo_sequence as number;

    beforeEach(async function () {
      fixture = makeFixture();
      store = await fixture.open();
      gateway = createGateway({ store, port: 0, logLevel: false, profile: "production" });
      url = await gateway.listen();
    });
    afterEach(async function () {
      await gateway.close();
      await fixture.cleanup();
    });

    it("refuses a missing or unknown key (401) and another source's events (403), writing nothing", async function () {
      const key = await createSource(store, "app");
      const missing = await send("/submit", event("app"));
      assert.deepEqual([missing.status, missing.json.error], [401, "ERR_NO_TOKEN"]);
      assert.match(missing.json.message, /Authorization: Bearer/);
      const unknown = await send("/submit", event("app"), newApiKey());
      assert.deepEqual([unknown.status, unknown.json.error], [401, "ERR_NO_TOKEN"]);
      const foreign = await send("/submit", event("other"), key);
      assert.deepEqual([foreign.status, foreign.json.error], [403, "ERR_BAD_FORMAT"]);
      assert.equal(await head(), 0);
      assert.equal((await send("/submit", event("app"), key)).status, 200);
    });

    it("charges one credit per new event in the append's transaction, never for a retry; empty is ERR_NO_TOKEN", async function () {
      const key = await createSource(store, "app", { credits: 3 });
      const first = event("app");
      assert.equal((await send("/submit", first, key)).status, 200);
      assert.equal((await send("/submit", first, key)).json.duplicate, true);
      assert.equal((await store.findSource("app"))!.credits, 2);

      const tooMany = await send("/submit_batch", { events: [event("app"), event("app"), event("app")] }, key);
      assert.deepEqual([tooMany.status, tooMany.json.error], [402, "ERR_NO_TOKEN"]);
      assert.match(tooMany.json.message, /fewer than 3 credits left; nothing was written/);
      assert.equal(await head(), 1);
      assert.equal((await store.findSource("app"))!.credits, 2, "a refused batch is not charged");

      assert.equal((await send("/submit_batch", { events: [event("app"), event("app")] }, key)).status, 200);
      const empty = await send("/submit", event("app"), key);
      assert.deepEqual([empty.status, empty.json.error], [402, "ERR_NO_TOKEN"]);
      assert.equal(await head(), 3);
      assert.equal(await store.addCredits("app", 5), 5);
      assert.equal((await send("/submit", event("app"), key)).status, 200);
    });

    it("limits a source's rate with 429 and Retry-After, and reports THROTTLED", async function () {
      const key = await createSource(store, "slow", { rate_per_second: 1, burst: 2 });
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await send("/submit", event("slow"), key));
      assert.deepEqual(results.map((r) => r.status), [200, 200, 429]);
      assert.equal(results[2].json.error, "ERR_RATE_LIMIT");
      assert.equal(results[2].headers.get("retry-after"), "1");
      assert.equal((await (await fetch(`${url}/health`)).json()).state, "THROTTLED");
      assert.equal(await head(), 2);
      const other = await createSource(store, "fast");
      assert.equal((await send("/submit", event("fast"), other)).status, 200, "another source is not limited");
    });
  });
}

describe("local profile", function () {
  it("needs no API key", async function () {
    const fixture = STORE_FIXTURES[0]();
    const gateway = createGateway({ store: await fixture.open(), port: 0, logLevel: false });
    const url = await gateway.listen();
    const response = await fetch(`${url}/submit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event("anyone")) });
    assert.equal(response.status, 200);
    assert.equal((await (await fetch(`${url}/health`)).json()).profile, "local");
    await gateway.close();
  });
});
