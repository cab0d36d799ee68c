import assert from "node:assert/strict";
import { serveHealth } from "../../src/gateway/keeperHealth.ts";
import { receiptFromStore } from "../../src/receipt/assemble.ts";
import { SqliteStore } from "../../src/store/sqlite/sqliteStore.ts";
import { verifyOnChain } from "../../src/receipt/onchain.ts";
import { verifyReceiptOffline } from "../../src/receipt/verify.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { appendEvents, captureLog, devWallet, fastSettings, openKeeper, startLocalChain, type LocalChain } from "../helpers/chain.ts";
import { STORE_FIXTURES, type StoreFixture } from "../helpers/stores.ts";

for (const makeFixture of STORE_FIXTURES) {
  describe(`keeper cycle (${makeFixture.name.replace("Fixture", "")})`, function () {
    this.timeout(60_000);
    let fixture: StoreFixture;
    let store: LedgerStore;
    let chain: LocalChain;
    let contract: string;

    beforeEach(async () => {
      fixture = makeFixture();
      store = await fixture.open();
      chain = await startLocalChain();
      contract = await (await chain.deployAnchor(devWallet(1).address)).getAddress();
    });
    afterEach(async () => {
      await store.close();
      await chain.close();
      await fixture.cleanup();
    });

    it("anchors the backlog in contiguous batches and writes a verified receipt for every event", async () => {
      const ids = await appendEvents(store, 600);
      const { log, lines } = captureLog();
      const keeper = await openKeeper({ store, url: chain.url, contract, settings: fastSettings({ maxEventsPerBatch: 256 }), log });
      const summary = await keeper.cycle();
      assert.equal(summary.outcome, "anchored");
      assert.equal(summary.batchesConfirmed, 3);
      assert.equal(summary.eventsConfirmed, 600);
      assert.equal(summary.pendingEvents, 0);

      const batches = [1, 2, 3].map((n) => store.anchoring.findBatch(keeper.target, n));
      const [b1, b2, b3] = await Promise.all(batches);
      assert.deepEqual([b1, b2, b3].map((b) => [b!.firstSequence, b!.lastSequence, b!.status]), [
        [1, 256, "confirmed"],
        [257, 512, "confirmed"],
        [513, 600, "confirmed"],
      ]);
      assert.equal(b2!.prevRoot, b1!.merkleRoot, "the contract chains each root to the previous one");

      for (const id of [ids[0], ids[255], ids[256], ids[599]]) {
        const receipt = await receiptFromStore(store, id);
        assert.ok(receipt, `receipt of ${id}`);
        const offline = verifyReceiptOffline(receipt);
        assert.ok(offline.ok, JSON.stringify(offline.checks));
        assert.deepEqual(offline.skipped, ["checkpoint signature"], "only the signature is left, for want of a log key");
        assert.ok(offline.checks.find((c) => c.name === "client hash")!.detail.startsWith("keccak256"), "the body travels in the receipt");
        const onChain = await verifyOnChain(receipt, chain.provider, { contract });
        assert.ok(onChain.every((c) => c.ok), JSON.stringify(onChain));
      }
      for (const expected of ["Backlog: 600 events in 3 batches", "Backlog progress: 3/3 batches | 600/600 events (100%)", "Cycle: 600 pending events found", "Merkle tree built | batch #1", "TX submitted: 0x", "Batch #3 confirmed in block", "Proofs stored for 88 events", "Cycle complete | totalEventsAnchored: 600"]) {
        assert.ok(lines.some((l) => l.includes(expected)), `log line "${expected}" in:\n${lines.join("\n")}`);
      }

      const idle = await keeper.cycle();
      assert.equal(idle.outcome, "idle");
      assert.ok(lines.some((l) => l.includes("No pending events -- waiting for new ones")));
      const said = lines.length;
      await keeper.cycle();
      assert.equal(lines.slice(said).filter((l) => l.includes("No pending events")).length, 0, "an idle keeper says so once, not every cycle");
      const health = keeper.status();
      assert.equal(health.latestBatchId, 3);
      assert.equal(health.totalEventsAnchored, 600);
      assert.equal(health.latestRoot, b3!.merkleRoot);
    });
  });
}

describe("keeper on baseLocal (OP stack, chain id 8453) with its health endpoint", function () {
  this.timeout(60_000);

  it("anchors, names chain 8453 in every receipt, and reports /health and /kpe/health", async () => {
    const chain = await startLocalChain({ networkName: "baseLocal" });
    const store = new SqliteStore(":memory:");
    try {
      const contract = await (await chain.deployAnchor(devWallet(1).address)).getAddress();
      const ids = await appendEvents(store, 9);
      const keeper = await openKeeper({ store, url: chain.url, contract });
      const health = await serveHealth(keeper, { port: 0 });
      try {
        assert.equal((await fetch(`${health.url}/health`).then((r) => r.json())).status, "starting");
        assert.equal((await keeper.cycle()).eventsConfirmed, 9);
        const response = await fetch(`${health.url}/kpe/health`);
        assert.equal(response.status, 200);
        const body = await response.json();
        assert.deepEqual(
          { status: body.status, engine: body.engine, chainId: body.chainId, latestBatchId: body.latestBatchId, totalEventsAnchored: body.totalEventsAnchored, contract: body.contract },
          { status: "ok", engine: "K-PPE", chainId: 8453, latestBatchId: 1, totalEventsAnchored: 9, contract: contract.toLowerCase() },
        );
        assert.match(body.lastAnchoredAt, /^\d{4}-\d\d-\d\dT/);
        assert.equal(body.latestRoot, (await store.anchoring.lastLiveBatch(keeper.target))!.merkleRoot);
      } finally {
        await health.close();
      }
      const receipt = await receiptFromStore(store, ids[8]);
      assert.equal(receipt!.anchor.chain_id, 8453);
      assert.ok((await verifyOnChain(receipt!, chain.provider, { contract: receipt!.anchor.contract })).every((c) => c.ok));
    } finally {
      await store.close();
      await chain.close();
    }
  });
});
