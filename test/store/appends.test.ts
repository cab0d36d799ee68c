import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { auditLedger } from "../../src/ledger/audit.ts";
import { Ledger } from "../../src/ledger/ledger.ts";
import { AppendConflict } from "../../src/ledger/storePort.ts";
import type { LedgerEntry } from "../../src/ledger/types.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { STORE_FIXTURES, type StoreFixture } from "../helpers/stores.ts";
import { sampleEvent } from "../ledger/ledger.test.ts";

// A store's append is one statement, all or nothing; on PostgreSQL a small one is an INSERT and a
// large one a COPY (src/store/postgres/postgresStore.ts). Both are tried here on a stale head.

const hash = () => "0x" + randomBytes(32).toString("hex");
const event = () => sampleEvent({ data: { s: "a\\b\tc" } });

/** `count` entries from sequence `from`, as a process whose head is stale would build them. */
const staleEntries = (from: number, count: number): LedgerEntry[] =>
  Array.from({ length: count }, (_, i) => ({
    fifo_sequence: from + i, version: "0.1", event_id: `stale-${hash()}`, payload_hash: hash(), source_id: "app", local_timestamp: null,
    previous_event_hash: null, observed_prev_hash: hash(), event_hash: hash(), content_hash: hash(), accepted_at: new Date().toISOString(), data: null,
  }));

for (const makeFixture of STORE_FIXTURES) {
  const kind = makeFixture().kind;
  describe(`appends on ${kind}: a stale head is refused, nothing is written, and the store goes on`, function () {
    this.timeout(60_000);
    let fixture: StoreFixture;
    let store: LedgerStore;
    let other: LedgerStore;

    beforeEach(async function () {
      fixture = makeFixture();
      store = await fixture.open();
      other = await fixture.open();
    });
    afterEach(async function () {
      await other.close();
      await store.close();
      await fixture.cleanup();
    });

    for (const count of [1, 40, 4000]) {
      it(`refuses ${count} ${count === 1 ? "entry" : "entries"} built on a head another process moved, as a conflict, and appends after it`, async function () {
        await new Ledger(store).submit(Array.from({ length: 50 }, event));
        // Positions 3.. are taken: the whole append is refused, none of it written.
        await assert.rejects(other.append(staleEntries(3, count)), (e: unknown) => e instanceof AppendConflict);
        assert.equal((await other.head()).fifo_sequence, 50);
        // The same process appends next, on the same pool, as many again.
        const receipts = await new Ledger(other).submit(Array.from({ length: count }, event));
        assert.deepEqual([receipts[0].fifo_sequence, receipts.at(-1)!.fifo_sequence], [51, 50 + count]);
        const audit = await auditLedger((f, l) => store.range(f, l));
        assert.deepEqual([audit.ok, audit.checked], [true, 50 + count]);
        assert.deepEqual((await store.range(51, 1))[0].data, { s: "a\\b\tc" });
      });
    }
  });
}
