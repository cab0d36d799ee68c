import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { EventIdFilter } from "../../src/store/eventIds.ts";
import type { LedgerEntry } from "../../src/ledger/types.ts";

// The filter's own promises, which the stores' tests (eventIds.test.ts) rely on without
// measuring: it never answers "not taken" for a taken id, and it rarely sends a new id to the
// index. The ledger here is a list of ids; the filter reads it as it reads a store.

const entry = (event_id: string, fifo_sequence: number) => ({ event_id, fifo_sequence }) as LedgerEntry;

function filterOver(ids: string[]) {
  const asked: string[] = [];
  const filter = new EventIdFilter({
    eventIdsBetween: async (after, through) => ids.slice(after, through),
    entriesWithEventIds: async (wanted) => {
      for (const id of wanted) asked.push(id);
      const set = new Set(wanted);
      return ids.flatMap((id, i) => (set.has(id) ? [entry(id, i + 1)] : []));
    },
  });
  return { filter, asked };
}

describe("event id filter", function () {
  this.timeout(60_000);

  it("read at start: finds every taken id, and sends fewer than 1 in 1,000 new ids to the index", async function () {
    const ids = Array.from({ length: 300_000 }, () => randomUUID());
    const { filter, asked } = filterOver(ids);
    const found = await filter.taken(ids, ids.length);
    assert.equal(found.size, ids.length, "no taken id answered as free");
    asked.length = 0;
    const fresh = Array.from({ length: 300_000 }, () => randomUUID());
    assert.equal((await filter.taken(fresh, ids.length)).size, 0);
    assert.ok(asked.length < 300, `${asked.length} of 300,000 new ids sent to the index`);
  });

  it("grown by commits from empty to a million ids: still no taken id missed, and fewer than 1 in 1,000 new ids sent", async function () {
    const ids: string[] = [];
    const { filter, asked } = filterOver(ids);
    await filter.cover(0);
    for (let chunk = 0; chunk < 100; chunk++) {
      const added = Array.from({ length: 10_000 }, (_, i) => entry(randomUUID(), ids.length + i + 1));
      ids.push(...added.map((e) => e.event_id));
      filter.committed(added);
    }
    assert.equal((await filter.taken(ids, ids.length)).size, ids.length);
    asked.length = 0;
    const fresh = Array.from({ length: 300_000 }, () => randomUUID());
    assert.equal((await filter.taken(fresh, ids.length)).size, 0);
    assert.ok(asked.length < 300, `${asked.length} of 300,000 new ids sent to the index`);
  });

  it("reads what another process appended before answering, and only that", async function () {
    const ids = Array.from({ length: 1000 }, (_, i) => `own-${i}`);
    const { filter } = filterOver(ids);
    await filter.cover(ids.length);
    ids.push("theirs-1", "theirs-2");
    assert.deepEqual([...(await filter.taken(["theirs-2", "new"], ids.length)).keys()], ["theirs-2"]);
  });
});
