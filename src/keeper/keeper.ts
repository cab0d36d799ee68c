import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { formatUnits, parseUnits, Transaction } from "ethers";
import { KppeError } from "../errors.ts";
import { StoredLog } from "../log/storedLog.ts";
import type { AnchorStore, AnchorTarget, BatchRecord, LedgerStore } from "../store/types.ts";
import { attemptOf, replacementFees, TxMonitor } from "../chain/txMonitor.ts";
import { AnchorRevertedError, type AnchorCall, type AnchorChain, type ContractRevert, type MinedTx } from "../chain/anchorChain.ts";
import { failpoint } from "../runtime/failpoints.ts";
import { consoleLog, type TaskLog } from "../runtime/taskLog.ts";
import { BacklogProgress } from "../runtime/progress.ts";
import { shortMessage } from "../runtime/retry.ts";
import type { KeeperSettings } from "./settings.ts";
import type { TurnSource } from "../poot/turns.ts";
import { Batcher } from "../batching/batcher.ts";
import { BatchReceipts, type ConfirmingHook } from "./batchReceipts.ts";

export type { ConfirmingHook };

/** What a cycle did. */
export interface CycleSummary {
  outcome: "anchored" | "idle" | "paused" | "failed" | "standby";
  batchesConfirmed: number;
  eventsConfirmed: number;
  /** Events in the ledger that no live batch covers yet. */
  pendingEvents: number;
}

/** The keeper's state for /health (K-PPE relayer's /kpe/health fields, plus ours). */
export interface KeeperHealth {
  status: "starting" | "ok" | "paused" | "degraded" | "standby" | "stopped";
  engine: "K-PPE";
  contract: string;
  chain: string;
  chainId: number;
  latestBatchId: number;
  totalEventsAnchored: number;
  latestRoot: string;
  lastAnchoredAt: string | null;
  pendingEvents: number;
  lastCycleAt: string | null;
  message: string | null;
}

type DriveOutcome = "confirmed" | "failed" | "paused";


/**
 * The anchoring keeper. Each cycle: take the store's lease, recheck recent batches on chain (reorgs),
 * finish any batch in flight, then cut the oldest unbatched events into batches, anchor each root,
 * wait for the confirmations, and write every event's receipt, verified. Every step is recorded
 * in the store before the next one starts, and a transaction is recorded before it is sent, so a
 * restart after a crash at any point continues where it stopped: no event is lost or batched
 * twice, and no batch is anchored twice.
 */
export class Keeper {
  readonly settings: KeeperSettings;
  private readonly store: LedgerStore;
  private readonly anchoring: AnchorStore;
  private readonly chain: AnchorChain;
  private readonly monitor: TxMonitor;
  private readonly log: TaskLog;
  /** The RFC 9162 log over the ledger, kept in the store: each batch anchors its checkpoint. */
  private readonly ledgerLog: StoredLog;
  /** Cuts the ledger into batches, each with the log checkpoint it completes. */
  private readonly batcher: Batcher;
  private readonly holder: string;
  private readonly leaseName: string;
  private readonly maxFeeWei: bigint;
  private readonly networkName: string;
  private leaseRenewedAt = 0;
  private stopping = false;
  private wake: AbortController | undefined;
  private health: KeeperHealth;
  private readonly receipts: BatchReceipts;
  /** The last cycle found nothing to anchor (its "no pending events" line was logged). */
  private idle = false;
  /** On KPPEAnchorScheduled: this keeper anchors only in its turns (docs/poot.md). */
  private readonly turns: TurnSource | undefined;
  /** The last "not our turn" reason logged (said once per slot). */
  private lastTurnNote = "";

  constructor(options: { store: LedgerStore; chain: AnchorChain; settings: KeeperSettings; log?: TaskLog; networkName?: string; witnesses?: string[]; onConfirming?: ConfirmingHook; turns?: TurnSource }) {
    this.store = options.store;
    this.turns = options.turns;
    this.anchoring = options.store.anchoring;
    this.ledgerLog = new StoredLog(options.store.log);
    this.chain = options.chain;
    // In turns, a silent leader's lease must lapse within one leader timeout, so the next can take
    // over; a working one renews it (and looks at its turn) several times within that.
    const ttl = options.turns ? Math.min(options.settings.leaseTtlMs, options.turns.leaderTimeoutMs) : options.settings.leaseTtlMs;
    this.settings = options.turns ? { ...options.settings, leaseTtlMs: ttl, pollMs: Math.min(options.settings.pollMs, ttl / 4) } : options.settings;
    this.log = options.log ?? consoleLog;
    this.networkName = options.networkName ?? `chain ${this.target.chainId}`;
    this.holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.leaseName = leaseName(this.target);
    this.maxFeeWei = parseUnits(String(this.settings.maxFeeGwei), "gwei");
    const { confirmations, pollMs, stuckAfterMs } = this.settings;
    this.monitor = new TxMonitor(this.chain, { confirmations, pollMs, stuckAfterMs, maxFeeWei: this.maxFeeWei, log: this.log });
    this.batcher = new Batcher({ store: this.store, chain: this.chain, ledgerLog: this.ledgerLog, witnesses: options.witnesses ?? [], maxEventsPerBatch: this.settings.maxEventsPerBatch, log: this.log });
    this.receipts = new BatchReceipts({ store: this.store, chain: this.chain, ledgerLog: this.ledgerLog, chunkSize: this.settings.receiptChunk, log: this.log, onConfirming: options.onConfirming });
    this.health = {
      status: "starting",
      engine: "K-PPE",
      contract: this.target.contract,
      chain: this.networkName,
      chainId: this.target.chainId,
      latestBatchId: 0,
      totalEventsAnchored: 0,
      latestRoot: "0x" + "0".repeat(64),
      lastAnchoredAt: null,
      pendingEvents: 0,
      lastCycleAt: null,
      message: null,
    };
  }

  get target(): AnchorTarget {
    return this.chain.target;
  }

  /** A copy of the state /health reports. */
  status(): KeeperHealth {
    return { ...this.health };
  }

  /** Runs cycles every `intervalMs` until stop(); a failed cycle is logged and retried at the next. */
  async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.cycle();
      } catch (error) {
        this.setHealth("degraded", shortMessage(error));
        this.log("error", `ERROR: ${shortMessage(error)} -- cycle abandoned, next attempt in ${this.settings.intervalMs / 1000}s`);
      }
      if (this.stopping) break;
      this.wake = new AbortController();
      await sleep(this.settings.intervalMs, undefined, { signal: this.wake.signal }).catch(() => undefined);
    }
    await this.releaseLease();
    this.setHealth("stopped", null);
    this.log("info", "Engine stopped");
  }

  /** Gives up the lease at once, so another keeper (or the next `--once`) need not wait for it to expire. */
  async releaseLease(): Promise<void> {
    await this.anchoring.releaseLease(this.leaseName, this.holder).catch(() => undefined);
  }

  /** Finishes the step in progress (never in the middle of a store write), then stops the loop. */
  stop(): void {
    this.stopping = true;
    this.wake?.abort();
  }

  /** The "Engine started" line with every setting; callers log it once, before the first cycle. */
  logStart(): void {
    const s = this.settings;
    this.log(
      "info",
      `Engine started | interval: ${s.intervalMs / 1000}s | max events per batch: ${s.maxEventsPerBatch} | confirmations: ${s.confirmations} | ` +
        `fee cap: ${s.maxFeeGwei} gwei | contract: ${this.target.contract} on ${this.networkName} (chain ${this.target.chainId}) | ` +
        `anchor key: ${this.chain.wallet.address} | store: ${this.store.location}`,
    );
  }

  /** One cycle; throws (after bounded retries) when the chain or store cannot be reached. */
  async cycle(): Promise<CycleSummary> {
    if (!this.turns) return this.cycleWithLease();
    const now = await this.turns.now();
    if (!now.turn) return this.notOurTurn(now.why);
    try {
      return await this.cycleWithLease();
    } catch (error) {
      if (error instanceof KppeError && error.code === "TURN_OVER") return this.notOurTurn(error.message);
      throw error;
    }
  }

  /** Out of turn: the lease goes back at once (the leader may need it), and the reason is said once. */
  private async notOurTurn(why: string): Promise<CycleSummary> {
    await this.releaseLease();
    this.setHealth("standby", why);
    const note = why.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "");
    if (note !== this.lastTurnNote) this.log("info", `Not this keeper's turn: ${why}`);
    this.lastTurnNote = note;
    return { outcome: "standby", batchesConfirmed: 0, eventsConfirmed: 0, pendingEvents: await this.pendingEvents() };
  }

  /** The turn to anchor with now; TURN_OVER (the cycle stands by) when this keeper's turn has ended. */
  private async currentTurn(): Promise<AnchorCall["turn"]> {
    if (!this.turns) return undefined;
    const now = await this.turns.now();
    if (!now.turn) throw new KppeError("TURN_OVER", now.why);
    return now.turn;
  }

  private async cycleWithLease(): Promise<CycleSummary> {
    const summary: CycleSummary = { outcome: "idle", batchesConfirmed: 0, eventsConfirmed: 0, pendingEvents: 0 };
    if (!(await this.anchoring.acquireLease(this.leaseName, this.holder, this.settings.leaseTtlMs))) {
      const lease = await this.anchoring.leaseHolder(this.leaseName);
      const until = lease ? new Date(lease.expiresAt).toISOString() : "now";
      this.setHealth("standby", `keeper ${lease?.holder} holds the lease until ${until}`);
      this.log("info", `Standing by: keeper ${lease?.holder} holds the anchoring lease (until ${until})`);
      return { ...summary, outcome: "standby" };
    }
    this.leaseRenewedAt = Date.now();
    await this.recheckConfirmed();

    const record = (batch: BatchRecord, outcome: DriveOutcome) => {
      if (outcome === "confirmed") {
        summary.batchesConfirmed++;
        summary.eventsConfirmed += batch.eventCount;
        summary.outcome = "anchored";
      } else summary.outcome = outcome;
      return outcome === "confirmed";
    };

    for (const open of await this.anchoring.openBatches(this.target)) {
      this.log("info", `Resuming batch #${open.batchNumber} (${open.status}, sequences ${open.firstSequence}..${open.lastSequence})`);
      if (!record(open, await this.drive(open))) return this.finish(summary);
    }

    summary.pendingEvents = await this.pendingEvents();
    if (summary.pendingEvents === 0) {
      // Said once when the keeper becomes idle, not every interval while it stays so.
      if (summary.batchesConfirmed === 0 && !this.idle) this.log("info", "No pending events -- waiting for new ones (said once until there are)");
      this.idle = true;
      return this.finish(summary);
    }
    this.idle = false;
    this.log("info", `Cycle: ${summary.pendingEvents} pending events found`);
    const progress = summary.pendingEvents > this.settings.maxEventsPerBatch ? new BacklogProgress(this.log, summary.pendingEvents, this.settings.maxEventsPerBatch) : undefined;
    try {
      while (!this.stopping) {
        const batch = await this.batcher.cut();
        if (!batch) break;
        if (!record(batch, await this.drive(batch))) break;
        progress?.batchDone(batch.eventCount);
      }
    } finally {
      progress?.stop();
    }
    return this.finish(summary);
  }

  private async finish(summary: CycleSummary): Promise<CycleSummary> {
    summary.pendingEvents = await this.pendingEvents();
    await this.refreshHealth();
    if (summary.outcome === "anchored" || summary.outcome === "idle") this.setHealth("ok", null);
    this.health.lastCycleAt = new Date().toISOString();
    if (summary.outcome !== "idle") {
      this.log("info", `Cycle complete | totalEventsAnchored: ${this.health.totalEventsAnchored.toLocaleString("en-US")} | pending: ${summary.pendingEvents}`);
    }
    return summary;
  }

  /** Events after the last live batch. */
  pendingEvents(): Promise<number> {
    return pendingEvents(this.store, this.target);
  }

  /** Takes a batch from wherever it is to `confirmed` (or `failed`, or paused by the fee cap). */
  private async drive(batch: BatchRecord): Promise<DriveOutcome> {
    while (true) {
      await this.renewLease();
      if (batch.status === "pending") {
        const number = await this.numberStatus(batch);
        if (number.taken) return this.fail(batch, number.taken);
        const sent = await this.send(batch);
        if (sent !== "sent") return sent;
        continue;
      }

      const mined = await this.findMined(batch);
      if (mined && !mined.success) return this.fail(batch, await this.revertOf(batch, mined));
      if (mined) {
        if (!(await this.awaitConfirmations(mined))) continue; // reorged out while waiting: look again
        const onChain = await this.chain.getBatch(batch.batchNumber);
        if (!onChain.exists || onChain.merkleRoot !== batch.merkleRoot) continue;
        failpoint("after-confirmations");
        await this.receipts.write(batch, mined, onChain.prevRoot, this.batcher.takeContents(batch.id));
        this.health.latestBatchId = batch.batchNumber;
        this.health.latestRoot = batch.merkleRoot;
        this.health.lastAnchoredAt = batch.confirmedAt;
        return "confirmed";
      }

      // Not mined (yet). Someone else may have used the id, our nonce may be gone, or our
      // transaction may be lost (a dropped reply, a crash before sending) or stuck.
      const number = await this.numberStatus(batch);
      if (number.taken) return this.fail(batch, number.taken);
      if (number.ours) {
        await this.untilNextPoll(); // on chain with our root; the node does not serve its receipt yet
        continue;
      }
      const last = batch.txAttempts[batch.txAttempts.length - 1];
      const sender = Transaction.from(last.raw).from;
      if (sender?.toLowerCase() !== this.chain.wallet.address.toLowerCase()) {
        // Sent by another keeper in its turn, which has ended (a transaction of an ended slot is refused on chain): send it in ours.
        this.log("info", `Batch #${batch.batchNumber} was sent by keeper ${sender} (${last.hash}), not mined: sending it in this keeper's turn`);
        const sent = await this.send(batch);
        if (sent !== "sent") return sent;
        continue;
      }
      const action = await this.monitor.pendingAction(batch.txAttempts);
      if (action === "mined") continue;
      if (action === "renonce") {
        // The nonce was used, and by none of our attempts (none is mined): sign again with a new one.
        this.log("warn", `WARNING: nonce ${last.nonce} of batch #${batch.batchNumber} was used by another transaction -- sending again with a new nonce`);
        const sent = await this.send(batch);
        if (sent !== "sent") return sent;
        continue;
      }
      if (action === "rebroadcast") {
        await this.monitor.resend(last, `batch #${batch.batchNumber}`);
      } else if (action === "replace") {
        if ((await this.replace(batch)) === "paused") return "paused";
      }
      await this.untilNextPoll();
    }
  }

  /**
   * The batch's number on chain: `ours` when it holds our root from one of our attempts (being
   * confirmed), `taken` (the reason) when another anchor has it or a later one, else free.
   */
  private async numberStatus(batch: BatchRecord): Promise<{ ours?: true; taken?: ContractRevert }> {
    const latest = await this.chain.latestBatchId();
    if (latest < batch.batchNumber) return {};
    const onChain = await this.chain.getBatch(batch.batchNumber);
    if (onChain.exists && onChain.merkleRoot === batch.merkleRoot && batch.txAttempts.length > 0) return { ours: true };
    // What the contract would answer, with what the keeper saw.
    const text = `BatchIdNotIncreasing(${batch.batchNumber}, ${latest}): batch id conflict -- latestBatchId on chain is ${latest}${onChain.exists ? `, batch ${batch.batchNumber} holds root ${onChain.merkleRoot}` : ""}`;
    return { taken: { name: "BatchIdNotIncreasing", args: [BigInt(batch.batchNumber), BigInt(latest)], text } };
  }

  /** Signs a new transaction for the batch, records it, then sends it. */
  private async send(batch: BatchRecord): Promise<"sent" | "failed" | "paused"> {
    const call = callOf(batch, await this.currentTurn());
    let gas: bigint;
    try {
      gas = await this.chain.estimateAnchor(call);
    } catch (error) {
      // Refused for the turn (the slot moved on, a fallback a moment early): not the batch's fault.
      if (error instanceof AnchorRevertedError && TURN_ERRORS.has(error.revert.name ?? "")) throw new KppeError("TURN_OVER", `the contract refused the turn: ${error.reason}`);
      if (error instanceof AnchorRevertedError) return this.fail(batch, error.revert);
      throw error;
    }
    const { baseFee, fees } = await this.chain.feesUnder(this.maxFeeWei);
    if (!fees) {
      return this.pauseForFees(`base fee ${gwei(baseFee)} gwei is above the fee cap of ${this.settings.maxFeeGwei} gwei -- anchoring paused until fees fall (batch #${batch.batchNumber} waits)`);
    }
    const nonce = await this.chain.nonce("pending");
    await this.sign(batch, call, { nonce, ...fees, gasLimit: (gas * 6n) / 5n });
    this.log("info", `TX submitted: ${batch.txHash} | batch #${batch.batchNumber}, nonce ${nonce} | waiting for ${this.settings.confirmations} confirmation(s)...`);
    return "sent";
  }

  /** Replaces a stuck transaction (same nonce, higher fees), unless that would pass the fee cap. */
  private async replace(batch: BatchRecord): Promise<"replaced" | "paused"> {
    const last = batch.txAttempts[batch.txAttempts.length - 1];
    const { maxFeePerGas, maxPriorityFeePerGas } = replacementFees(last, await this.chain.currentFees());
    const age = Math.round((Date.now() - Date.parse(last.sentAt)) / 1000);
    if (maxFeePerGas > this.maxFeeWei) {
      return this.pauseForFees(
        `TX ${last.hash} of batch #${batch.batchNumber} pending for ${age}s; replacing it needs ${gwei(maxFeePerGas)} gwei, above the fee cap of ${this.settings.maxFeeGwei} gwei -- anchoring paused until fees fall`,
      );
    }
    const call = callOf(batch, await this.currentTurn());
    const gas = await this.chain.estimateAnchor(call).catch(() => 200_000n);
    await this.sign(batch, call, { nonce: last.nonce, maxFeePerGas, maxPriorityFeePerGas, gasLimit: (gas * 6n) / 5n });
    this.log("warn", `WARNING: TX ${last.hash} pending for ${age}s -- replaced by ${batch.txHash} at ${gwei(maxFeePerGas)} gwei (same nonce ${last.nonce})`);
    return "replaced";
  }

  /** Signs, records the attempt (write-ahead), then broadcasts; the crash points sit between. */
  private async sign(batch: BatchRecord, call: AnchorCall, options: { nonce: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint; gasLimit: bigint }): Promise<void> {
    const attempt = attemptOf((await this.chain.signAnchor(call, options)).raw);
    const update = { status: "submitted" as const, txHash: attempt.hash, txAttempts: [...batch.txAttempts, attempt], error: null };
    await this.anchoring.updateBatch(batch.id, update);
    Object.assign(batch, update);
    failpoint("before-broadcast");
    await this.chain.broadcast(attempt.raw);
    failpoint("after-broadcast");
  }

  /** Why a mined attempt reverted: its own call replayed at the end of its block (with its turn, if it had one). */
  private async revertOf(batch: BatchRecord, mined: MinedTx): Promise<ContractRevert> {
    const tx = Transaction.from(batch.txAttempts.find((a) => a.hash === mined.hash)!.raw);
    return this.chain.replayRevert(tx.data, tx.from!, mined.blockNumber);
  }

  /**
   * The mined attempt that decides the batch: the one that succeeded if any (one keeper's
   * attempts share a nonce, and the batch id admits one anchor); else the latest that reverted,
   * unless (in turns) a later attempt, another keeper's, is still pending and may yet succeed.
   */
  private async findMined(batch: BatchRecord): Promise<MinedTx | undefined> {
    const mined = await this.monitor.findMined(batch.txAttempts);
    // In turns, another keeper's reverted attempt does not decide a batch whose newest attempt may still be mined.
    if (this.turns && mined && !mined.success && mined.hash !== batch.txAttempts.at(-1)!.hash) return undefined;
    return mined;
  }

  /** Waits for the confirmations (the lease renewed meanwhile); false if the transaction left the chain. */
  private awaitConfirmations(mined: MinedTx): Promise<boolean> {
    return this.monitor.awaitConfirmations(mined, {
      onPoll: () => this.renewLease(),
      onStall: (message) => {
        this.log("warn", `WARNING: ${message}`);
        this.setHealth("degraded", message);
      },
    });
  }

  /**
   * Rechecks the latest confirmed batches on chain. One that is gone (a reorg deeper than the
   * confirmations) goes back to `submitted` with its signed transaction, which is sent again
   * (a reorg also rolls the nonce back); its receipts are rewritten once it is confirmed again.
   */
  private async recheckConfirmed(): Promise<void> {
    const recent = await this.anchoring.recentConfirmed(this.target, this.settings.reorgCheckBatches);
    for (const batch of recent.reverse()) {
      const onChain = await this.chain.getBatch(batch.batchNumber);
      if (onChain.exists && onChain.merkleRoot === batch.merkleRoot) continue;
      this.log("warn", `WARNING: batch #${batch.batchNumber} (block ${batch.blockNumber}) is no longer on chain: reorg deeper than ${this.settings.confirmations} confirmations -- re-anchoring it`);
      await this.anchoring.deleteReceipts(batch.id);
      await this.anchoring.updateBatch(batch.id, { status: "submitted", blockNumber: null, confirmedAt: null, error: "reorged out; re-anchoring" });
    }
  }

  /**
   * Marks the batch failed with the reason; its events return to the queue. Later open batches
   * fail with it, so that live batches stay contiguous; the next cut takes the batch id from the chain.
   */
  private async fail(batch: BatchRecord, revert: ContractRevert): Promise<"failed"> {
    const reason = revert.text;
    for (const open of await this.anchoring.openBatches(this.target)) {
      if (open.batchNumber < batch.batchNumber) continue;
      const why = open.id === batch.id ? reason : `follows failed batch #${batch.batchNumber}`;
      await this.anchoring.updateBatch(open.id, { status: "failed", error: why });
    }
    batch.status = "failed";
    batch.error = reason;
    const what = revert.name === "BatchIdNotIncreasing" ? "Batch ID conflict -- latestBatchId mismatch" : "TX reverted";
    this.log("error", `ERROR: ${what}: batch #${batch.batchNumber} failed with ${reason} -- its ${batch.eventCount} events return to the queue; the batch id is resynced from the chain`);
    this.setHealth("degraded", `batch #${batch.batchNumber} failed: ${reason}`);
    return "failed";
  }

  private pauseForFees(message: string): "paused" {
    this.log("warn", `WARNING: ${message}`);
    this.setHealth("paused", message);
    return "paused";
  }

  private async renewLease(): Promise<void> {
    // In turns, the lease is held only in this keeper's turn: when it ends, the next leader takes over the open batch.
    if (this.turns) await this.currentTurn();
    if (Date.now() - this.leaseRenewedAt < this.settings.leaseTtlMs / 3) return;
    if (!(await this.anchoring.acquireLease(this.leaseName, this.holder, this.settings.leaseTtlMs))) {
      throw new KppeError("LEASE_LOST", "another keeper took the anchoring lease (this one stalled longer than LEASE_TTL_MS); standing by");
    }
    this.leaseRenewedAt = Date.now();
  }

  private async untilNextPoll(): Promise<void> {
    await sleep(this.settings.pollMs);
  }

  private async refreshHealth(): Promise<void> {
    const [latestBatchId, totalEventsAnchored, latestRoot, pendingEvents] = await Promise.all([
      this.chain.latestBatchId(),
      this.chain.totalEventsAnchored(),
      this.chain.latestRoot(),
      this.pendingEvents(),
    ]);
    Object.assign(this.health, { latestBatchId, totalEventsAnchored, latestRoot, pendingEvents });
  }

  private setHealth(status: KeeperHealth["status"], message: string | null): void {
    this.health.status = status;
    this.health.message = message;
  }
}

/** Events in the ledger that no live batch for `target` covers yet. */
export async function pendingEvents(store: LedgerStore, target: AnchorTarget): Promise<number> {
  const [head, last] = await Promise.all([store.head(), store.anchoring.lastLiveBatch(target)]);
  return Math.max(0, head.fifo_sequence - (last?.lastSequence ?? 0));
}

/** The store lease that one keeper at a time holds to anchor on `target`. */
export function leaseName(target: AnchorTarget): string {
  return `anchor:${target.chainId}:${target.contract}`;
}

function callOf(batch: BatchRecord, turn?: AnchorCall["turn"]): AnchorCall {
  const call: AnchorCall = { batchNumber: batch.batchNumber, merkleRoot: batch.merkleRoot, eventCount: batch.eventCount, treeDepth: batch.treeDepth, batchTimestamp: batch.batchTimestamp };
  if (batch.logRoot !== null) call.checkpoint = { logSize: batch.lastSequence, logRoot: batch.logRoot, consistencyProof: batch.logProof ?? [], witnessSignatures: batch.witnessSignatures ?? "0x" };
  if (turn) call.turn = turn;
  return call;
}

/** KPPEAnchorScheduled's refusals of a turn: the batch is fine, the moment or the sender was not. */
const TURN_ERRORS = new Set(["WrongSlot", "FallbackTooEarly", "NotInSchedule", "NoSchedule"]);

const gwei = (wei: bigint) => formatUnits(wei, "gwei");
