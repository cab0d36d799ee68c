// The main job on the embedded default: a gateway over the SQLite ledger file (data/ledger.sqlite),
// sample events hashed and submitted over HTTP as a client would, one batch cut from the ledger's
// entries and anchored on KPPEAnchor (deployed with Ignition on the in-process chain), and one
// receipt per event written to data/receipts/ and verified offline and on-chain.
// (The keeper loop that does this continuously is issue 5; see the README's status section.)
import { mkdir, writeFile } from "node:fs/promises";
import { network } from "hardhat";
import KPPEAnchorModule from "../ignition/modules/KPPEAnchor.ts";
import { createGateway } from "../src/gateway/server.ts";
import type { EnqueueReceipt } from "../src/ledger/types.ts";
import { verifyOnChain } from "../src/receipt/onchain.ts";
import { buildReceipt, clientHash, KppeTree, verifyReceiptOffline } from "../src/sdk/index.ts";
import { openStore } from "../src/store/open.ts";

const OUT_DIR = "data/receipts";
const EVENT_COUNT = Number(process.env.DEMO_EVENTS ?? 12);

const store = await openStore();
const gateway = createGateway({ store, port: 0, logLevel: false });
const url = await gateway.listen();
console.log(`[K-PPE] Gateway on ${url} | ledger: ${store.location}`);

const { ethers, ignition } = await network.create();
const { kppeAnchor } = await ignition.deploy(KPPEAnchorModule);
const contract = await kppeAnchor.getAddress();
const { chainId } = await ethers.provider.getNetwork();
console.log(`[K-PPE] KPPEAnchor deployed at ${contract} on chain ${chainId}`);

const run = Date.now();
const receipts: EnqueueReceipt[] = [];
for (let i = 0; i < EVENT_COUNT; i++) {
  const body = { type: "page_view", app_id: "demo", data: { path: `/docs/${i}`, visitor: `v${i % 3}` } };
  const event = { version: "0.1", event_id: `demo-${run}-${i + 1}`, payload_hash: clientHash(body), source_id: "demo", local_timestamp: new Date().toISOString(), data: body };
  const response = await fetch(`${url}/submit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) });
  if (!response.ok) throw new Error(`the gateway refused ${event.event_id}: ${await response.text()}`);
  receipts.push((await response.json()) as EnqueueReceipt);
}
const first = receipts[0].fifo_sequence;
console.log(`[K-PPE] ${EVENT_COUNT} events accepted at sequences ${first}..${receipts[receipts.length - 1].fifo_sequence}`);

const entries = await store.range(first, EVENT_COUNT);
console.log(`[K-PPE] Cycle: ${entries.length} pending events found`);
const tree = KppeTree.fromHex(entries.map((e) => e.payload_hash));
console.log(`[K-PPE] Merkle tree built | leaves: ${tree.leafCount}, depth: ${tree.depth}, root: ${tree.root}`);

const batchId = (await kppeAnchor.latestBatchId()) + 1n;
const prevRoot = await kppeAnchor.latestRoot();
const tx = await kppeAnchor.anchorMerkleRoot(batchId, tree.root, tree.leafCount, tree.depth, Math.floor(Date.now() / 1000));
console.log(`[K-PPE] TX submitted: ${tx.hash} | waiting for confirmation...`);
const mined = await tx.wait();
console.log(`[K-PPE] Batch #${batchId} confirmed in block ${mined!.blockNumber} | ${tree.leafCount} events anchored (gas ${mined!.gasUsed})`);

await mkdir(OUT_DIR, { recursive: true });
let verified = 0;
for (const [leafIndex, entry] of entries.entries()) {
  const receipt = buildReceipt({
    event: {
      version: entry.version,
      event_id: entry.event_id,
      payload_hash: entry.payload_hash,
      source_id: entry.source_id,
      local_timestamp: entry.local_timestamp,
      previous_event_hash: entry.previous_event_hash,
      body: entry.data,
    },
    ledgerEntry: { fifo_sequence: entry.fifo_sequence, observed_prev_hash: entry.observed_prev_hash, event_hash: entry.event_hash, accepted_at: entry.accepted_at },
    batchId,
    leafIndex,
    tree,
    prevRoot,
    anchor: { chain_id: Number(chainId), contract, tx_hash: tx.hash, block_number: mined!.blockNumber },
  });
  const offline = verifyReceiptOffline(receipt);
  const onChain = await verifyOnChain(receipt, ethers.provider);
  if (offline.ok && onChain.every((c) => c.ok)) verified++;
  await writeFile(`${OUT_DIR}/${entry.event_id}.json`, JSON.stringify(receipt, null, 2) + "\n");
}
await gateway.close();
console.log(`[K-PPE] Proofs stored for ${entries.length} events in ${OUT_DIR}/ | ${verified} verified offline and on-chain`);
console.log(`[K-PPE] Cycle complete | totalEventsAnchored: ${await kppeAnchor.totalEventsAnchored()}`);
console.log(`
Next:
  open ${OUT_DIR}/${entries[0].event_id}.json   its "verify_proof_view" holds verifyProofView's four arguments,
                                     as a block explorer's Read Contract page takes them
  npx hardhat ledger:serve             run the gateway on the same ledger (http://127.0.0.1:8080)
  npx hardhat ledger:submit --body '{"type":"click"}'
  npx hardhat ledger:audit             recheck every link and hash of ${store.location}`);
if (verified !== entries.length) process.exitCode = 1;
