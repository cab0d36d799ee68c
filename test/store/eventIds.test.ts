import assert from "node:assert/strict";
import { auditLedger } from "../../src/ledger/audit.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import { AppendConflict } from "../../src/ledger/storePort.ts";
import { LedgerError, type EnqueueReceipt, type SubmittedEvent } from "../../src/ledger/types.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { STORE_FIXTURES, type StoreFixture } from "../helpers/stores.ts";
import { sampleEvent } from "../ledger/ledger.test.ts";

// Event ids are unique without a unique index (src/store/eventIds.ts): an in-memory filter per
// process and an index per epoch of 16,384 entries. These tests try to get one id in twice.

const event = (event_id: string, data: unknown = { n: event_id }): SubmittedEvent => sampleEvent({ event_id, data });

const refusedAsDuplicate = (promise: Promise<unknown>, sequence: number) =>
  assert.rejects(promise, (e: unknown) => e instanceof LedgerError && e.code === "ERR_DUPLICATE_EVENT" && e.message.includes(`at sequence ${sequence} `));

async function eventIdsInLedger(store: LedgerStore): Promise<string[]> {
  const { fifo_sequence } = await store.head();
  const entries = [];
  for (let from = 1; from <= fifo_sequence; from += 5000) entries.push(...(await store.range(from, 5000)));
  return entries.map((e) => e.event_id);
}

for (const makeFixture of STORE_FIXTURES) {
  const kind = makeFixture().kind;
  describe(`event ids on ${kind}: one entry per id, without a unique index`, function () {
    this.timeout(120_000);
    let fixture: StoreFixture;
    let store: LedgerStore;
    const others: LedgerStore[] = [];
    const openOther = async () => {
      const other = await fixture.open();
      others.push(other);
      return other;
    };

    beforeEach(async function () {
      fixture = makeFixture();
      store = await fixture.open();
    });
    afterEach(async function () {
      for (const other of others.splice(0)) await other.close();
      await store.close();
      await fixture.cleanup();
    });

    it("finds an id of an earlier epoch: its retry gets the original receipt and other content is refused, in this process and a new one", async function () {
      const events = Array.from({ length: 20_000 }, (_, i) => event(`epoch-test-${i}`));
      const ledger = new Ledger(store);
      const receipts: EnqueueReceipt[] = [];
      for (let i = 0; i < events.length; i += 1000) receipts.push(...(await ledger.submit(events.slice(i, i + 1000))));

      const [retry] = await ledger.submit([events[3]]);
      assert.deepEqual(retry, { ...receipts[3], duplicate: true });
      await refusedAsDuplicate(ledger.submit([{ ...events[3], data: { changed: true } }]), 4);

      // A new process reads the taken ids from the store: the first epoch and the second.
      const other = await openOther();
      await other.prepareAppends();
      const fresh = new Ledger(other);
      assert.deepEqual((await fresh.submit([events[16_390]]))[0], { ...receipts[16_390], duplicate: true });
      await refusedAsDuplicate(fresh.submit([{ ...events[5], payload_hash: "0x" + "ab".repeat(32) }]), 6);
      assert.equal((await other.findByEventId(events[17].event_id))?.fifo_sequence, 18);
      assert.equal((await other.findByEventId(events[19_999].event_id))?.fifo_sequence, 20_000);
      assert.equal(await other.findByEventId("epoch-test-20000"), undefined);
      assert.equal((await store.head()).fifo_sequence, 20_000, "nothing written by the retries and refusals");
    });

    it("the store refuses an id that another process committed after this one last read, and an id given twice in one append", async function () {
      const other = await openOther();
      await new Ledger(store).submit([event("first")]);
      await new Ledger(other).submit([event("taken-by-the-other-process")]);
      const [, taken] = await store.range(1, 2);
      // Built on the true head, so only the event id check can refuse it.
      await assert.rejects(store.append([{ ...taken, fifo_sequence: 3 }]), (e: unknown) => e instanceof AppendConflict && /taken at sequence 2/.test((e as Error).message));
      const twice = { ...taken, event_id: "twice" };
      await assert.rejects(store.append([{ ...twice, fifo_sequence: 3 }, { ...twice, fifo_sequence: 4 }]), (e: unknown) => e instanceof AppendConflict && /appears twice/.test((e as Error).message));
      assert.equal((await store.head()).fifo_sequence, 2);
      await store.append([{ ...twice, fifo_sequence: 3 }]);
      assert.equal((await store.head()).fifo_sequence, 3);
    });

    it("a write transaction's insert (a storage node's copy) refuses a taken id, and an id inserted earlier in the same transaction", async function () {
      await new Ledger(store).submit([event("first"), event("second")]);
      const [first, second] = await store.range(1, 2);
      const conflict = (pattern: RegExp) => (e: unknown) => e instanceof AppendConflict && pattern.test((e as Error).message);
      await assert.rejects(store.writeTransaction((tx) => tx.insert([{ ...first, fifo_sequence: 3 }])), conflict(/taken at sequence 1/));
      await assert.rejects(
        store.writeTransaction(async (tx) => {
          await tx.insert([{ ...second, event_id: "third", fifo_sequence: 3 }]);
          await tx.insert([{ ...second, event_id: "third", fifo_sequence: 4 }]);
        }),
        conflict(/appears twice/),
      );
      assert.equal((await store.head()).fifo_sequence, 2, "nothing of either transaction written");
      await store.writeTransaction((tx) => tx.insert([{ ...second, event_id: "third", fifo_sequence: 3 }]));
      assert.equal((await store.findByEventId("third"))?.fifo_sequence, 3);
    });

    it("two processes submitting the same ids at once write each id once, and both get its receipt", async function () {
      const other = await openOther();
      // Both read the (empty) ledger first: from then on each learns of the other's ids as they come.
      await Promise.all([store.prepareAppends(), other.prepareAppends()]);
      const ledgers = [new Ledger(store), new Ledger(other)];
      const events = Array.from({ length: 150 }, (_, i) => event(`raced-${i}`));
      const results: EnqueueReceipt[][] = [[], []];
      for (let round = 0; round < 3; round++) {
        const slice = events.slice(round * 50, round * 50 + 50);
        const answers = await Promise.all(ledgers.map((ledger) => Promise.all(slice.map((e) => ledger.submit([e]).then(([r]) => r)))));
        answers.forEach((receipts, i) => results[i].push(...receipts));
      }
      for (let i = 0; i < events.length; i++) {
        const [a, b] = [results[0][i], results[1][i]];
        assert.equal(a.fifo_sequence, b.fifo_sequence, `${events[i].event_id} has one position`);
        assert.equal(a.duplicate === true, b.duplicate !== true, `${events[i].event_id}: exactly one of the two receipts is the original`);
      }
      const ids = await eventIdsInLedger(store);
      assert.equal(ids.length, events.length);
      assert.equal(new Set(ids).size, events.length);
      assert.equal((await auditLedger((f, l) => store.range(f, l))).ok, true);
    });

    it("an id whose entry was discarded can be taken again, the ids kept and those written since cannot", async function () {
      await new Ledger(store).submit([event("kept"), event("dropped-1"), event("dropped-2")]);
      assert.equal(await store.discardAfter(1), 2);
      // Another process writes at a sequence this process had read before the discard.
      await new Ledger(await openOther()).submit([event("written-since")]);
      const ledger = new Ledger(store);
      await refusedAsDuplicate(ledger.submit([event("written-since", { other: "content" })]), 2);
      const [reused] = await ledger.submit([event("dropped-2", { second: "life" })]);
      assert.deepEqual([reused.fifo_sequence, reused.duplicate], [3, undefined]);
      await refusedAsDuplicate(ledger.submit([event("kept", { other: "content" })]), 1);
      assert.deepEqual(await eventIdsInLedger(store), ["kept", "written-since", "dropped-2"]);
    });

    it("ids with quotes, backslashes, SQL wildcards and non-ASCII characters are matched exactly", async function () {
      const ids = ['quo"te', "back\\slash", "it's", "per%cent", "under_score", "Łódź-🙂", "[1,2]", "null"];
      const ledger = new Ledger(store);
      const receipts = await ledger.submit(ids.map((id) => event(id)));
      for (const [i, id] of ids.entries()) {
        assert.equal((await store.findByEventId(id))?.fifo_sequence, i + 1, id);
        await refusedAsDuplicate(ledger.submit([event(id, { other: true })]), receipts[i].fifo_sequence);
      }
      // Near misses are new ids.
      const near = await ledger.submit(["per_cent", "perXcent", "under%score", "quo'te", "Lodz-🙂", "1,2"].map((id) => event(id)));
      assert.ok(near.every((r) => !r.duplicate));
      assert.equal((await store.head()).fifo_sequence, ids.length + near.length);
    });

    describe("the filter saved in the store", function () {
      // SAVE_AT_CLOSE: a process that added 65,536 entries or more saves its filter when it closes.
      const SAVED = 65_536 + 100;
      const submitAll = async (ledger: Ledger, events: SubmittedEvent[]) => {
        for (let i = 0; i < events.length; i += 8192) await ledger.submit(events.slice(i, i + 8192));
      };
      const reopen = async () => {
        await store.close();
        store = await fixture.open();
        return store.prepareAppends();
      };

      beforeEach(async function () {
        await submitAll(new Ledger(store), Array.from({ length: SAVED }, (_, i) => event(`saved-${i}`, null)));
      });

      it("a new process starts from it, reads only the entries after it, and refuses every taken id", async function () {
        assert.deepEqual(await reopen(), { restored: SAVED, read: 0 }, "saved when the process that appended them closed");
        const other = await openOther();
        await new Ledger(other).submit([event("after-the-save-1"), event("after-the-save-2")]);
        assert.deepEqual(await reopen(), { restored: SAVED, read: 2 });
        const ledger = new Ledger(store);
        for (const [id, sequence] of [["saved-0", 1], ["saved-40000", 40_001], [`saved-${SAVED - 1}`, SAVED], ["after-the-save-2", SAVED + 2]] as const) {
          await refusedAsDuplicate(ledger.submit([event(id, { other: "content" })]), sequence);
        }
        const [fresh] = await ledger.submit([event(`saved-${SAVED}`)]);
        assert.equal(fresh.fifo_sequence, SAVED + 3);
      });

      it("is not used once the entries it covers were replaced, even by a tail that ends in the same ids: the ids written since are refused", async function () {
        await store.close(); // saves it at SAVED
        await fixture.exec("CREATE TABLE filter_saved_earlier AS SELECT * FROM event_id_filter");
        store = await fixture.open();
        assert.equal(await store.discardAfter(SAVED - 1000), 1000);
        // A new tail whose last 256 ids are the discarded ones (with other content), so that only
        // the saved event_hash tells the saved filter from one of this chain.
        const tail = [...Array.from({ length: 744 }, (_, i) => event(`replacement-${i}`)), ...Array.from({ length: 256 }, (_, i) => event(`saved-${SAVED - 256 + i}`, { again: true }))];
        await new Ledger(store).submit(tail);
        // This process saves its own filter when it closes; the one saved before the discard is put back.
        await store.close();
        await fixture.exec("DELETE FROM event_id_filter; INSERT INTO event_id_filter SELECT * FROM filter_saved_earlier");
        assert.deepEqual(await reopen(), { restored: 0, read: SAVED });
        const ledger = new Ledger(store);
        await refusedAsDuplicate(ledger.submit([event("replacement-5", { other: "content" })]), SAVED - 1000 + 6);
        await refusedAsDuplicate(ledger.submit([event(`saved-${SAVED - 1}`, { other: "content" })]), SAVED);
        const [again] = await ledger.submit([event(`saved-${SAVED - 300}`)]);
        assert.equal(again.duplicate, undefined, "a discarded id not written again is free");
      });

      /** The saved filter's header, and the generation of each stored part. */
      const savedParts = async () => ({
        header: (await fixture.query("SELECT covered, generation, parts FROM event_id_filter")).map((r) => ({ covered: Number(r.covered), generation: Number(r.generation), parts: Number(r.parts) })),
        generations: (await fixture.query("SELECT generation FROM event_id_filter_parts ORDER BY generation, part")).map((r) => Number(r.generation)),
      });

      it("is saved in parts; the parts of a save that did not finish are never read, and the next save removes them", async function () {
        await store.close();
        const first = await savedParts();
        assert.equal(first.header.length, 1);
        // About 500 KB: two parts of 256 KB.
        assert.equal(first.header[0].parts, 2);
        assert.deepEqual(first.generations, Array(first.header[0].parts).fill(first.header[0].generation));
        // Parts of a save that stopped before its commit (a crash, a cut connection), however damaged.
        await fixture.exec("INSERT INTO event_id_filter_parts (generation, part, bytes) VALUES (7, 0, x'00'), (7, 1, x'ff')".replaceAll("x'", fixture.kind === "sqlite" ? "x'" : "'\\x"));
        store = await fixture.open();
        assert.deepEqual(await store.prepareAppends(), { restored: SAVED, read: 0 });
        await submitAll(new Ledger(store), Array.from({ length: 65_536 }, (_, i) => event(`second-${i}`, null)));
        assert.deepEqual(await reopen(), { restored: SAVED + 65_536, read: 0 });
        const second = await savedParts();
        assert.equal(second.header[0].covered, SAVED + 65_536);
        assert.deepEqual(second.generations, Array(second.header[0].parts).fill(second.header[0].generation), "only the last save's parts are left");
      });

      it("two processes saving at once leave one whole save, which a new process uses", async function () {
        const other = await openOther();
        await submitAll(new Ledger(other), Array.from({ length: 65_536 }, (_, i) => event(`other-${i}`, null)));
        await submitAll(new Ledger(store), Array.from({ length: 65_536 }, (_, i) => event(`own-${i}`, null)));
        // Both added 65,536 or more since their last save, so both save as they close.
        await Promise.all([store.close(), other.close()]);
        others.length = 0;
        const { header, generations } = await savedParts();
        assert.equal(header.length, 1);
        assert.deepEqual(generations, Array(header[0].parts).fill(header[0].generation), "one save's parts, all of them");
        store = await fixture.open();
        const head = SAVED + 2 * 65_536;
        assert.deepEqual(await store.prepareAppends(), { restored: header[0].covered, read: head - header[0].covered });
        const ledger = new Ledger(store);
        for (const [id, sequence] of [["saved-0", 1], ["other-65535", SAVED + 65_536], ["own-0", SAVED + 65_537]] as const) {
          await refusedAsDuplicate(ledger.submit([event(id, { other: "content" })]), sequence);
        }
      });

      it("a process that closes just after another saved a filter covering all but a few of its entries leaves that save as it is", async function () {
        await reopen(); // saved at SAVED
        const other = await openOther();
        await submitAll(new Ledger(other), Array.from({ length: 65_536 }, (_, i) => event(`other-${i}`, null)));
        await other.close(); // saved at SAVED + 65,536
        others.length = 0;
        const before = await savedParts();
        assert.equal(before.header[0].covered, SAVED + 65_536);
        // This process reads the other's 65,536 entries and adds one: enough for a save at close,
        // but the saved filter lacks only that one.
        await new Ledger(store).submit([event("one-more")]);
        await store.close();
        assert.deepEqual(await savedParts(), before, "the other process's save kept, not written again");
        store = await fixture.open();
        assert.deepEqual(await store.prepareAppends(), { restored: SAVED + 65_536, read: 1 });
      });

      it("is not used when relabelled to cover entries its bits lack (the ids of its last entries are checked)", async function () {
        assert.deepEqual(await reopen(), { restored: SAVED, read: 0 });
        // Too few for this process to save its filter again when it closes.
        await new Ledger(store).submit(Array.from({ length: 300 }, (_, i) => event(`unsaved-${i}`)));
        const head = SAVED + 300;
        await store.close();
        await fixture.exec(`UPDATE event_id_filter SET covered = ${head}, covered_event_hash = (SELECT event_hash FROM ledger_entries WHERE fifo_sequence = ${head})`);
        assert.deepEqual(await reopen(), { restored: 0, read: head });
        await refusedAsDuplicate(new Ledger(store).submit([event("unsaved-299", { other: "content" })]), head);
      });
    });
  });
}
