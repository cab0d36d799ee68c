import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Contract } from "ethers";
import type { Failpoint } from "../../src/runtime/failpoints.ts";
import { SqliteStore } from "../../src/store/sqlite/sqliteStore.ts";
import { devWallet, startLocalChain, type LocalChain } from "../helpers/chain.ts";
import { hardhat } from "../helpers/hardhatCli.ts";
import { randomLeaves } from "../helpers/random.ts";
import { tempDirectory } from "../helpers/tempDirectory.ts";

const FAILPOINTS: Failpoint[] = ["poe-after-checkpoint", "poe-after-send", "poe-after-record"];

describe("poe:* tasks (real processes)", function () {
  this.timeout(120_000);
  let chain: LocalChain;
  before(async () => {
    chain = await startLocalChain();
  });
  after(async () => {
    await chain.close();
  });

  async function setUp(tag: string) {
    // The CLI signs with development account 0 on a loopback chain.
    const recorder = await chain.deployRecorder(devWallet(0).address);
    const contract = (await recorder.getAddress()).toLowerCase();
    const file = join(tempDirectory(`kppe-poe-${tag}-`), "ledger.sqlite");
    const store = new SqliteStore(file);
    const hashes = randomLeaves(5);
    for (let i = 0; i < hashes.length; i++) await store.poe.addOrderToBatch({ id: `${tag}-${i}`, txHash: hashes[i] }, { maxOrders: 100, maxAgeMs: 900_000 });
    const anchorArgs = ["poe:anchor", "--once", "--rpc-url", chain.url, "--contract", contract, "--store", file, "--lease-ttl-ms", "2000"];
    return { recorder, contract, file, store, anchorArgs };
  }

  async function recordedLogs(recorder: Contract) {
    return recorder.queryFilter(recorder.filters.CheckpointRecorded(), 0);
  }

  for (const point of FAILPOINTS) {
    it(`killed at ${point}: after a restart the batch is recorded exactly once and the store says so`, async () => {
      const { recorder, store, anchorArgs } = await setUp(point);
      try {
        const crashed = await hardhat([...anchorArgs, "--now"], { env: { KPPE_FAILPOINT: point } });
        assert.equal(crashed.signal, "SIGKILL", `expected a crash at ${point}:\n${crashed.stdout}${crashed.stderr}`);
        const [before] = await store.poe.listPoeBatches(1);
        assert.equal(before.status, "anchoring", "the checkpoint was fixed before anything was sent");

        const restarted = await hardhat(anchorArgs);
        assert.equal(restarted.code, 0, restarted.stdout + restarted.stderr);
        assert.match(restarted.stdout, new RegExp(`Resuming PoE batch #${before.id} \\(checkpoint ${before.checkpointHash}\\)`));

        const [after] = await store.poe.listPoeBatches(1);
        assert.equal(after.status, "anchored");
        assert.equal(after.checkpointHash, before.checkpointHash);
        const logs = await recordedLogs(recorder);
        assert.equal(logs.length, 1, "recorded once");
        assert.equal(logs[0].transactionHash, after.anchorTxHash);
        assert.equal((await recorder.getCheckpointRecord(after.checkpointHash)).root, after.merkleRoot);
      } finally {
        await store.close();
      }
    });
  }

  it("add-order, anchor, batches, order-proof and verify work together; a tampered proof fails verify with exit code 1", async () => {
    const { store, file, anchorArgs, contract } = await setUp("flow");
    await store.close();
    const txHash = randomLeaves(1)[0];
    const added = await hardhat(["poe:add-order", "--order-id", "cli-order", "--tx-hash", txHash, "--pix-charge-id", "pix-1", "--metadata", '{"customer":"c1"}', "--store", file]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /added order cli-order .* in PoE batch #1 \(open, 6\/100 orders\)/);
    const bad = await hardhat(["poe:add-order", "--order-id", "x", "--tx-hash", "0x1234", "--store", file]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr + bad.stdout, /--tx-hash: expected the settlement transaction's hash \(0x \+ 64 hex, not zero\), got "0x1234"/);

    const young = await hardhat(anchorArgs);
    assert.equal(young.code, 0, young.stdout + young.stderr);
    assert.match(young.stdout, /No closed PoE batch to anchor; the open batch closes at 100 orders or 15 min after it opened, or now with --now/);
    const anchored = await hardhat([...anchorArgs, "--now"]);
    assert.equal(anchored.code, 0, anchored.stdout + anchored.stderr);
    assert.match(anchored.stdout, /PoE batch #1 anchored: 6 orders/);

    const table = await hardhat(["poe:batches", "--store", file]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^batch +status +orders +root +anchor tx +network +anchored at$/m);
    assert.match(table.stdout, /^#1 +anchored +6 +0x[0-9a-f]{8}…[0-9a-f]{6} +0x[0-9a-f]{8}…[0-9a-f]{6} +chain-31337 +\d{4}-/m, "the network is named, not its RPC URL");
    const listed = await hardhat(["poe:batches", "--store", file, "--json"]);
    const [batch] = JSON.parse(listed.stdout);
    assert.equal(batch.status, "anchored");
    assert.equal(batch.batchSize, 6);

    const proofFile = join(tempDirectory("kppe-poe-proof-"), "proof.json");
    const written = await hardhat(["poe:order-proof", "--order-id", "cli-order", "--store", file, "--out", proofFile]);
    assert.equal(written.code, 0, written.stderr);
    const verified = await hardhat(["poe:verify", "--proof", proofFile, "--rpc-url", chain.url, "--contract", contract]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /^VERIFIED: order cli-order is in PoE batch #1/m);
    assert.equal(JSON.parse(readFileSync(proofFile, "utf8")).network, "chain-31337", "the proof names the network, not its RPC URL");

    // The ProofRecorder comes from the verifier: without one it is not checked, and another one fails.
    const untrusted = await hardhat(["poe:verify", "--proof", proofFile, "--rpc-url", chain.url]);
    assert.equal(untrusted.code, 0, untrusted.stdout + untrusted.stderr);
    assert.match(untrusted.stdout, /^skip +contract +not checked: no trusted ProofRecorder/m);
    assert.match(untrusted.stdout, /^VERIFIED EXCEPT what was not checked \(contract\)/m);
    const elsewhere = await hardhat(["poe:verify", "--proof", proofFile, "--rpc-url", chain.url, "--contract", "0x" + "12".repeat(20)]);
    assert.equal(elsewhere.code, 1, elsewhere.stdout + elsewhere.stderr);
    assert.match(elsewhere.stdout, /^FAIL +contract +the record names 0x[0-9a-f]{40}, the verifier trusts 0x1212/m);
    const offline = await hardhat(["poe:verify", "--proof", proofFile, "--offline"]);
    assert.equal(offline.code, 0, offline.stdout + offline.stderr);
    assert.match(offline.stdout, /^skip +on chain +not checked on chain \(--offline\)/m);
    assert.doesNotMatch(offline.stdout, /^VERIFIED:/m, "a check not made is never reported as passed");
    assert.match(verified.stdout, /^ok +verifyCheckpointProof +the contract accepts the path at position \d+ of the 6 orders it recorded$/m);

    const proof = JSON.parse(readFileSync(proofFile, "utf8"));
    const tampered = join(tempDirectory("kppe-poe-proof-"), "tampered.json");
    writeFileSync(tampered, JSON.stringify({ ...proof, tx_hash: randomLeaves(1)[0] }));
    const refused = await hardhat(["poe:verify", "--proof", tampered, "--rpc-url", chain.url, "--contract", contract]);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /NOT VERIFIED: merkle proof, verifyCheckpointProof failed/);

    // A proof that claims a smaller batch (so that a shorter path, an inner node, would pass the
    // offline length check) fails on chain: the size is the recorded one.
    const resized = join(tempDirectory("kppe-poe-proof-"), "resized.json");
    writeFileSync(resized, JSON.stringify({ ...proof, batch_size: 2 }));
    const wrongSize = await hardhat(["poe:verify", "--proof", resized, "--rpc-url", chain.url, "--contract", contract]);
    assert.equal(wrongSize.code, 1, wrongSize.stdout + wrongSize.stderr);
    assert.match(wrongSize.stdout, /FAIL +batch size +6 orders recorded on chain, the proof says 2/);
  });
});
