import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { LedgerStore } from "../../src/store/types.ts";
import { confirmedBatch, hash32, RECEIPT_TARGET, receiptRow } from "../helpers/receipts.ts";
import { STORE_FIXTURES, type StoreFixture } from "../helpers/stores.ts";

// The keeper's receipt rows, on both stores: PostgreSQL writes them with COPY (its text format
// escapes), falling back to an insert that skips stored rows when a chunk meets one.
for (const makeFixture of STORE_FIXTURES) describe(`receipt rows on ${makeFixture().kind}`, () => {
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

  it("stores every field as given, event ids with COPY's special characters included", async () => {
    // Tab, newline and carriage return separate COPY's fields and rows, backslash escapes, "\N" is
    // its NULL and "\." its end of data: each must arrive as the characters it is.
    const ids = ["tab\there", "line\nbreak", "carriage\rreturn", "back\\slash", "\\N", "\\.", "end\\", 'quote"d', "ünïcødé-✓", "plain"];
    const batch = confirmedBatch(ids.length);
    await store.anchoring.createBatch(batch);
    const saved = ids.map((id, i) => receiptRow(batch, i, id));
    await store.anchoring.saveReceipts(saved);
    assert.equal(await store.anchoring.countReceipts(batch.id), ids.length);
    for (const expected of saved) {
      const found = await store.anchoring.findReceipt(expected.eventId, RECEIPT_TARGET);
      assert.ok(found, `receipt of ${JSON.stringify(expected.eventId)}`);
      assert.deepEqual(found.receipt, expected);
    }
  });

  it("saving a chunk that overlaps stored receipts keeps the stored ones and adds the rest", async () => {
    const batch = confirmedBatch(6);
    await store.anchoring.createBatch(batch);
    const first = [0, 1, 2, 3].map((i) => receiptRow(batch, i, `event-${i}`));
    await store.anchoring.saveReceipts(first);
    // A repeat of leaves 2 and 3 (other ids and proofs, as a second writer would make) with new leaves 4 and 5.
    const repeat = [2, 3, 4, 5].map((i) => receiptRow(batch, i, `event-${i}`, [hash32(900 + i)]));
    await store.anchoring.saveReceipts(repeat);
    assert.equal(await store.anchoring.countReceipts(batch.id), 6);
    for (const expected of [...first, ...repeat.slice(2)]) {
      assert.deepEqual((await store.anchoring.findReceipt(expected.eventId, RECEIPT_TARGET))!.receipt, expected, expected.eventId);
    }
    // The same chunk again, whole: nothing changes.
    await store.anchoring.saveReceipts(repeat);
    assert.equal(await store.anchoring.countReceipts(batch.id), 6);
    assert.deepEqual((await store.anchoring.findReceipt("event-2", RECEIPT_TARGET))!.receipt, first[2]);
  });

  it("a receipt of a batch that does not exist is refused and nothing of its chunk is stored", async () => {
    const batch = confirmedBatch(2);
    await store.anchoring.createBatch(batch);
    const orphan = { ...receiptRow(batch, 1, "orphan"), batchId: randomUUID() };
    await assert.rejects(store.anchoring.saveReceipts([receiptRow(batch, 0, "kept-out"), orphan]));
    assert.equal(await store.anchoring.countReceipts(batch.id), 0);
    // The store is still usable afterwards (PostgreSQL: the failed COPY's connection is not reused broken).
    await store.anchoring.saveReceipts([receiptRow(batch, 0, "after")]);
    assert.equal(await store.anchoring.countReceipts(batch.id), 1);
  });
});
