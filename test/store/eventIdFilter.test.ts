import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { EventIdFilter, type EventIdStorage, type FilterSnapshot, type SavedFilterPart } from "../../src/store/eventIds.ts";
import type { LedgerEntry } from "../../src/ledger/types.ts";

// The filter's own promises, which the stores' tests (eventIds.test.ts) rely on without
// measuring: it never answers "not taken" for a taken id, and it rarely sends a new id to the
// index. The ledger here is a list of ids; the filter reads it as it reads a store.

const entry = (event_id: string, fifo_sequence: number) => ({ event_id, fifo_sequence }) as LedgerEntry;

/** Parts of a saved filter here (the `partBytes` option, and the parts this ledger returns): a filter of 20,000 ids is saved in several. */
const PART_BYTES = 1 << 14;

/** A ledger held as lists of ids and event hashes, and the filter saved for it, read as a store would. */
function ledgerOf(ids: string[]) {
  const hashes = ids.map((id) => `hash-of-${id}`);
  // The saved filter as one piece; `edit` changes its parts as the store returns them.
  const saved: { snapshot?: FilterSnapshot; edit?: (parts: SavedFilterPart[]) => SavedFilterPart[] } = {};
  const pending = new Map<number, Uint8Array[]>();
  const asked: string[] = [];
  const storage: EventIdStorage = {
    eventIdsBetween: async (after, through) => ids.slice(after, through),
    entriesWithEventIds: async (wanted) => {
      for (const id of wanted) asked.push(id);
      const set = new Set(wanted);
      return ids.flatMap((id, i) => (set.has(id) ? [entry(id, i + 1)] : []));
    },
    eventHashAt: async (sequence) => hashes[sequence - 1],
    loadSavedFilter: async () => {
      const { snapshot } = saved;
      if (!snapshot) return [];
      const count = Math.ceil(snapshot.filter.byteLength / PART_BYTES);
      const parts = Array.from({ length: count }, (_, part) => ({ ...snapshot, parts: count, part, bytes: snapshot.filter.slice(part * PART_BYTES, (part + 1) * PART_BYTES) }));
      return saved.edit ? saved.edit(parts) : parts;
    },
    loadSavedFilterHeader: async () => saved.snapshot && { covered: saved.snapshot.covered, coveredHash: saved.snapshot.coveredHash },
    saveFilterPart: async (generation, part, bytes) => {
      if (!pending.has(generation)) pending.set(generation, []);
      pending.get(generation)![part] = bytes.slice();
    },
    commitSavedFilter: async ({ covered, coveredHash, generation, parts }) => {
      const written = pending.get(generation) ?? [];
      if (written.filter(Boolean).length !== parts) return false;
      saved.snapshot = { covered, coveredHash, filter: Buffer.concat(written) };
      pending.clear();
      return true;
    },
  };
  /** Appends `added` as another process would (the filter learns of them by reading). */
  const append = (...added: string[]) => {
    ids.push(...added);
    hashes.push(...added.map((id) => `hash-of-${id}`));
  };
  return { storage, saved, asked, hashes, append };
}

function filterOver(ids: string[]) {
  const { storage, asked } = ledgerOf(ids);
  return { filter: new EventIdFilter(storage), asked };
}

const uuids = (count: number) => Array.from({ length: count }, () => randomUUID());

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

  describe("saved in the store", function () {
    it("is saved as the ledger grows; a new process starts from it, reads only the ids after it, and misses no taken id", async function () {
      const ids = uuids(50_000);
      const ledger = ledgerOf(ids);
      const first = new EventIdFilter(ledger.storage, { saveEvery: 10_000 });
      assert.deepEqual(await first.prepare(ids.length), { restored: 0, read: 50_000 });
      assert.equal(ledger.saved.snapshot?.covered, 50_000, "saved after the first read");
      // Grown by this process's commits: saved again once saveEvery entries (and an eighth of the ledger) were added.
      const added = uuids(12_000).map((id, i) => entry(id, 50_001 + i));
      ledger.append(...added.map((e) => e.event_id));
      first.committed(added);
      await first.close();
      assert.equal(ledger.saved.snapshot?.covered, 62_000);
      ledger.append("written-after-the-save");

      const second = new EventIdFilter(ledger.storage, { saveEvery: 10_000 });
      assert.deepEqual(await second.prepare(ids.length), { restored: 62_000, read: 1 });
      ledger.asked.length = 0;
      assert.equal((await second.taken(ids, ids.length)).size, ids.length, "no taken id answered as free");
      assert.equal((await second.taken(uuids(100_000), ids.length)).size, 0);
    });

    /**
     * A process (`second`, its saves counted) that started from the filter saved at 50,000; then
     * another process appended 12,000 entries and saved its filter at 62,000.
     */
    async function savedByAnother() {
      const ids = uuids(50_000);
      const ledger = ledgerOf(ids);
      await new EventIdFilter(ledger.storage, { saveEvery: 10_000 }).prepare(ids.length);
      const counted = { commits: 0 };
      const storage: EventIdStorage = { ...ledger.storage, commitSavedFilter: (save) => (counted.commits++, ledger.storage.commitSavedFilter(save)) };
      const second = new EventIdFilter(storage, { saveEvery: 10_000 });
      assert.deepEqual(await second.prepare(ids.length), { restored: 50_000, read: 0 });
      const other = new EventIdFilter(ledger.storage, { saveEvery: 10_000 });
      await other.prepare(ids.length);
      const added = uuids(12_000).map((id, i) => entry(id, 50_001 + i));
      ledger.append(...added.map((e) => e.event_id));
      other.committed(added);
      await other.close();
      assert.equal(ledger.saved.snapshot?.covered, 62_000);
      return { ledger, second, counted };
    }

    it("is not saved again by a process sharing the ledger while the saved one (another's) lacks fewer entries than a save needs", async function () {
      const { ledger, second, counted } = await savedByAnother();
      // Reading those 12,000 is growth enough for a save, but the saved filter already covers them.
      await second.cover(62_000);
      const more = uuids(5_000).map((id, i) => entry(id, 62_001 + i));
      ledger.append(...more.map((e) => e.event_id));
      second.committed(more);
      await second.prepare(67_000);
      assert.equal(counted.commits, 0, "nothing saved while the saved filter lacks fewer than saveEvery entries");
      // Once it lacks that many, this process saves.
      const later = uuids(6_000).map((id, i) => entry(id, 67_001 + i));
      ledger.append(...later.map((e) => e.event_id));
      second.committed(later);
      await second.prepare(73_000);
      assert.equal(counted.commits, 1);
      assert.equal(ledger.saved.snapshot?.covered, 73_000);
    });

    it("is saved over another process's save that is not of this chain (the entry at its last sequence replaced since)", async function () {
      const { ledger, second, counted } = await savedByAnother();
      ledger.saved.snapshot!.coveredHash = "hash-of-a-replaced-entry";
      await second.cover(62_000);
      await second.prepare(62_000);
      assert.equal(counted.commits, 1);
      assert.equal(ledger.saved.snapshot?.covered, 62_000);
      assert.equal(ledger.saved.snapshot?.coveredHash, ledger.hashes[62_000 - 1], "saved with the entry this chain holds");
    });

    it("is not used once the entries it covers were replaced (another event_hash at its last sequence): every id is read", async function () {
      const ids = uuids(20_000);
      const ledger = ledgerOf(ids);
      await new EventIdFilter(ledger.storage, { saveEvery: 1000 }).prepare(ids.length);
      // As after a storage node's discardAfter(15,000) and a different tail copied in.
      ids.splice(15_000);
      ledger.hashes.splice(15_000);
      ledger.append(...uuids(5_000));
      const fresh = new EventIdFilter(ledger.storage);
      assert.deepEqual(await fresh.prepare(ids.length), { restored: 0, read: 20_000 });
      assert.equal((await fresh.taken(ids.slice(15_000), ids.length)).size, 5_000);
    });

    it("is not used when its bits lack the ids of its last entries: relabelled from fewer entries, damaged, or of another format or byte order", async function () {
      const ids = uuids(20_000);
      const ledger = ledgerOf(ids);
      await new EventIdFilter(ledger.storage, { saveEvery: 1000 }).prepare(ids.length);
      const good = ledger.saved.snapshot!;
      ledger.append(...uuids(300));
      const damaged: Array<[string, FilterSnapshot]> = [];
      // Relabelled: claims the 300 entries after it, with the true hash of the last one.
      damaged.push(["relabelled", { ...good, covered: ids.length, coveredHash: ledger.hashes[ids.length - 1] }]);
      const zeroed = good.filter.slice();
      zeroed.fill(0, 48); // after the header of its one stage
      damaged.push(["bits zeroed", { ...good, filter: zeroed }]);
      damaged.push(["truncated", { ...good, filter: good.filter.slice(0, good.filter.length - 4) }]);
      const otherFormat = good.filter.slice();
      new DataView(otherFormat.buffer).setFloat64(0, 0x4b505045_0002, true);
      damaged.push(["another format", { ...good, filter: otherFormat }]);
      const swapped = good.filter.slice();
      swapped.subarray(0, 8).reverse();
      damaged.push(["the other byte order", { ...good, filter: swapped }]);
      damaged.push(["ahead of the ledger", { ...good, covered: ids.length + 1 }]);
      for (const [what, snapshot] of damaged) {
        ledger.saved.snapshot = snapshot;
        const filter = new EventIdFilter(ledger.storage);
        assert.deepEqual(await filter.prepare(ids.length), { restored: 0, read: ids.length }, what);
        assert.equal((await filter.taken(ids, ids.length)).size, ids.length, `${what}: no taken id answered as free`);
      }
    });

    it("is not used when its parts do not add up: one missing, two swapped, or fewer than the save had", async function () {
      const ids = uuids(20_000);
      const ledger = ledgerOf(ids);
      await new EventIdFilter(ledger.storage, { saveEvery: 1000 }).prepare(ids.length);
      const edits: Array<[string, (parts: SavedFilterPart[]) => SavedFilterPart[]]> = [
        ["the second part missing", (parts) => parts.filter((p) => p.part !== 1)],
        ["the last part missing", (parts) => parts.slice(0, -1)],
        ["two parts swapped", ([first, second, third, ...rest]) => [first, third, second, ...rest]],
        ["two parts' bytes swapped", ([first, second, ...rest]) => [{ ...first, bytes: second.bytes }, { ...second, bytes: first.bytes }, ...rest]],
        ["fewer parts than the save had", (parts) => parts.slice(0, -1).map((p) => ({ ...p, parts: p.parts - 1 }))],
      ];
      assert.ok((await ledger.storage.loadSavedFilter()).length >= 3, "saved in three parts or more");
      for (const [what, edit] of edits) {
        ledger.saved.edit = edit;
        const filter = new EventIdFilter(ledger.storage);
        assert.deepEqual(await filter.prepare(ids.length), { restored: 0, read: ids.length }, what);
        assert.equal((await filter.taken(ids, ids.length)).size, ids.length, `${what}: no taken id answered as free`);
      }
      ledger.saved.edit = undefined;
      assert.deepEqual(await new EventIdFilter(ledger.storage).prepare(ids.length), { restored: ids.length, read: 0 }, "used as saved");
    });

    it("is handed to the store one part at a time, each part a buffer of its own: posting one to SQLite's writer thread carries that part only", async function () {
      const ids = uuids(20_000);
      const ledger = ledgerOf(ids);
      const handed: Uint8Array[] = [];
      const storage: EventIdStorage = { ...ledger.storage, saveFilterPart: async (generation, part, bytes) => {
        handed.push(bytes);
        await ledger.storage.saveFilterPart(generation, part, bytes);
      } };
      await new EventIdFilter(storage, { saveEvery: 1000, partBytes: PART_BYTES }).prepare(ids.length);
      assert.ok(handed.length >= 3, `${handed.length} parts`);
      for (const bytes of handed) {
        assert.ok(bytes.byteLength <= PART_BYTES);
        // A structured clone (postMessage) copies a view's whole buffer, not the view.
        assert.equal(structuredClone(bytes).buffer.byteLength, bytes.byteLength);
      }
      assert.equal(handed.reduce((total, bytes) => total + bytes.byteLength, 0), ledger.saved.snapshot?.filter.byteLength);
    });

    it("ids committed while a save writes its parts (a new stage begun meanwhile): a new process starts from that save and misses no taken id", async function () {
      const ids = uuids(20_000);
      const ledger = ledgerOf(ids);
      let filter: EventIdFilter | undefined;
      const storage: EventIdStorage = { ...ledger.storage, saveFilterPart: async (generation, part, bytes) => {
        await ledger.storage.saveFilterPart(generation, part, bytes);
        // Appends go on between parts: 6,000 entries after each, 60,000 in all, past the first stage's capacity.
        const added = uuids(6_000).map((id, i) => entry(id, ids.length + 1 + i));
        ledger.append(...added.map((e) => e.event_id));
        filter!.committed(added);
      } };
      filter = new EventIdFilter(storage, { saveEvery: 1000, partBytes: PART_BYTES });
      await filter.cover(ids.length); // begins a save of 20,000 ids, in ten parts
      await filter.close();
      assert.equal(ledger.saved.snapshot?.covered, 20_000);
      assert.ok(ids.length >= 80_000, `${ids.length} entries`);

      const next = new EventIdFilter(ledger.storage);
      assert.deepEqual(await next.prepare(ids.length), { restored: 20_000, read: ids.length - 20_000 });
      assert.equal((await next.taken(ids, ids.length)).size, ids.length, "no taken id answered as free");
      ledger.asked.length = 0;
      assert.equal((await next.taken(uuids(100_000), ids.length)).size, 0);
      assert.ok(ledger.asked.length < 100, `${ledger.asked.length} of 100,000 new ids sent to the index`);
    });

    it("a save still going when close() gives up on it writes no further part, and is not committed", async function () {
      const ids = uuids(20_000);
      const ledger = ledgerOf(ids);
      const writes: string[] = [];
      let closed = false;
      const slow: EventIdStorage = {
        ...ledger.storage,
        saveFilterPart: async (generation, part, bytes) => {
          writes.push(closed ? `part ${part} after close` : `part ${part}`);
          await new Promise((resolve) => setTimeout(resolve, 30));
          await ledger.storage.saveFilterPart(generation, part, bytes);
        },
        commitSavedFilter: async (save) => {
          writes.push(closed ? "commit after close" : "commit");
          return ledger.storage.commitSavedFilter(save);
        },
      };
      const filter = new EventIdFilter(slow, { saveEvery: 1000, closeWaitMs: 100, partBytes: PART_BYTES });
      await filter.cover(ids.length); // begins a save of several parts, 30 ms each
      await filter.close();
      closed = true;
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(writes.length >= 1, "the save had begun");
      assert.ok(writes.every((w) => w.startsWith("part") && !w.includes("after close")), writes.join(", "));
      assert.equal(ledger.saved.snapshot, undefined);
    });

    it("a save begun before entries were discarded does not finish", async function () {
      const ids = uuids(5_000);
      const ledger = ledgerOf(ids);
      const filter = new EventIdFilter(ledger.storage, { saveEvery: 1000 });
      await filter.prepare(ids.length);
      ledger.saved.snapshot = undefined;
      const added = uuids(1000).map((id, i) => entry(id, 5_001 + i));
      ledger.append(...added.map((e) => e.event_id));
      filter.committed(added); // begins a save, which first reads the hash of entry 6,000
      filter.discardedAfter(5_500);
      await filter.close();
      assert.equal(ledger.saved.snapshot, undefined);
    });
  });
});
