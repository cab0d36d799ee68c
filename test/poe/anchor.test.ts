import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import type { Contract } from "ethers";
import { KppeError } from "../../src/errors.ts";
import { POE_LEASE, PoeAnchorer } from "../../src/poe/anchorer.ts";
import { buildOrderProof, verifyOrderProofOffline, verifyOrderProofOnChain } from "../../src/poe/orderProof.ts";
import { resolvePoeSettings, type PoeSettings } from "../../src/poe/settings.ts";
import type { RecorderChain } from "../../src/chain/recorderChain.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { captureLog, devWallet, openRecorderChain, startLocalChain, type LocalChain } from "../helpers/chain.ts";
import { referenceCheckpoint, referenceFlowPayRoot } from "../helpers/flowPayReference.ts";
import { randomLeaves } from "../helpers/random.ts";
import { STORE_FIXTURES, type StoreFixture } from "../helpers/stores.ts";

const WRITER = 2;

function settings(overrides: Partial<PoeSettings> = {}): PoeSettings {
  return resolvePoeSettings({ pollMs: 25, retry: { retries: 3, minDelayMs: 20, maxDelayMs: 100 }, ...overrides }, {});
}

async function addOrders(store: LedgerStore, count: number, tag: string, policy = settings()): Promise<string[]> {
  const hashes = randomLeaves(count);
  for (let i = 0; i < count; i++) await store.poe.addOrderToBatch({ id: `${tag}-${i}`, txHash: hashes[i] }, policy);
  return hashes;
}

for (const makeFixture of STORE_FIXTURES) {
  describe(`FlowPay anchorActiveBatch on ProofRecorder (${makeFixture().kind})`, function () {
    this.timeout(60_000);
    let chain: LocalChain;
    let fixture: StoreFixture;
    let store: LedgerStore;
    let recorder: Contract;
    let recorderChain: RecorderChain;
    before(async () => {
      chain = await startLocalChain();
    });
    after(async () => {
      await chain.close();
    });
    beforeEach(async () => {
      fixture = makeFixture();
      store = await fixture.open();
      recorder = await chain.deployRecorder(devWallet(WRITER).address);
      recorderChain = await openRecorderChain(chain.url, (await recorder.getAddress()).toLowerCase(), WRITER);
    });
    afterEach(async () => {
      recorderChain.close();
      await store.close();
      await fixture.cleanup();
    });

    it("sends nothing while the base fee is above the cap; the batch waits and is recorded once fees allow", async () => {
      await addOrders(store, 4, "fees");
      const { log, lines } = captureLog();
      const capped = new PoeAnchorer({ store, chain: recorderChain, settings: { ...settings(), maxFeeGwei: 0.000001 }, log, networkName: "test" });
      const paused = await capped.cycle({ closeNow: true });
      assert.equal(paused.outcome, "paused");
      assert.ok(lines.some((l) => /recordCheckpoint not sent: the base fee [\d.]+ gwei is above the fee cap of 0\.000001 gwei/.test(l)), lines.join("\n"));
      assert.equal((await recorder.queryFilter(recorder.filters.CheckpointRecorded())).length, 0, "nothing was sent");
      const [waiting] = await store.poe.unanchoredBatches();
      assert.equal(waiting.anchorTxHash, null, "no transaction was signed for it");
      await capped.releaseLease();
      const done = await new PoeAnchorer({ store, chain: recorderChain, settings: settings(), log, networkName: "test" }).cycle();
      assert.deepEqual([done.outcome, done.anchored.map((b) => b.id)], ["done", [waiting.id]]);
    });

    it("stops when another anchorer has taken its expired lease, leaving the rest to it", async () => {
      await addOrders(store, 6, "lease", settings({ maxOrders: 3 })); // two closed batches
      const { log, lines } = captureLog();
      // A lease of 1 ms has expired by the time the first batch is recorded.
      const slow = new PoeAnchorer({ store, chain: recorderChain, settings: { ...settings(), leaseTtlMs: 1 }, log, networkName: "test" });
      const cycle = slow.cycle();
      // Once it is recording the first batch (it holds the lease, now expired), another anchorer starts.
      while (!lines.some((l) => l.includes("PoE batch #1: 3 orders"))) await sleep(2);
      assert.equal(await store.anchoring.acquireLease(POE_LEASE, "another-anchorer", 60_000), true, "the other anchorer takes the expired lease");
      const result = await cycle;
      assert.equal(result.outcome, "standby");
      assert.equal(result.anchored.length, 1, "the batch in hand is finished; the next is left to the lease holder");
      assert.ok(lines.some((l) => l.includes("another poe:anchor took the store's lease")), lines.join("\n"));
      assert.deepEqual((await store.poe.unanchoredBatches()).length, 1);
    });

    it("records the batch's SHA-256 root under its checkpoint, and every order's proof verifies off-chain and on-chain", async () => {
      const hashes = await addOrders(store, 13, "pay");
      const { log, lines } = captureLog();
      const anchorer = new PoeAnchorer({ store, chain: recorderChain, settings: settings(), log, networkName: "test" });
      const cycle = await anchorer.cycle({ closeNow: true });
      assert.equal(cycle.anchored.length, 1);
      const batch = (await store.poe.findPoeBatch(cycle.anchored[0].id))!;
      assert.equal(batch.status, "anchored");
      assert.equal(batch.merkleRoot, referenceFlowPayRoot(hashes), "root computed independently");
      assert.equal(batch.checkpointHash, referenceCheckpoint(batch.merkleRoot!, batch.checkpointTimestamp!, batch.id), "checkpoint byte layout");
      assert.equal(await recorder.flowPayCheckpoint(batch.merkleRoot, batch.checkpointTimestamp, batch.id), batch.checkpointHash, "the contract recomputes the checkpoint");

      const record = await recorder.getCheckpointRecord(batch.checkpointHash);
      assert.equal(record.root, batch.merkleRoot);
      assert.equal(record.leafCount, 13n, "the batch size is recorded on chain");
      assert.equal(record.batchId, BigInt(batch.id));
      assert.deepEqual(JSON.parse(record.metadata), { protocol: "flowpay-poe/1", batch_id: batch.id, batch_size: 13, checkpoint_timestamp: batch.checkpointTimestamp });
      const receipt = await chain.provider.getTransactionReceipt(batch.anchorTxHash!);
      assert.equal(receipt?.status, 1);
      assert.equal(receipt?.blockNumber, batch.blockNumber);
      assert.equal(batch.anchoredAt, new Date(Number(record.recordedAt) * 1000).toISOString());
      assert.ok(lines.some((l) => l.includes(`PoE batch #${batch.id} anchored: 13 orders`)), lines.join("\n"));

      for (let i = 0; i < 13; i++) {
        const proof = await buildOrderProof(store, `pay-${i}`);
        assert.equal(proof.tx_hash, hashes[i]);
        const checks = [...verifyOrderProofOffline(proof), ...(await verifyOrderProofOnChain(proof, recorderChain))];
        assert.ok(checks.every((c) => c.ok), JSON.stringify(checks));
      }
      const recent = await store.poe.recentOrders(100);
      assert.ok(recent.every((r) => r.poeRoot === batch.merkleRoot && r.anchorTxHash === batch.anchorTxHash));
    });

    it("a changed order, root or proof does not verify", async () => {
      await addOrders(store, 5, "t");
      await new PoeAnchorer({ store, chain: recorderChain, settings: settings(), log: () => undefined }).cycle({ closeNow: true });
      const proof = await buildOrderProof(store, "t-2");
      const forged = { ...proof, tx_hash: randomLeaves(1)[0] };
      assert.ok(verifyOrderProofOffline(forged).some((c) => !c.ok));
      assert.ok((await verifyOrderProofOnChain(forged, recorderChain)).some((c) => !c.ok));
      const otherRoot = { ...proof, root: randomLeaves(1)[0] };
      assert.deepEqual(
        verifyOrderProofOffline(otherRoot).map((c) => c.ok),
        [false, false],
      );
      assert.equal((await verifyOrderProofOnChain(otherRoot, recorderChain))[0].ok, false);
      // An inner node posing as a leaf: right root, proof one step shorter.
      if (proof.proof.length > 1) {
        const short = { ...proof, proof: proof.proof.slice(1) };
        assert.equal(verifyOrderProofOffline(short)[0].ok, false);
        const claimed = { ...short, batch_size: 2, leaf_index: proof.leaf_index % 2 }; // a size whose path is that short
        assert.ok((await verifyOrderProofOnChain(claimed, recorderChain)).some((c) => c.name === "verifyCheckpointProof" && !c.ok), "the contract uses the recorded size");
      }
    });

    it("waits for a young batch, and anchors it once it is maxAgeMs old", async () => {
      await addOrders(store, 3, "slow");
      const anchorer = new PoeAnchorer({ store, chain: recorderChain, settings: settings({ maxAgeMs: 1_000 }), log: () => undefined });
      assert.equal((await anchorer.cycle()).anchored.length, 0);
      assert.equal((await store.poe.listPoeBatches(1))[0].status, "open");
      await sleep(1_100);
      const cycle = await anchorer.cycle();
      assert.equal(cycle.anchored.length, 1);
      assert.equal(cycle.anchored[0].batchSize, 3);
    });

    it("a full batch is anchored without --now; the open one is left to fill", async () => {
      const policy = settings({ maxOrders: 4 });
      await addOrders(store, 6, "full", policy);
      const cycle = await new PoeAnchorer({ store, chain: recorderChain, settings: policy, log: () => undefined }).cycle();
      assert.deepEqual(
        cycle.anchored.map((b) => b.batchSize),
        [4],
      );
      const [open] = await store.poe.listPoeBatches(1);
      assert.equal(open.status, "open");
      assert.equal(open.batchSize, 2);
    });

    it("a writer the contract does not authorize gets the fix in the error; once authorized the same checkpoint is recorded", async () => {
      await addOrders(store, 2, "auth");
      const stranger = await openRecorderChain(chain.url, recorderChain.target.contract, 5);
      try {
        const anchorer = new PoeAnchorer({ store, chain: stranger, settings: settings(), log: () => undefined });
        await assert.rejects(
          anchorer.cycle({ closeNow: true }),
          (e: unknown) => e instanceof KppeError && e.code === "POE_REFUSED" && e.message.includes(`setWriter(${devWallet(5).address}, true)`),
        );
        const [stuck] = await store.poe.listPoeBatches(1);
        assert.equal(stuck.status, "anchoring");
        assert.match(stuck.error!, /^UnauthorizedWriter/);
        await (await recorder.connect(devWallet(0).connect(chain.provider)).getFunction("setWriter")(devWallet(5).address, true)).wait();
        const { anchored } = await anchorer.cycle();
        assert.equal(anchored[0].checkpointHash, stuck.checkpointHash);
        assert.equal(anchored[0].status, "anchored");
        assert.equal(anchored[0].error, null);
      } finally {
        stranger.close();
      }
    });
  });
}
