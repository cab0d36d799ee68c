// The main job on the embedded default: deploys KPPEAnchor with Ignition on the in-process chain,
// hashes sample events as a client would, chains them as ledger entries, anchors their batch,
// writes one receipt per event to data/receipts/, and verifies each offline and on-chain.
// (The HTTP gateway and the keeper loop are not built yet; see the README's status section.)
import { mkdir, writeFile } from "node:fs/promises";
import { network } from "hardhat";
import KPPEAnchorModule from "../ignition/modules/KPPEAnchor.ts";
import { verifyOnChain } from "../src/receipt/onchain.ts";
import { buildReceipt, clientHash, eventHash, GENESIS_PREV_HASH, KppeTree, verifyReceiptOffline } from "../src/sdk/index.ts";

const OUT_DIR = "data/receipts";
const EVENT_COUNT = Number(process.env.DEMO_EVENTS ?? 12);

const { ethers, ignition } = await network.create();
const { kppeAnchor } = await ignition.deploy(KPPEAnchorModule);
const contract = await kppeAnchor.getAddress();
const { chainId } = await ethers.provider.getNetwork();
console.log(`[K-PPE] KPPEAnchor deployed at ${contract} on chain ${chainId}`);

let prev = GENESIS_PREV_HASH;
const events = Array.from({ length: EVENT_COUNT }, (_, i) => {
  const body = { type: "page_view", app_id: "demo", data: { path: `/docs/${i}`, visitor: `v${i % 3}` } };
  const event = { version: "0.1", event_id: `demo-${i + 1}`, payload_hash: clientHash(body), source_id: "demo", local_timestamp: new Date().toISOString(), body };
  const ledgerEntry = {
    fifo_sequence: i + 1,
    observed_prev_hash: prev,
    event_hash: eventHash({ ...event, fifo_sequence: i + 1, observed_prev_hash: prev }),
    accepted_at: new Date().toISOString(),
  };
  prev = ledgerEntry.event_hash;
  return { event, ledgerEntry };
});
console.log(`[K-PPE] Cycle: ${events.length} pending events found`);

const tree = KppeTree.fromHex(events.map((e) => e.event.payload_hash));
console.log(`[K-PPE] Merkle tree built | leaves: ${tree.leafCount}, depth: ${tree.depth}, root: ${tree.root}`);

const batchId = (await kppeAnchor.latestBatchId()) + 1n;
const prevRoot = await kppeAnchor.latestRoot();
const tx = await kppeAnchor.anchorMerkleRoot(batchId, tree.root, tree.leafCount, tree.depth, Math.floor(Date.now() / 1000));
console.log(`[K-PPE] TX submitted: ${tx.hash} | waiting for confirmation...`);
const mined = await tx.wait();
console.log(`[K-PPE] Batch #${batchId} confirmed in block ${mined!.blockNumber} | ${tree.leafCount} events anchored (gas ${mined!.gasUsed})`);

await mkdir(OUT_DIR, { recursive: true });
let verified = 0;
for (const [leafIndex, { event, ledgerEntry }] of events.entries()) {
  const receipt = buildReceipt({
    event,
    ledgerEntry,
    batchId,
    leafIndex,
    tree,
    prevRoot,
    anchor: { chain_id: Number(chainId), contract, tx_hash: tx.hash, block_number: mined!.blockNumber },
  });
  const offline = verifyReceiptOffline(receipt);
  const onChain = await verifyOnChain(receipt, ethers.provider);
  if (offline.ok && onChain.every((c) => c.ok)) verified++;
  await writeFile(`${OUT_DIR}/${event.event_id}.json`, JSON.stringify(receipt, null, 2) + "\n");
}
console.log(`[K-PPE] Proofs stored for ${events.length} events in ${OUT_DIR}/ | ${verified} verified offline and on-chain`);
console.log(`[K-PPE] Cycle complete | totalEventsAnchored: ${await kppeAnchor.totalEventsAnchored()}`);
console.log(`\nCheck a receipt by hand: open ${OUT_DIR}/demo-1.json; its "verify_proof_view" holds the four`);
console.log(`arguments of verifyProofView for a block explorer's Read Contract page.`);
if (verified !== events.length) process.exitCode = 1;
