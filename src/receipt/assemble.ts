import { clientHash } from "../hashing/canonical.ts";
import type { LedgerEntry } from "../ledger/types.ts";
import { logLeafHash } from "../log/rfc9162.ts";
import { StoredLog } from "../log/storedLog.ts";
import { buildReceipt } from "./build.ts";
import type { AnchorReceipt } from "./format.ts";
import type { AnchorTarget, BatchRecord, LedgerStore, ReceiptRecord } from "../store/types.ts";

/** Signs the checkpoint (size, root) with the log key: what a receipt's maker adds when it holds the key. */
export type CheckpointSigner = (size: number, root: string) => string;

/** The latest checkpoint witnesses cosigned, when the receipt's maker has one (the gateway does). */
export type CosignedSource = () => { size: number; note: string } | undefined;

/**
 * The self-contained receipt of an event, from its ledger entry, its stored K-PPE receipt and
 * batch, and the log (whose inclusion proof at the batch's checkpoint is read, O(log n)).
 */
export async function assembleReceipt(entry: LedgerEntry, receipt: Pick<ReceiptRecord, "leafIndex" | "proof" | "root">, batch: BatchRecord, log: StoredLog, sign?: CheckpointSigner, cosigned?: CosignedSource): Promise<AnchorReceipt> {
  let logSection: AnchorReceipt["log"] = null;
  if (batch.logRoot !== null) {
    const index = entry.fifo_sequence - 1;
    const size = batch.lastSequence;
    logSection = {
      index,
      size,
      leaf_hash: logLeafHash(entry.event_hash, entry.content_hash),
      root: batch.logRoot,
      proof: await log.inclusionProof(index, size),
      checkpoint: sign ? sign(size, batch.logRoot) : null,
    };
    const witnessed = cosigned?.();
    if (witnessed && witnessed.size >= size) {
      logSection.witnessed = { checkpoint: witnessed.note, consistency_proof: witnessed.size === size ? [] : await log.consistencyProof(size, witnessed.size) };
    }
  }
  return buildReceipt({
    event: {
      version: entry.version,
      event_id: entry.event_id,
      payload_hash: entry.payload_hash,
      source_id: entry.source_id,
      local_timestamp: entry.local_timestamp,
      previous_event_hash: entry.previous_event_hash,
      body: bodyOf(entry),
    },
    ledgerEntry: {
      fifo_sequence: entry.fifo_sequence,
      observed_prev_hash: entry.observed_prev_hash,
      event_hash: entry.event_hash,
      content_hash: entry.content_hash,
      accepted_at: entry.accepted_at,
      data: entry.data,
    },
    batchId: batch.batchNumber,
    firstSequence: batch.firstSequence,
    leafIndex: receipt.leafIndex,
    tree: { proof: () => receipt.proof, root: receipt.root, depth: batch.treeDepth, leafCount: batch.eventCount },
    prevRoot: batch.prevRoot ?? "0x" + "0".repeat(64),
    log: logSection,
    anchor: { chain_id: batch.chainId, contract: batch.contract, tx_hash: batch.txHash!, block_number: batch.blockNumber!, block_time: batch.blockTime },
  });
}

/** An event's anchor receipt from the store, or undefined while it is not in a confirmed batch. */
export async function receiptFromStore(store: LedgerStore, eventId: string, options: { target?: AnchorTarget; sign?: CheckpointSigner } = {}): Promise<AnchorReceipt | undefined> {
  const [entry, found] = await Promise.all([store.findByEventId(eventId), store.anchoring.findReceipt(eventId, options.target)]);
  if (!entry || !found) return undefined;
  return assembleReceipt(entry, found.receipt, found.batch, new StoredLog(store.log), options.sign);
}

/**
 * The event's `data` as the receipt's `body` when it is what the client hashed (the usual case),
 * so a verifier can recompute the client hash; otherwise no body (data is never hashed by us).
 */
function bodyOf(entry: LedgerEntry): unknown {
  if (entry.data === null || entry.data === undefined) return undefined;
  try {
    return clientHash(entry.data) === entry.payload_hash ? entry.data : undefined;
  } catch {
    return undefined;
  }
}
