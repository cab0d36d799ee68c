import assert from "node:assert/strict";
import { Ledger } from "../../src/ledger/ledger.ts";
import { consistencyRanges, inclusionRanges, proofFromLeaves } from "../../src/log/rfc9162.ts";
import { StoredLog } from "../../src/log/storedLog.ts";
import { KppeError, logLeafHash, logRoot, verifyConsistency, verifyInclusion } from "../../src/sdk/index.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { STORE_FIXTURES, type StoreFixture } from "../helpers/stores.ts";
import { sampleEvent } from "../ledger/ledger.test.ts";

for (const makeFixture of STORE_FIXTURES) {
  const kind = makeFixture().kind;
  describe(`stored RFC 9162 log on ${kind}`, function () {
    this.timeout(120_000);
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

    async function append(count: number): Promise<void> {
      for (let done = 0; done < count; done += 500) {
        await ledger.submit(Array.from({ length: Math.min(500, count - done) }, () => sampleEvent()));
      }
    }

    async function leaves(): Promise<string[]> {
      const entries = await store.range(1, 1_000_000);
      return entries.map((e) => logLeafHash(e.event_hash, e.content_hash));
    }

    it("integrates in uneven steps and serves the same roots and proofs as the tree built from the leaves", async function () {
      const log = new StoredLog(store.log);
      assert.equal(await log.integrate(), 0, "an empty ledger gives an empty log");
      await append(1300);
      // Steps that straddle chunk boundaries at several levels.
      for (const upTo of [1, 2, 3, 255, 256, 257, 700, 1024, 1300]) assert.equal(await log.integrate({ upTo, step: 97 }), upTo);
      const all = await leaves();
      for (const size of [1, 2, 3, 255, 256, 257, 511, 512, 513, 1024, 1299, 1300]) {
        assert.equal(await log.root(size), logRoot(all.slice(0, size)), `root at ${size}`);
      }
      for (const [index, size] of [[0, 1], [0, 1300], [1299, 1300], [256, 257], [600, 1024], [1000, 1111]]) {
        const proof = await log.inclusionProof(index, size);
        assert.deepEqual(proof, proofFromLeaves(all.slice(0, size), inclusionRanges(index, size)), `inclusion ${index}/${size}`);
        assert.equal(verifyInclusion({ index, size, leafHash: all[index], proof, root: logRoot(all.slice(0, size)) }), true);
      }
      for (const [m, n] of [[1, 1300], [256, 1300], [257, 512], [700, 1300], [1299, 1300], [5, 5]]) {
        const proof = await log.consistencyProof(m, n);
        assert.deepEqual(proof, proofFromLeaves(all.slice(0, n), consistencyRanges(m, n)), `consistency ${m}->${n}`);
        if (m !== n) assert.equal(verifyConsistency({ size1: m, size2: n, root1: logRoot(all.slice(0, m)), root2: logRoot(all.slice(0, n)), proof }), true);
      }
    });

    it("a proof node cache (a gateway's) serves the leaves' roots and proofs, asked twice, while the log grows; a tiny cache too", async function () {
      for (const cacheNodes of [65_536, 3]) {
        const log = new StoredLog(store.log, { cacheNodes });
        for (const total of [600, 1300]) {
          const have = (await store.head()).fifo_sequence;
          if (total > have) await append(total - have);
          await log.integrate();
          const all = await leaves();
          for (let round = 0; round < 2; round++) {
            for (const [index, size] of [[0, 600], [599, 600], [300, total], [total - 1, total], [513, 1024]].filter(([, size]) => size <= total)) {
              const { leafHash, proof, root } = await log.inclusion(index, size);
              assert.equal(leafHash, all[index]);
              assert.equal(root, logRoot(all.slice(0, size)), `root at ${size}, round ${round}, cache ${cacheNodes}`);
              assert.deepEqual(proof, proofFromLeaves(all.slice(0, size), inclusionRanges(index, size)), `inclusion ${index}/${size}, round ${round}, cache ${cacheNodes}`);
            }
            assert.deepEqual(await log.consistencyProof(600, total), proofFromLeaves(all, consistencyRanges(600, total)));
          }
        }
      }
    });

    it("refuses sizes beyond what is integrated, naming both", async function () {
      await append(10);
      const log = new StoredLog(store.log);
      await log.integrate({ upTo: 6 });
      // The size is read with the nodes (one round trip): a refusal, never a LOG_CORRUPT for the nodes not there.
      const beyond = (e: unknown) => e instanceof KppeError && e.code === "LOG_SIZE_BEYOND" && /6 integrated entries; size 7/.test(e.message);
      await assert.rejects(log.root(7), beyond);
      await assert.rejects(log.inclusionProof(6, 7), beyond);
      await assert.rejects(log.inclusion(2, 7), beyond);
      await assert.rejects(log.consistencyProof(3, 7), beyond);
      await assert.rejects(log.inclusionProof(3, 3), (e: unknown) => e instanceof KppeError && e.code === "BAD_LOG_INDEX");
    });

    it("refuses to integrate an entry whose stored hash is not 32 bytes of hex, or a gap in the sequence, on either store alike", async function () {
      await append(40);
      const [entry] = await store.range(33, 1);
      await fixture.exec(fixture.kind === "sqlite" ? "DROP TRIGGER ledger_entries_immutable_update" : "ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_immutable");
      const cases = [
        ["event_hash", "substr(event_hash, 1, 64)"], // too short
        ["content_hash", "'0x' || substr(content_hash, 3, 63) || 'g'"], // not hex
        ["fifo_sequence", "1000"], // moved away: a gap at 33 (a hash read at another index would be a wrong leaf)
      ];
      for (const [column, value] of cases) {
        await fixture.exec(`UPDATE ledger_entries SET fifo_sequence = 33, event_hash = '${entry.event_hash}', content_hash = '${entry.content_hash}' WHERE event_id = '${entry.event_id}'`);
        await fixture.exec(`UPDATE ledger_entries SET ${column} = ${value} WHERE event_id = '${entry.event_id}'`);
        const log = new StoredLog(store.log);
        await assert.rejects(log.integrate({ step: 16 }), (e: unknown) => e instanceof KppeError && e.code === "LOG_CORRUPT" && /entries from 33 on are not all in sequence/.test(e.message), column);
        assert.equal(await log.size(), 32, "the entries before it are integrated, none after");
      }
    });

    it("two integrators on one ledger (as two processes) agree and never write twice", async function () {
      await append(900);
      const other = await fixture.open();
      try {
        const [a, b] = [new StoredLog(store.log), new StoredLog(other.log)];
        await Promise.all([a.integrate({ step: 50 }), b.integrate({ step: 70 })]);
        assert.equal(await a.size(), 900);
        assert.equal(await b.root(900), logRoot(await leaves()));
      } finally {
        await other.close();
      }
    });

    it("audit recomputes every stored hash from the entries and names the first chunk that differs", async function () {
      await append(700);
      const log = new StoredLog(store.log);
      await log.integrate({ step: 300 });
      assert.deepEqual(await log.audit({ step: 256 }), { size: 700 });
      // Level 3 (subtrees of 8 entries): 87 nodes in chunk 0; overwrite node 5.
      const bytes = kind === "sqlite" ? "x'" + "07".repeat(32) + "'" : "'\\x" + "07".repeat(32) + "'::bytea";
      const splice = kind === "sqlite" ? `substr(hashes, 1, 160) || ${bytes} || substr(hashes, 193)` : `overlay(hashes placing ${bytes} from 161 for 32)`;
      await fixture.exec(`UPDATE log_chunks SET hashes = ${splice} WHERE level = 3 AND chunk_index = 0`);
      assert.deepEqual(await log.audit(), { size: 700, mismatch: { level: 3, index: 0 } });
    });

    it("resumes after a restart from what is durable", async function () {
      await append(300);
      await new StoredLog(store.log).integrate({ upTo: 129 });
      await store.close();
      store = await fixture.open();
      ledger = new Ledger(store);
      await append(100);
      const log = new StoredLog(store.log);
      assert.equal(await log.integrate(), 400);
      assert.equal(await log.root(), logRoot(await leaves()));
    });
  });
}
