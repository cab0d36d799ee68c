import assert from "node:assert/strict";
import { Contract } from "ethers";
import { KPPE_ANCHOR_ABI } from "../../src/chain/kppeAnchorAbi.ts";
import type { Failpoint } from "../../src/runtime/failpoints.ts";
import { receiptFromStore } from "../../src/receipt/assemble.ts";
import { verifyReceiptOffline } from "../../src/receipt/verify.ts";
import { appendEvents, devWallet, startLocalChain, type LocalChain } from "../helpers/chain.ts";
import { hardhat } from "../helpers/hardhatCli.ts";
import { STORE_FIXTURES } from "../helpers/stores.ts";

// 9,000 events in one batch: receipts go in two chunks (8,192 + 808), so "mid-receipts" stops between them.
const EVENTS = 9_000;
const FAILPOINTS: Failpoint[] = ["after-cut", "before-broadcast", "after-broadcast", "after-confirmations", "mid-receipts"];

for (const makeFixture of STORE_FIXTURES) describe(`keeper crash at every step (SIGKILL, then restart) on ${makeFixture().kind}`, function () {
  this.timeout(120_000);
  let chain: LocalChain;
  before(async () => {
    chain = await startLocalChain();
  });
  after(async () => {
    await chain.close();
  });

  for (const point of FAILPOINTS) {
    it(`killed at ${point}: after a restart no event is lost or batched twice, no batch is anchored twice, every receipt is valid`, async () => {
      const anchor = await chain.deployAnchor(devWallet(0).address);
      const contract = (await anchor.getAddress()).toLowerCase();
      const fixture = makeFixture();
      const store = await fixture.open();
      const file = fixture.location;
      try {
        const ids = await appendEvents(store, EVENTS, point);
        const args = ["anchor", "--once", "--rpc-url", chain.url, "--contract", contract, "--store", file, "--max-events-per-batch", "16384", "--lease-ttl-ms", "2000"];

        const crashed = await hardhat(args, { env: { KPPE_FAILPOINT: point } });
        assert.equal(crashed.signal, "SIGKILL", `expected a crash at ${point}:\n${crashed.stdout}${crashed.stderr}`);
        const restarted = await hardhat(args);
        assert.equal(restarted.code, 0, restarted.stdout + restarted.stderr);
        assert.match(restarted.stdout, new RegExp(`Resuming batch #1 \\(${point === "after-cut" ? "pending" : "submitted"}`));

        // Every event is in exactly one live batch, and that batch is confirmed.
        const target = { chainId: Number((await chain.provider.getNetwork()).chainId), contract };
        const stats = await store.anchoring.stats(target);
        assert.equal(stats.eventsConfirmed, EVENTS);
        assert.equal(stats.batches.pending + stats.batches.submitted, 0);
        const live = await store.anchoring.recentConfirmed(target, 100);
        const covered = live.reduce((n, b) => n + b.eventCount, 0);
        assert.equal(covered, EVENTS, "live batches cover each event once");

        // On chain: each root anchored once, and the totals agree.
        const reader = new Contract(contract, KPPE_ANCHOR_ABI, chain.provider);
        const anchoredEvents = await reader.queryFilter(reader.filters.KPPEMerkleAnchored(), 0);
        const roots = anchoredEvents.map((e) => (e as unknown as { args: { merkleRoot: string } }).args.merkleRoot);
        assert.equal(new Set(roots).size, roots.length, "no batch anchored twice");
        assert.equal(Number(await reader.totalEventsAnchored()), EVENTS);

        // All receipts present and valid (a sample across both receipt chunks checked in full).
        assert.equal(await store.anchoring.countReceipts(live[0].id), EVENTS);
        for (const index of [0, 4_000, 8_191, 8_192, EVENTS - 1]) {
          const receipt = await receiptFromStore(store, ids[index], { target });
          assert.ok(receipt && verifyReceiptOffline(receipt).ok, `receipt of ${ids[index]}`);
        }
      } finally {
        await store.close();
        await fixture.cleanup();
      }
    });
  }
});
