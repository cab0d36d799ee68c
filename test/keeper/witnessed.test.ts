import assert from "node:assert/strict";
import { Wallet, type Contract } from "ethers";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import { verifyReceiptOffline } from "../../src/receipt/verify.ts";
import { COSIGNATURE_V1, generateSignerKey, parseSignerKey, parseVerifierKey, verifierKeyOf } from "../../src/log/note.ts";
import { StoredLog } from "../../src/log/storedLog.ts";
import { StorageNode } from "../../src/replication/node.ts";
import { Witness } from "../../src/replication/witness.ts";
import { KppeError } from "../../src/errors.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { appendEvents, devWallet, openKeeper, startLocalChain, type LocalChain } from "../helpers/chain.ts";
import { sqliteFixture } from "../helpers/stores.ts";
import { waitFor } from "../helpers/wait.ts";

// A KPPEAnchor whose witness set (2 of 2 storage nodes) is in force: the keeper anchors only with
// the witnesses' EIP-712 signatures, which they give only for the history they replicated.
describe("keeper on a contract with a witness set in force", function () {
  this.timeout(90_000);
  const logSigner = generateSignerKey("witnessed.example/log");
  const origin = parseSignerKey(logSigner).name;
  const cleanups: Array<() => Promise<void> | void> = [];
  let chain: LocalChain;
  let store: LedgerStore;
  let anchor: Contract;
  let witnessUrls: string[];
  let gateway: Gateway;
  let gatewayUrl: string;
  let cosignerKeys: string[];

  before(async function () {
    chain = await startLocalChain();
    anchor = await chain.deployAnchor(devWallet(1).address);
    store = await sqliteFixture().open();
    await appendEvents(store, 12, "wk");
    const nodes: Array<{ url: string; eth: ReturnType<typeof Wallet.createRandom>; store: LedgerStore; cosignerKey: string }> = [];
    for (const name of ["n1.example/witness", "n2.example/witness"]) {
      const nodeStore = await sqliteFixture().open();
      const eth = Wallet.createRandom();
      const cosigner = parseSignerKey(generateSignerKey(name, COSIGNATURE_V1));
      const witness = new Witness({
        signer: cosigner,
        logKey: parseVerifierKey(verifierKeyOf(parseSignerKey(logSigner))),
        state: nodeStore.witness,
        log: new StoredLog(nodeStore.log),
        ethSigner: eth,
      });
      const server = createGateway({ store: nodeStore, port: 0, logLevel: false, readOnly: true, witness });
      const url = await server.listen();
      cleanups.push(() => server.close());
      nodes.push({ url, eth, store: nodeStore, cosignerKey: verifierKeyOf(cosigner) });
    }
    // The gateway asks both nodes to cosign its checkpoints; the nodes replicate it.
    gateway = createGateway({ store, port: 0, logLevel: false, logKey: logSigner, witnesses: nodes.map((n) => ({ url: n.url, key: n.cosignerKey })) });
    gatewayUrl = await gateway.listen();
    cleanups.push(() => gateway.close());
    for (const n of nodes) {
      const node = new StorageNode({ gatewayUrl, store: n.store, wallet: Wallet.createRandom() });
      node.start();
      cleanups.push(() => node.stop());
    }
    cosignerKeys = nodes.map((n) => n.cosignerKey);
    await waitFor("both nodes to replicate", async () => (await Promise.all(nodes.map(async (n) => (await n.store.head()).fifo_sequence))).every((s) => s === 12));
    const members = nodes.map((n) => n.eth.address).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    await (await anchor.proposeWitnessSet(members, 2, origin)).wait();
    await chain.rpc("evm_increaseTime", [86_400]);
    await chain.rpc("evm_mine");
    witnessUrls = nodes.map((n) => n.url);
  });
  after(async function () {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await store.close();
    await chain.close();
  });

  it("without enough witnesses the keeper anchors nothing and says how many signed", async function () {
    const keeper = await openKeeper({ store, url: chain.url, contract: await anchor.getAddress(), witnesses: [witnessUrls[0]] });
    await assert.rejects(keeper.cycle(), (e: unknown) => e instanceof KppeError && e.code === "WITNESS_QUORUM" && /1 of the 1 configured witnesses signed checkpoint 12; the contract needs 2/.test(e.message));
    assert.equal(await anchor.latestBatchId(), 0n);
    await keeper.releaseLease();
  });

  it("with the witnesses' signatures the checkpoint is anchored", async function () {
    const keeper = await openKeeper({ store, url: chain.url, contract: await anchor.getAddress(), witnesses: witnessUrls });
    const summary = await keeper.cycle();
    assert.equal(summary.eventsConfirmed, 12);
    const [logSize] = await anchor.getCheckpoint(1);
    assert.equal(logSize, 12n);
  });

  it("a receipt carries a checkpoint the witnesses cosigned, checked k of n offline", async function () {
    let receipt: Record<string, any> = {};
    await waitFor("a receipt with a cosigned checkpoint", async () => {
      await gateway.logService.integrate();
      await gateway.logService.cosignLatest();
      receipt = (await (await fetch(`${gatewayUrl}/receipts/wk-3`)).json()).anchor_receipt;
      return receipt?.log?.witnessed !== undefined;
    });
    const logKey = verifierKeyOf(parseSignerKey(logSigner));
    const result = verifyReceiptOffline(receipt, { logKey, witnessKeys: cosignerKeys, threshold: 2 });
    assert.equal(result.ok, true, JSON.stringify(result.checks.filter((c) => !c.ok)));
    assert.deepEqual(result.skipped, []);
    assert.match(result.checks.find((c) => c.name === "witness cosignatures")!.detail, /2 of 2 witnesses .* cosigned size 12/);
    const third = verifierKeyOf(parseSignerKey(generateSignerKey("n3.example/witness", COSIGNATURE_V1)));
    const short = verifyReceiptOffline(receipt, { logKey, witnessKeys: [...cosignerKeys, third], threshold: 3 });
    assert.match(short.checks.find((c) => c.name === "witness cosignatures")!.detail, /2 of the 3 trusted witnesses cosigned this checkpoint.*3 are required/);
    const forged = structuredClone(receipt);
    forged.log.root = "0x" + "ee".repeat(32);
    assert.equal(verifyReceiptOffline(forged, { logKey, witnessKeys: cosignerKeys, threshold: 2 }).checks.find((c) => c.name === "witness cosignatures")!.ok, false, "a log root the witnesses' history does not extend");
  });
});
