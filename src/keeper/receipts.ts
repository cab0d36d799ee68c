import { clientHash } from "../hashing/canonical.ts";
import { buildReceipt } from "../receipt/build.ts";
import type { AnchorReceipt } from "../receipt/format.ts";
import type { LedgerEntry } from "../ledger/types.ts";
import type { AnchorTarget, BatchRecord, LedgerStore, ReceiptRecord } from "../store/types.ts";

/** The self-contained receipt file of an event, from its ledger entry and its stored receipt and batch. */
export function assembleReceipt(entry: LedgerEntry, receipt: ReceiptRecord, batch: BatchRecord): AnchorReceipt {
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
    ledgerEntry: { fifo_sequence: entry.fifo_sequence, observed_prev_hash: entry.observed_prev_hash, event_hash: entry.event_hash, accepted_at: entry.accepted_at },
    batchId: batch.batchNumber,
    leafIndex: receipt.leafIndex,
    tree: { proof: () => receipt.proof, root: receipt.root, depth: batch.treeDepth, leafCount: batch.eventCount },
    prevRoot: batch.prevRoot ?? "0x" + "0".repeat(64),
    anchor: { chain_id: batch.chainId, contract: batch.contract, tx_hash: batch.txHash!, block_number: batch.blockNumber! },
  });
}

/** An event's anchor receipt from the store, or undefined while it is not in a confirmed batch. */
export async function receiptFromStore(store: LedgerStore, eventId: string, target?: AnchorTarget): Promise<AnchorReceipt | undefined> {
  const [entry, found] = await Promise.all([store.findByEventId(eventId), store.anchoring.findReceipt(eventId, target)]);
  if (!entry || !found) return undefined;
  return assembleReceipt(entry, found.receipt, found.batch);
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
