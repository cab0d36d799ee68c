import { randomUUID } from "node:crypto";
import { parseUnits } from "ethers";
import { KppeError } from "../errors.ts";
import { ContractRevertedError, type ContractRevert, type MinedTx } from "../chain/anchorChain.ts";
import { attemptOf, TxMonitor } from "../chain/txMonitor.ts";
import { failpoint } from "../runtime/failpoints.ts";
import type { TaskLog } from "../runtime/taskLog.ts";
import { FlowPayTree } from "../merkle/flowPayTree.ts";
import type { RecorderChain } from "../chain/recorderChain.ts";
import type { LedgerStore, PoeBatchRecord, PoeBatchUpdate } from "../store/types.ts";
import { flowPayCheckpoint } from "./checkpoint.ts";
import type { PoeSettings } from "./settings.ts";

/** One anchorer at a time records a store's FlowPay batches. */
export const POE_LEASE = "poe";

export interface PoeCycle {
  /** paused: fees are above the cap; the batches wait for a later cycle. */
  outcome: "standby" | "done" | "paused";
  anchored: PoeBatchRecord[];
}

/** The `recordCheckpoint` arguments of a batch whose checkpoint is fixed (docs/flowpay.md). */
export function recordCheckpointArgs(batch: PoeBatchRecord): [string, number, number, number, string] {
  const metadata = { protocol: "flowpay-poe/1", batch_id: batch.id, batch_size: batch.batchSize, checkpoint_timestamp: batch.checkpointTimestamp };
  return [batch.merkleRoot!, batch.checkpointTimestamp!, batch.id, batch.batchSize, JSON.stringify(metadata)];
}

/**
 * FlowPay's `anchorActiveBatch`, crash-safe: closes the open batch when it is due, fixes each
 * closed batch's root and checkpoint in the store before anything is sent, records it with
 * `ProofRecorder.recordCheckpoint(root, timestamp, batchId, size, metadata)` (the contract
 * computes the checkpoint, so no other writer can take its id with other content), and writes
 * the transaction and its time back to the batch. After a crash at any step the next cycle finds
 * the batch `anchoring` with the same checkpoint: the contract refuses a second record of it, so
 * a batch is never recorded twice, and a batch in the store is never dropped.
 */
export class PoeAnchorer {
  private readonly store: LedgerStore;
  private readonly chain: RecorderChain;
  private readonly settings: PoeSettings;
  private readonly log: TaskLog;
  private readonly networkName: string;
  private readonly holder = `poe-${randomUUID()}`;
  private readonly monitor: TxMonitor;

  constructor(options: { store: LedgerStore; chain: RecorderChain; settings: PoeSettings; log: TaskLog; networkName?: string }) {
    this.store = options.store;
    this.chain = options.chain;
    this.settings = options.settings;
    this.log = options.log;
    this.networkName = options.networkName ?? `chain-${options.chain.target.chainId}`;
    const { confirmations, pollMs, stuckAfterMs, maxFeeGwei } = this.settings;
    this.monitor = new TxMonitor(this.chain, { confirmations, pollMs, stuckAfterMs, maxFeeWei: parseUnits(String(maxFeeGwei), "gwei"), log: this.log });
  }

  /** Closes the open batch if it is due (or at once with `closeNow`), then anchors every closed batch. */
  async cycle(options: { closeNow?: boolean } = {}): Promise<PoeCycle> {
    if (!(await this.store.anchoring.acquireLease(POE_LEASE, this.holder, this.settings.leaseTtlMs))) return { outcome: "standby", anchored: [] };
    const closed = await this.store.poe.closeOpenBatch(options.closeNow ? {} : { olderThanMs: this.settings.maxAgeMs });
    if (closed) this.log("info", `PoE batch #${closed.id} closed with ${closed.batchSize} orders (${options.closeNow ? "closed now on request" : `open for ${this.settings.maxAgeMs / 1000} s or more`})`);
    const anchored: PoeBatchRecord[] = [];
    for (const batch of await this.store.poe.unanchoredBatches()) {
      // Renewed before each batch; lost (it expired and another anchorer took it): stop here.
      if (!(await this.store.anchoring.acquireLease(POE_LEASE, this.holder, this.settings.leaseTtlMs))) {
        this.log("warn", `WARNING: another poe:anchor took the store's lease (this one held it past ${this.settings.leaseTtlMs} ms); stopping after ${anchored.length} batch(es), it carries on`);
        return { outcome: "standby", anchored };
      }
      try {
        anchored.push(await this.anchorBatch(batch));
      } catch (error) {
        // Fees above the cap: nothing was sent; the batch waits for the next cycle.
        if (!(error instanceof KppeError && error.code === "FEE_CAP")) throw error;
        this.log("warn", `WARNING: ${error.message} (PoE batch #${batch.id} waits)`);
        return { outcome: "paused", anchored };
      }
    }
    return { outcome: "done", anchored };
  }

  async releaseLease(): Promise<void> {
    await this.store.anchoring.releaseLease(POE_LEASE, this.holder);
  }

  private async update(batch: PoeBatchRecord, update: PoeBatchUpdate): Promise<PoeBatchRecord> {
    await this.store.poe.updatePoeBatch(batch.id, update);
    return { ...batch, ...update };
  }

  private async anchorBatch(closed: PoeBatchRecord): Promise<PoeBatchRecord> {
    const orders = await this.store.poe.batchOrders(closed.id);
    if (orders.length !== closed.batchSize) {
      throw new KppeError("POE_BATCH_MISMATCH", `PoE batch #${closed.id} says ${closed.batchSize} orders but links ${orders.length}: the store was edited by hand`);
    }
    const tree = FlowPayTree.fromHex(
      orders.map((o) => o.txHash),
      { maxLeaves: Math.max(orders.length, 1) },
    );
    let batch = closed;
    if (batch.status === "closed") {
      const timestamp = Math.floor(Date.now() / 1000);
      batch = await this.update(batch, {
        status: "anchoring",
        merkleRoot: tree.root,
        checkpointTimestamp: timestamp,
        checkpointHash: flowPayCheckpoint(tree.root, timestamp, batch.id),
        chainId: this.chain.target.chainId,
        contract: this.chain.target.contract,
        network: this.networkName,
        metadata: { ...batch.metadata, from_block: await this.chain.blockNumber() },
      });
      this.log("info", `PoE batch #${batch.id}: ${batch.batchSize} orders, root ${batch.merkleRoot}, checkpoint ${batch.checkpointHash}`);
      failpoint("poe-after-checkpoint");
    } else {
      if (batch.chainId !== this.chain.target.chainId || batch.contract !== this.chain.target.contract) {
        throw new KppeError(
          "POE_OTHER_CHAIN",
          `PoE batch #${batch.id} is being recorded on chain ${batch.chainId} at ${batch.contract}, not chain ${this.chain.target.chainId} at ${this.chain.target.contract}: run poe:anchor against that chain and contract to finish it`,
        );
      }
      if (batch.merkleRoot !== tree.root) {
        throw new KppeError("POE_BATCH_CHANGED", `PoE batch #${batch.id}'s orders give root ${tree.root}, but ${batch.merkleRoot} was fixed for it: the store was edited by hand`);
      }
      this.log("info", `Resuming PoE batch #${batch.id} (checkpoint ${batch.checkpointHash})`);
    }

    const proofId = batch.checkpointHash!;
    let record = await this.chain.getCheckpointRecord(proofId);
    let txHash = record.recordedAt === 0 ? await this.record(batch) : undefined;
    if (record.recordedAt === 0) record = await this.chain.getCheckpointRecord(proofId);
    if (record.recordedAt === 0) throw new KppeError("POE_NOT_RECORDED", `PoE batch #${batch.id}: recordCheckpoint was mined but checkpoint ${proofId} is not recorded (a reorg?); the next cycle tries again`);
    // The checkpoint is the contract's hash of root, timestamp and batch id, so a record under it
    // holds this batch's root; its size is checked too.
    if (record.root.toLowerCase() !== batch.merkleRoot || record.leafCount !== batch.batchSize) {
      throw new KppeError("POE_ROOT_MISMATCH", `checkpoint ${proofId} is recorded with root ${record.root} and ${record.leafCount} orders, not PoE batch #${batch.id}'s ${batch.merkleRoot} and ${batch.batchSize}`);
    }
    txHash ??= await this.recordingTx(batch);
    const mined = await this.chain.mined(txHash);
    if (!mined || !(await this.monitor.awaitConfirmations(mined))) {
      throw new KppeError("POE_NOT_RECORDED", `PoE batch #${batch.id}: TX ${txHash}, which recorded checkpoint ${proofId}, left the chain (a reorg); the next cycle tries again`);
    }
    failpoint("poe-after-record");
    batch = await this.update(batch, {
      status: "anchored",
      anchorTxHash: txHash,
      blockNumber: mined.blockNumber,
      anchoredAt: new Date(record.recordedAt * 1000).toISOString(),
      error: null,
    });
    this.log("info", `PoE batch #${batch.id} anchored: ${batch.batchSize} orders, root ${batch.merkleRoot}, checkpoint ${proofId}, TX ${txHash} (block ${mined.blockNumber})`);
    return batch;
  }

  /**
   * Gets `recordCheckpoint` mined through the transaction monitor, resuming from the transaction
   * signed before a crash if there is one (mined, sent again, replaced when stuck, or signed anew
   * when its nonce went elsewhere). Returns the recording transaction, or undefined when the
   * contract says the checkpoint is already recorded (found afterwards by its log).
   */
  private async record(batch: PoeBatchRecord): Promise<string | undefined> {
    const args = recordCheckpointArgs(batch);
    let mined: MinedTx;
    try {
      mined = await this.monitor.write("recordCheckpoint", args, {
        attempts: batch.signedTx ? [attemptOf(batch.signedTx)] : [],
        record: async (attempt) => {
          batch = await this.update(batch, { signedTx: attempt.raw, anchorTxHash: attempt.hash });
          this.log("info", `TX sent: ${attempt.hash} (recordCheckpoint, PoE batch #${batch.id})`);
        },
        afterSend: () => failpoint("poe-after-send"),
      });
    } catch (error) {
      if (error instanceof ContractRevertedError) return this.refused(batch, error.revert);
      throw error;
    }
    if (!mined.success) return this.refused(batch, await this.chain.revertReason("recordCheckpoint", args, mined.blockNumber));
    return mined.hash;
  }

  private async refused(batch: PoeBatchRecord, revert: ContractRevert): Promise<undefined> {
    if (revert.name === "CheckpointAlreadyRecorded") return undefined;
    await this.update(batch, { error: revert.text });
    const fix = revert.name === "UnauthorizedWriter" ? `: the ProofRecorder's owner must call setWriter(${this.chain.wallet.address}, true)` : "";
    throw new KppeError("POE_REFUSED", `recordCheckpoint for PoE batch #${batch.id} reverted: ${revert.text}${fix}`);
  }

  /** The transaction that recorded the batch's checkpoint: ours if it was mined, else the one its log names. */
  private async recordingTx(batch: PoeBatchRecord): Promise<string> {
    if (batch.anchorTxHash && (await this.chain.mined(batch.anchorTxHash))?.success) return batch.anchorTxHash;
    const fromBlock = Number(batch.metadata.from_block ?? 0);
    const found = await this.chain.checkpointRecordedTx(batch.checkpointHash!, fromBlock);
    if (!found) throw new KppeError("POE_NO_LOG", `checkpoint ${batch.checkpointHash} is recorded but no CheckpointRecorded log was found from block ${fromBlock}`);
    return found;
  }
}
