import { v7 as timeOrderedUuid } from "uuid";
import { KppeError } from "../errors.ts";
import type { AnchorChain, MinedTx } from "../chain/anchorChain.ts";
import type { StoredLog } from "../log/storedLog.ts";
import { KppeTree, verifyKppeProof } from "../merkle/kppeTree.ts";
import { assembleReceipt } from "../receipt/assemble.ts";
import type { AnchorReceipt } from "../receipt/format.ts";
import { failpoint } from "../runtime/failpoints.ts";
import type { TaskLog } from "../runtime/taskLog.ts";
import type { BatchRecord, LedgerStore, ReceiptRecord } from "../store/types.ts";
import type { BatchContents } from "../batching/batcher.ts";

/**
 * Called once a batch's receipts are stored and before it is marked confirmed (so it runs again
 * if the keeper stops in between): `receipt(i)` is the anchor receipt of the batch's leaf i.
 */
export type ConfirmingHook = (batch: BatchRecord, receipt: (leafIndex: number) => Promise<AnchorReceipt>) => Promise<void>;

/**
 * The keeper's last step for a batch whose anchor is confirmed: checks the ledger still gives
 * its roots and the contract accepts a sample proof, stores every event's receipt (its proof
 * verified) in chunks that a restart resumes after, runs the confirming hook, marks it confirmed.
 */
export class BatchReceipts {
  private readonly store: LedgerStore;
  private readonly chain: AnchorChain;
  private readonly ledgerLog: StoredLog;
  private readonly chunkSize: number;
  private readonly log: TaskLog;
  private readonly onConfirming: ConfirmingHook | undefined;

  constructor(options: { store: LedgerStore; chain: AnchorChain; ledgerLog: StoredLog; chunkSize: number; log: TaskLog; onConfirming?: ConfirmingHook }) {
    this.store = options.store;
    this.chain = options.chain;
    this.ledgerLog = options.ledgerLog;
    this.chunkSize = options.chunkSize;
    this.log = options.log;
    this.onConfirming = options.onConfirming;
  }

  /**
   * Writes the receipts of `batch`, anchored by `mined`, and marks it confirmed (`batch` is
   * updated). `contents`: its entries and tree as the batcher cut them, else read from the ledger.
   */
  async write(batch: BatchRecord, mined: MinedTx, prevRoot: string, contents?: BatchContents): Promise<void> {
    const anchoring = this.store.anchoring;
    const entries = contents?.entries ?? (await this.store.range(batch.firstSequence, batch.eventCount));
    const leaves = entries.map((e) => e.payload_hash);
    const tree = contents?.tree ?? KppeTree.fromHex(leaves, { maxLeaves: Math.max(batch.eventCount, 1) });
    if (entries.length !== batch.eventCount || tree.root !== batch.merkleRoot) {
      throw new KppeError("LEDGER_CHANGED", `the ledger's sequences ${batch.firstSequence}..${batch.lastSequence} no longer give batch #${batch.batchNumber}'s root; run npx hardhat ledger:audit`);
    }
    await this.checkSample(batch, entries, leaves, tree);
    this.log("info", `Batch #${batch.batchNumber} confirmed in block ${mined.blockNumber} | ${batch.eventCount} events anchored (tx ${mined.hash})`);
    const anchored = { txHash: mined.hash, blockNumber: mined.blockNumber, blockTime: await this.chain.blockTime(mined.blockNumber), prevRoot };
    await anchoring.updateBatch(batch.id, anchored);
    Object.assign(batch, anchored);

    // Every proof stored verifies: every node is rehashed by another keccak implementation than
    // the one that built the tree, and the first and last proof of each chunk go through the
    // verifier users run (the index arithmetic too).
    if (!tree.verifyEveryNode()) throw new KppeError("PROOF_REJECTED", `batch #${batch.batchNumber}'s tree does not rehash to its nodes; receipts not written`);
    // Chunks are written in leaf order, each in one transaction: after a crash, resume after the last.
    // Receipt ids are time-ordered UUIDs (v7): random ones land all over the primary-key index, and
    // at a million receipts each chunk then rewrote most of its pages (keeper time 66 s, not 49).
    const createdAt = new Date().toISOString();
    for (let start = await anchoring.countReceipts(batch.id); start < batch.eventCount; start += this.chunkSize) {
      const chunk: ReceiptRecord[] = [];
      const end = Math.min(start + this.chunkSize, batch.eventCount);
      for (let i = start; i < end; i++) {
        const proof = tree.proof(i);
        if ((i === start || i === end - 1) && !verifyKppeProof({ root: tree.root, leaf: leaves[i], proof, leafIndex: i, leafCount: batch.eventCount })) {
          throw new KppeError("PROOF_REJECTED", `the proof of leaf ${i} in batch #${batch.batchNumber} does not verify; receipts not written`);
        }
        const e = entries[i];
        chunk.push({ id: timeOrderedUuid(), eventId: e.event_id, fifoSequence: e.fifo_sequence, batchId: batch.id, clientHash: e.payload_hash, leafIndex: i, proof, root: tree.root, txHash: mined.hash, verified: true, createdAt });
      }
      await anchoring.saveReceipts(chunk);
      failpoint("mid-receipts");
    }
    // Before the batch is marked confirmed: after a crash here it is driven again, and the hook runs again.
    await this.onConfirming?.(batch, (i) => assembleReceipt(entries[i], { leafIndex: i, proof: tree.proof(i), root: tree.root }, batch, this.ledgerLog));
    const done = { status: "confirmed" as const, confirmedAt: new Date().toISOString(), error: null };
    await anchoring.updateBatch(batch.id, done);
    Object.assign(batch, done);
    this.log("info", `Proofs stored for ${batch.eventCount} events in event_receipts`);
  }

  /** One random entry's K-PPE proof through `verifyProofView`, and its log proof through `verifyLogInclusion`. */
  private async checkSample(batch: BatchRecord, entries: Awaited<ReturnType<LedgerStore["range"]>>, leaves: string[], tree: KppeTree): Promise<void> {
    const sample = Math.floor(Math.random() * batch.eventCount);
    if (!(await this.chain.verifyProofView(batch.batchNumber, leaves[sample], tree.proof(sample), sample))) {
      throw new KppeError("SAMPLE_REJECTED", `verifyProofView rejected leaf ${sample} of batch #${batch.batchNumber}; receipts not written`);
    }
    if (batch.logRoot === null) return;
    const entry = entries[sample];
    const index = entry.fifo_sequence - 1;
    if ((await this.ledgerLog.root(batch.lastSequence)) !== batch.logRoot) {
      throw new KppeError("LEDGER_CHANGED", `the log at size ${batch.lastSequence} no longer has batch #${batch.batchNumber}'s log root; run npx hardhat ledger:audit`);
    }
    const proof = await this.ledgerLog.inclusionProof(index, batch.lastSequence);
    if (!(await this.chain.verifyLogInclusion(batch.batchNumber, index, entry.event_hash, entry.content_hash, proof))) {
      throw new KppeError("SAMPLE_REJECTED", `verifyLogInclusion rejected entry ${index} of batch #${batch.batchNumber}; receipts not written`);
    }
  }
}
