import assert from "node:assert/strict";
import { DatabaseSync } from "../../src/store/sqlite/nodeSqlite.ts";
import pg from "pg";
import { auditLedger } from "../../src/ledger/audit.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import { LedgerError, type SubmittedEvent } from "../../src/ledger/types.ts";
import { GENESIS_PREV_HASH } from "../../src/sdk/index.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { randomLeaves } from "../helpers/random.ts";
import { POSTGRES_URL, STORE_FIXTURES, type StoreFixture } from "../helpers/stores.ts";

let counter = 0;
export function sampleEvent(overrides: Partial<SubmittedEvent> = {}): SubmittedEvent {
  counter++;
  return {
    version: "0.1",
    event_id: `evt-${process.pid}-${counter}`,
    previous_event_hash: null,
    payload_hash: randomLeaves(1)[0],
    source_id: "app",
    local_timestamp: null,
    data: { n: counter },
    ...overrides,
  };
}

const rejectsWith = async (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (e: unknown) => e instanceof LedgerError && e.code === code);

for (const makeFixture of STORE_FIXTURES) {
  const kind = makeFixture().kind;
  describe(`ledger on ${kind}`, function () {
    this.timeout(60_000);
    let fixture: StoreFixture;
    let store: LedgerStore;
    let ledger: Ledger;

    beforeEach(async function () {
      fixture = makeFixture();
      store = await fixture.open();
      ledger = new Ledger(store);
    });
    afterEach(async function () {
      await store.close();
      await fixture.cleanup();
    });

    it("numbers entries 1, 2, 3 and links each to the head it observed", async function () {
      const [first] = await ledger.submit([sampleEvent()]);
      const [second, third] = await ledger.submit([sampleEvent(), sampleEvent()]);
      assert.deepEqual([first.fifo_sequence, second.fifo_sequence, third.fifo_sequence], [1, 2, 3]);
      assert.equal(first.observed_prev_hash, GENESIS_PREV_HASH);
      assert.equal(second.observed_prev_hash, first.event_hash);
      assert.equal(third.observed_prev_hash, second.event_hash);
      assert.deepEqual(await store.head(), { fifo_sequence: 3, event_hash: third.event_hash });
      assert.equal((await auditLedger((f, l) => store.range(f, l))).ok, true);
    });

    it("two processes' ledgers taking turns stay one chain: an append built on a stale head is refused by the store and decided again", async function () {
      // Each ledger remembers the head of its own last commit and appends without reading; the
      // other one's appends make that head stale every turn.
      const other = await fixture.open();
      try {
        const second = new Ledger(other, { othersInFlight: () => false });
        const first = new Ledger(store, { othersInFlight: () => false });
        let last = "";
        for (let turn = 0; turn < 20; turn++) {
          const ledgerNow = turn % 2 ? second : first;
          // Odd turns also chain to the head the other ledger just wrote, which this one has not seen.
          const [receipt] = await ledgerNow.submit([sampleEvent({ previous_event_hash: turn % 4 === 3 ? last : null })]);
          assert.equal(receipt.fifo_sequence, turn + 1);
          if (turn > 0) assert.equal(receipt.observed_prev_hash, last);
          last = receipt.event_hash;
        }
        // A retry of an event the other ledger wrote is found, not written again.
        const event = sampleEvent();
        const [original] = await first.submit([event]);
        const [retry] = await second.submit([event]);
        assert.deepEqual(retry, { ...original, duplicate: true });
        const audit = await auditLedger((f, l) => store.range(f, l));
        assert.deepEqual([audit.ok, audit.checked], [true, 21]);
      } finally {
        await other.close();
      }
    });

    it("answers a retry with the original receipt and writes nothing", async function () {
      const event = sampleEvent();
      const [original] = await ledger.submit([event]);
      const [retry] = await ledger.submit([{ ...event }]);
      assert.deepEqual(retry, { ...original, duplicate: true });
      assert.equal((await store.head()).fifo_sequence, 1);
    });

    it("refuses the same event_id with different content", async function () {
      const event = sampleEvent();
      await ledger.submit([event]);
      await rejectsWith(ledger.submit([{ ...event, payload_hash: randomLeaves(1)[0] }]), "ERR_DUPLICATE_EVENT");
      await rejectsWith(ledger.submit([{ ...event, data: { changed: true } }]), "ERR_DUPLICATE_EVENT");
      assert.equal((await store.head()).fifo_sequence, 1);
    });

    it("refuses a stale previous_event_hash with the current head, and accepts the right one", async function () {
      const [first] = await ledger.submit([sampleEvent()]);
      await ledger.submit([sampleEvent()]);
      await assert.rejects(ledger.submit([sampleEvent({ previous_event_hash: first.event_hash })]), (e: unknown) => {
        assert.ok(e instanceof LedgerError && e.code === "ERR_BAD_PREV_HASH");
        assert.equal((e.details?.head as { fifo_sequence: number }).fifo_sequence, 2);
        return true;
      });
      const head = await store.head();
      const [third] = await ledger.submit([sampleEvent({ previous_event_hash: head.event_hash })]);
      assert.equal(third.fifo_sequence, 3);
    });

    it("writes a batch all or nothing", async function () {
      const taken = sampleEvent();
      await ledger.submit([taken]);
      await rejectsWith(ledger.submit([sampleEvent(), sampleEvent(), { ...taken, data: "other" }]), "ERR_DUPLICATE_EVENT");
      await rejectsWith(ledger.submit([sampleEvent(), sampleEvent({ previous_event_hash: randomLeaves(1)[0] })]), "ERR_BAD_PREV_HASH");
      const twice = sampleEvent();
      await rejectsWith(ledger.submit([twice, twice]), "ERR_DUPLICATE_EVENT");
      assert.equal((await store.head()).fifo_sequence, 1);
    });

    it("keeps one gap-free order under 300 concurrent submissions from two ledger processes' worth of connections", async function () {
      const otherStore = await fixture.open();
      try {
        const other = new Ledger(otherStore);
        const receipts = await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 2 ? ledger : other).submit([sampleEvent()])));
        const sequences = receipts.map(([r]) => r.fifo_sequence).sort((a, b) => a - b);
        assert.deepEqual(sequences, Array.from({ length: 300 }, (_, i) => i + 1));
        const audit = await auditLedger((f, l) => store.range(f, l), { pageSize: 64 });
        assert.deepEqual([audit.ok, audit.checked], [true, 300]);
      } finally {
        await otherStore.close();
      }
    });

    it("lets exactly one of many submitters with the same previous_event_hash append: never a fork", async function () {
      await ledger.submit([sampleEvent()]);
      const head = await store.head();
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => ledger.submit([sampleEvent({ previous_event_hash: head.event_hash })])));
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      for (const r of results) if (r.status === "rejected") assert.equal((r.reason as LedgerError).code, "ERR_BAD_PREV_HASH");
      assert.equal((await store.head()).fifo_sequence, 2);
    });

    it("answers a chained retry that arrives with racing submitters with its original receipt, and one racer wins", async function () {
      const genesis = await store.head();
      const chained = sampleEvent({ previous_event_hash: genesis.event_hash });
      const [original] = await ledger.submit([chained]);
      // One group: the retry carries the head it was first sent against (now stale), both racers the current one.
      const [retry, ...racers] = await Promise.allSettled([
        ledger.submit([{ ...chained }]),
        ledger.submit([sampleEvent({ previous_event_hash: original.event_hash })]),
        ledger.submit([sampleEvent({ previous_event_hash: original.event_hash })]),
      ]);
      assert.equal(retry.status, "fulfilled");
      assert.deepEqual((retry as PromiseFulfilledResult<Awaited<ReturnType<Ledger["submit"]>>>).value, [{ ...original, duplicate: true }]);
      assert.deepEqual(racers.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
      const lost = racers.find((r) => r.status === "rejected") as PromiseRejectedResult;
      assert.equal((lost.reason as LedgerError).code, "ERR_BAD_PREV_HASH");
      assert.deepEqual((await store.head()).fifo_sequence, 2);
    });

    it("accepts a link to another process's newer head even when this process's head is stale and others arrive with it", async function () {
      const other = new Ledger(await fixture.open());
      try {
        await ledger.submit([sampleEvent()]); // this ledger now knows head 1
        const [theirs] = await other.submit([sampleEvent()]); // head 2, written by the other process
        const results = await Promise.all([ledger.submit([sampleEvent({ previous_event_hash: theirs.event_hash })]), ledger.submit([sampleEvent()])]);
        assert.equal(results[0][0].observed_prev_hash, theirs.event_hash);
        assert.deepEqual(results.map(([r]) => r.fifo_sequence).sort(), [3, 4]);
        assert.equal((await auditLedger((f, l) => store.range(f, l))).ok, true);
      } finally {
        await other.store.close();
      }
    });

    it("keeps entries after the store is closed and reopened", async function () {
      const [receipt] = await ledger.submit([sampleEvent()]);
      await store.close();
      store = await fixture.open();
      assert.deepEqual(await store.head(), { fifo_sequence: 1, event_hash: receipt.event_hash });
      assert.equal((await store.findByEventId(receipt.event_id))?.event_hash, receipt.event_hash);
    });

    it("refuses a write once closed, at once", async function () {
      await store.close();
      await assert.rejects(store.writeTransaction(async (tx) => tx.head()));
      store = await fixture.open();
    });

    it("refuses to edit or delete an entry, even through SQL", async function () {
      await ledger.submit([sampleEvent()]);
      if (kind === "sqlite") {
        const db = new DatabaseSync(store.location);
        assert.throws(() => db.exec("UPDATE ledger_entries SET source_id = 'x'"), /never edited/);
        assert.throws(() => db.exec("DELETE FROM ledger_entries"), /never deleted/);
        db.close();
      } else {
        const schema = /schema (\w+)/.exec(store.location)![1];
        const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
        await client.connect();
        await assert.rejects(client.query("UPDATE ledger_entries SET source_id = 'x'"), /never edited or deleted/);
        await assert.rejects(client.query("DELETE FROM ledger_entries"), /never edited or deleted/);
        await client.end();
      }
      assert.equal((await auditLedger((f, l) => store.range(f, l))).ok, true);
    });

    it("commits nothing of a transaction whose later insert fails", async function () {
      const [first] = await ledger.submit([sampleEvent()]);
      const entry = (await store.range(1, 1))[0];
      const second = { ...entry, fifo_sequence: 2, event_id: `${entry.event_id}-b` };
      const clash = { ...entry, fifo_sequence: 2, event_id: `${entry.event_id}-c` }; // sequence 2 again
      await assert.rejects(
        store.writeTransaction(async (tx) => {
          await tx.insert([second]);
          await tx.insert([clash]);
          await tx.insert([{ ...entry, fifo_sequence: 3, event_id: `${entry.event_id}-d` }]);
        }),
        /UNIQUE|duplicate key|PRIMARY/i,
      );
      assert.deepEqual(await store.head(), { fifo_sequence: 1, event_hash: first.event_hash });
      const [next] = await ledger.submit([sampleEvent()]);
      assert.equal(next.fifo_sequence, 2);
    });

    it("stores data as given and returns it", async function () {
      const data = { nested: { list: [1, "two", null], ok: true }, text: "Łódź 😀" };
      const [receipt] = await ledger.submit([sampleEvent({ data })]);
      assert.deepEqual((await store.findByEventId(receipt.event_id))?.data, data);
    });
  });
}
