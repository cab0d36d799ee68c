import { randomUUID } from "node:crypto";
import { recoverAddress } from "ethers";
import type { AnchorCall, AnchorChain } from "../chain/anchorChain.ts";
import { KppeError } from "../errors.ts";
import type { StoredLog } from "../log/storedLog.ts";
import { KppeTree } from "../merkle/kppeTree.ts";
import { failpoint } from "../runtime/failpoints.ts";
import type { TaskLog } from "../runtime/taskLog.ts";
import type { BatchRecord, LedgerStore } from "../store/types.ts";
import type { LedgerEntry } from "../ledger/types.ts";

/** A batch's entries, in sequence order, and the K-PPE tree over their payload hashes. */
export interface BatchContents {
  entries: LedgerEntry[];
  tree: KppeTree;
}

/**
 * The batch cut: the oldest events no live batch covers, in sequence order, up to the batch
 * size, recorded as `pending` with their K-PPE root and the log checkpoint they complete (its
 * consistency proof and, when the contract's witness set requires them, the witnesses'
 * signatures). The keeper drives what it cuts to the chain.
 */
export class Batcher {
  private readonly store: LedgerStore;
  private readonly chain: AnchorChain;
  private readonly ledgerLog: StoredLog;
  /** Witness URLs to ask for EIP-712 signatures when the contract's witness set requires them. */
  private readonly witnesses: string[];
  private readonly maxEventsPerBatch: number;
  private readonly log: TaskLog;
  /** Whether the contract takes checkpoints (KPPEAnchor 2.x); asked once. */
  private checkpoints: boolean | undefined;
  /** The entries and tree of the batch cut last, until its receipts take them. */
  private held: (BatchContents & { batchId: string }) | undefined;

  constructor(options: { store: LedgerStore; chain: AnchorChain; ledgerLog: StoredLog; witnesses: string[]; maxEventsPerBatch: number; log: TaskLog }) {
    this.store = options.store;
    this.chain = options.chain;
    this.ledgerLog = options.ledgerLog;
    this.witnesses = options.witnesses.map((url) => url.replace(/\/$/, ""));
    this.maxEventsPerBatch = options.maxEventsPerBatch;
    this.log = options.log;
  }

  /** Cuts the next batch: the oldest events no live batch covers, in sequence order, recorded as `pending`. */
  async cut(): Promise<BatchRecord | undefined> {
    const last = await this.store.anchoring.lastLiveBatch(this.chain.target);
    const first = (last?.lastSequence ?? 0) + 1;
    const entries = await this.store.range(first, this.maxEventsPerBatch);
    if (entries.length === 0) return undefined;
    const end = entries[entries.length - 1].fifo_sequence;
    if (entries[0].fifo_sequence !== first || end !== first + entries.length - 1) {
      throw new KppeError("LEDGER_GAP", `the ledger has a gap between sequences ${first} and ${end}; run npx hardhat ledger:audit`);
    }
    const tree = KppeTree.fromHex(entries.map((e) => e.payload_hash), { maxLeaves: this.maxEventsPerBatch });
    const batchNumber = Math.max(await this.chain.latestBatchId(), last?.batchNumber ?? 0) + 1;
    const checkpoint = await this.checkpointFor(first, end);
    const batch: BatchRecord = {
      ...this.chain.target,
      id: randomUUID(),
      batchNumber,
      firstSequence: first,
      lastSequence: end,
      eventCount: entries.length,
      treeDepth: tree.depth,
      merkleRoot: tree.root,
      batchTimestamp: Math.floor(Date.now() / 1000),
      status: "pending",
      txHash: null,
      txAttempts: [],
      blockNumber: null,
      prevRoot: null,
      error: null,
      createdAt: new Date().toISOString(),
      confirmedAt: null,
      logRoot: checkpoint?.logRoot ?? null,
      logProof: checkpoint?.consistencyProof ?? null,
      blockTime: null,
      witnessSignatures: checkpoint?.witnessSignatures ?? null,
    };
    await this.store.anchoring.createBatch(batch);
    this.held = { batchId: batch.id, entries, tree };
    this.log(
      "info",
      `Merkle tree built | batch #${batchNumber}, sequences ${first}..${end} | leaves: ${tree.leafCount}, depth: ${tree.depth}, root: ${tree.root}` +
        (checkpoint ? ` | log size ${end}, log root ${checkpoint.logRoot}` : " | no log checkpoint (contract older than 2.0.0)"),
    );
    failpoint("after-cut");
    return batch;
  }

  /**
   * The entries and tree of batch `batchId` if this batcher cut it last (once: they are let go),
   * so that its receipts need not read and hash them again; undefined otherwise (a resumed batch).
   */
  takeContents(batchId: string): BatchContents | undefined {
    const held = this.held?.batchId === batchId ? this.held : undefined;
    this.held = undefined;
    return held;
  }

  /**
   * The log checkpoint that a batch of sequences `first..end` completes: the log integrated up
   * to `end`, its root there, and the consistency proof from the checkpoint anchored before
   * (`first - 1` entries; none for the contract's first checkpoint). Undefined when the
   * contract takes no checkpoints.
   */
  private async checkpointFor(first: number, end: number): Promise<AnchorCall["checkpoint"]> {
    this.checkpoints ??= await this.chain.anchorsCheckpoints();
    if (!this.checkpoints) return undefined;
    const integrated = await this.ledgerLog.integrate({ upTo: end });
    if (integrated < end) throw new KppeError("LOG_BEHIND", `the log holds ${integrated} entries, batch needs ${end}; run npx hardhat ledger:audit`);
    const [logRoot, firstCheckpoint, threshold] = await Promise.all([this.ledgerLog.root(end), this.chain.firstCheckpointBatchId(), this.chain.witnessThreshold()]);
    const consistencyProof = firstCheckpoint === 0 || first === 1 ? [] : await this.ledgerLog.consistencyProof(first - 1, end);
    const witnessSignatures = threshold > 0 ? await this.witnessSignatures(end, logRoot, threshold) : "0x";
    return { logSize: end, logRoot, consistencyProof, witnessSignatures };
  }

  /**
   * Asks the configured witnesses to sign the checkpoint (`GET /checkpoint-signature`), keeps the
   * signatures that recover to their claimed signer, and returns them sorted by signer, as the
   * contract takes them; throws (the cycle is retried later) while fewer than `threshold` sign.
   */
  private async witnessSignatures(size: number, root: string, threshold: number): Promise<string> {
    const { chainId, contract } = this.chain.target;
    // The contract's own digest of the message: a signature over anything else recovers to another address.
    const digest = await this.chain.checkpointDigest(size, root);
    const signed: Array<{ signer: string; signature: string }> = [];
    const refusals: string[] = [];
    await Promise.all(
      this.witnesses.map(async (url) => {
        try {
          const query = new URLSearchParams({ size: String(size), root, chain_id: String(chainId), contract });
          const response = await fetch(`${url}/checkpoint-signature?${query}`, { signal: AbortSignal.timeout(10_000) });
          const body = (await response.json()) as { signer?: string; signature?: string; message?: string };
          if (!response.ok) throw new Error(`${response.status} ${body.message ?? ""}`);
          const recovered = recoverAddress(digest, body.signature!);
          if (recovered.toLowerCase() !== body.signer?.toLowerCase()) throw new Error(`its signature recovers to ${recovered}, not ${body.signer}`);
          signed.push({ signer: recovered, signature: body.signature! });
        } catch (error) {
          refusals.push(`${url}: ${(error as Error).message}`);
        }
      }),
    );
    if (signed.length < threshold) {
      throw new KppeError("WITNESS_QUORUM", `${signed.length} of the ${this.witnesses.length} configured witnesses signed checkpoint ${size}; the contract needs ${threshold}${refusals.length ? ` (${refusals.join("; ")})` : ""}`);
    }
    signed.sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
    return "0x" + signed.map((s) => s.signature.slice(2)).join("");
  }
}
