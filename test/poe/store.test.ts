import assert from "node:assert/strict";
import { KppeError } from "../../src/errors.ts";
import type { LedgerStore, OrderInput } from "../../src/store/types.ts";
import { randomLeaves } from "../helpers/random.ts";
import { STORE_FIXTURES, type StoreFixture } from "../helpers/stores.ts";

const order = (id: string, txHash = randomLeaves(1)[0]): OrderInput => ({ id, txHash, pixChargeId: `pix-${id}`, amount: "10.00", metadata: { customer: id } });
const isCode = (code: string) => (e: unknown) => e instanceof KppeError && e.code === code;

for (const makeFixture of STORE_FIXTURES) {
  describe(`FlowPay order batches (${makeFixture().kind})`, function () {
    let fixture: StoreFixture;
    let store: LedgerStore;
    beforeEach(async () => {
      fixture = makeFixture();
      store = await fixture.open();
    });
    afterEach(async () => {
      await store.close();
      await fixture.cleanup();
    });

    it("closes a batch at maxOrders and opens the next one for the following order", async () => {
      const policy = { maxOrders: 3, maxAgeMs: 900_000 };
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await store.poe.addOrderToBatch(order(`o${i}`), policy));
      assert.deepEqual(
        results.map((r) => [r.batch.id, r.batch.batchSize, r.batch.status]),
        [
          [results[0].batch.id, 1, "open"],
          [results[0].batch.id, 2, "open"],
          [results[0].batch.id, 3, "closed"],
          [results[3].batch.id, 1, "open"],
        ],
      );
      assert.notEqual(results[3].batch.id, results[0].batch.id);
      assert.ok((await store.poe.findPoeBatch(results[0].batch.id))!.closedAt);
      assert.deepEqual((await store.poe.batchOrders(results[0].batch.id)).map((o) => o.id).sort(), ["o0", "o1", "o2"]);
      assert.deepEqual((await store.poe.unanchoredBatches()).map((b) => b.id), [results[0].batch.id]);
    });

    it("closes a batch maxAgeMs after it opened, whichever comes first", async () => {
      const policy = { maxOrders: 100, maxAgeMs: 60_000 };
      const t0 = new Date("2026-11-23T10:00:00.000Z");
      const first = await store.poe.addOrderToBatch(order("a"), policy, t0);
      assert.equal(await store.poe.closeOpenBatch({ olderThanMs: 60_000, now: new Date(t0.getTime() + 59_000) }), undefined, "not yet 1 minute old");
      const second = await store.poe.addOrderToBatch(order("b"), policy, new Date(t0.getTime() + 59_000));
      assert.equal(second.batch.id, first.batch.id);
      // An order arriving after the age limit starts a new batch; the old one is closed with what it had.
      const third = await store.poe.addOrderToBatch(order("c"), policy, new Date(t0.getTime() + 61_000));
      assert.notEqual(third.batch.id, first.batch.id);
      const old = (await store.poe.findPoeBatch(first.batch.id))!;
      assert.equal(old.status, "closed");
      assert.equal(old.batchSize, 2);
      // The anchorer's rule: an open batch past the limit is closed even if no order arrives.
      const closed = await store.poe.closeOpenBatch({ olderThanMs: 60_000, now: new Date(t0.getTime() + 122_000) });
      assert.equal(closed?.id, third.batch.id);
      assert.equal(closed?.status, "closed");
    });

    it("adding the same order twice is safe; a different tx hash for it, or a tx hash of another order, is refused and writes nothing", async () => {
      const policy = { maxOrders: 100, maxAgeMs: 900_000 };
      const o = order("same");
      const first = await store.poe.addOrderToBatch(o, policy);
      const again = await store.poe.addOrderToBatch({ ...o, txHash: o.txHash.toUpperCase().replace("0X", "0x") }, policy);
      assert.equal(again.added, false);
      assert.equal(again.batch.batchSize, 1);
      await assert.rejects(store.poe.addOrderToBatch(order("same"), policy), isCode("ORDER_CONFLICT"));
      await assert.rejects(store.poe.addOrderToBatch(order("other", o.txHash), policy), isCode("DUPLICATE_TX_HASH"));
      assert.equal((await store.poe.findPoeBatch(first.batch.id))!.batchSize, 1);
      assert.equal(await store.poe.findOrder("other"), undefined);
    });

    it("v_orders_recent shows the last 7 days of orders with their batch's root", async () => {
      const policy = { maxOrders: 2, maxAgeMs: 900_000 };
      const old = await store.poe.addOrderToBatch(order("old"), policy, new Date(Date.now() - 8 * 86_400_000));
      await store.poe.closeOpenBatch();
      const a = await store.poe.addOrderToBatch(order("new-a"), policy);
      await store.poe.addOrderToBatch(order("new-b"), policy);
      await store.poe.updatePoeBatch(a.batch.id, { status: "anchoring", merkleRoot: "0x" + "ab".repeat(32) });
      const recent = await store.poe.recentOrders(10);
      assert.deepEqual(recent.map((r) => r.id).sort(), ["new-a", "new-b"]);
      assert.ok(recent.every((r) => r.poeRoot === "0x" + "ab".repeat(32) && r.poeStatus === "anchoring" && r.poeBatchId === a.batch.id));
      assert.deepEqual(recent[0].metadata, { customer: recent[0].id });
      assert.ok(await store.poe.findOrder(old.order.id), "older orders stay in orders");
    });

    it("concurrent adds from two connections link every order once, keep one open batch, and never overfill a batch", async () => {
      const policy = { maxOrders: 7, maxAgeMs: 900_000 };
      const other = await fixture.open();
      try {
        const adds = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? store : other).poe.addOrderToBatch(order(`c${i}`), policy));
        await Promise.all(adds);
      } finally {
        await other.close();
      }
      const batches = await store.poe.listPoeBatches(100);
      assert.equal(batches.reduce((n, b) => n + b.batchSize, 0), 60);
      assert.equal(batches.filter((b) => b.status === "open").length, 1);
      for (const b of batches) {
        assert.ok(b.batchSize <= 7, `batch #${b.id} has ${b.batchSize} orders`);
        assert.equal((await store.poe.batchOrders(b.id)).length, b.batchSize);
        if (b.status === "closed") assert.equal(b.batchSize, 7);
      }
    });
  });
}
