import { streamLines } from "../client/stream.ts";
import { checkNext } from "../ledger/audit.ts";
import type { LedgerEntry, LedgerHead } from "../ledger/types.ts";
import type { LedgerStore } from "../store/types.ts";
import type { ChainCheckpoint } from "../chain/anchorChain.ts";
import { parseVerifierKey } from "../log/note.ts";
import { StoredLog } from "../log/storedLog.ts";
import { anchoredRanges, trustedByCheckpoints, trustedThrough, type AnchoredRange, type AnchorReader } from "./anchored.ts";
import { signCommitment, type Commitment, type MessageSigner } from "./commitment.ts";
import { LogMonitor } from "./monitor.ts";

/** How long to wait before reconnecting after a refused entry or a network error. */
export const RESYNC_DELAY_MS = 2_000;
/** Most entries appended in one local transaction. */
const APPEND_CHUNK = 1_000;

export type NodeEvent =
  | { type: "appended"; head: LedgerHead; count: number }
  | { type: "refused"; fifo_sequence: number; reason: string }
  | { type: "committed"; commitment: Commitment }
  | { type: "discarded"; from: number; to: number; reason: string }
  | { type: "error"; message: string };

/**
 * A storage node: pulls the gateway's /stream from its own head + 1, checks every sequence,
 * link, event hash and content hash, appends to its own store, and reports a signed commitment
 * to its new head. A bad entry stops the append (nothing after it is taken), is reported, and
 * the node reconnects from its last verified entry after RESYNC_DELAY_MS.
 *
 * With `anchors` (KPPEAnchor), the copy is also checked against the anchored roots. On a contract
 * that anchors log checkpoints, the node keeps the RFC 9162 log over its copy and compares its
 * root with the anchored log roots (O(log n) chain reads, src/replication/anchored.ts); on an older
 * one, each anchored range the node holds must recompute its K-PPE root. When the gateway's history does not extend the
 * node's (its next entry does not link to the node's head), the anchored roots decide: the node
 * keeps what they confirm, discards the rest of its copy, and resyncs from there; a gateway
 * whose entries contradict an anchored root is refused.
 *
 * With `logKey` (the log's verifier key), the node also checks every checkpoint the gateway
 * serves: signed by that key, never smaller than the last one it saw, never a second root for one
 * size, consistent with the last one (RFC 9162 proof), and, up to the node's own size, giving the
 * root of the entries the gateway streamed to it. A gateway that signs one history and streams
 * another (a split view) is refused, with the signed checkpoint as evidence in the reason.
 */
export class StorageNode {
  problem: { fifo_sequence: number; reason: string; at: string } | undefined;
  private readonly gatewayUrl: string;
  private readonly store: LedgerStore;
  private readonly wallet: MessageSigner;
  private readonly onEvent: (event: NodeEvent) => void;
  private abort = new AbortController();
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly anchors: AnchorReader | undefined;
  private readonly anchorRefreshMs: number;
  private ranges: AnchoredRange[] = [];
  private rangesReadAt = 0;
  /** The copy matches the anchored roots up to here. */
  private trusted = 0;
  /** The log over this copy, kept in its store. */
  private readonly log: StoredLog;
  /** Anchored checkpoints read so far, and the checkpointed batch ids (first 0: none yet). */
  private readonly checkpoints = new Map<number, ChainCheckpoint>();
  private checkpointIds = { first: 0, latest: 0 };
  /** With a log key: follows the gateway's checkpoints, as a monitor does, plus this copy's check. */
  private readonly monitor: LogMonitor | undefined;

  constructor(options: {
    gatewayUrl: string;
    store: LedgerStore;
    wallet: MessageSigner;
    onEvent?: (event: NodeEvent) => void;
    anchors?: AnchorReader;
    /** How often to look for new anchored batches while the copy grows past them (default 10 s). */
    anchorRefreshMs?: number;
    /** The log's verifier key: check the checkpoints the gateway serves against the copy. */
    logKey?: string;
  }) {
    this.gatewayUrl = options.gatewayUrl.replace(/\/$/, "");
    this.store = options.store;
    this.wallet = options.wallet;
    this.onEvent = options.onEvent ?? (() => undefined);
    this.anchors = options.anchors;
    this.anchorRefreshMs = options.anchorRefreshMs ?? 10_000;
    this.log = new StoredLog(this.store.log);
    this.monitor = options.logKey ? new LogMonitor({ gatewayUrl: this.gatewayUrl, logKey: parseVerifierKey(options.logKey), signal: () => this.abort.signal }) : undefined;
  }

  get id(): string {
    return this.wallet.address;
  }

  start(): void {
    this.stopped = false;
    this.abort = new AbortController();
    this.running ??= this.loop().finally(() => (this.running = undefined));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.follow();
      } catch (error) {
        if (this.stopped) break;
        this.onEvent({ type: "error", message: `${(error as Error).message}; reconnecting in ${RESYNC_DELAY_MS} ms` });
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, RESYNC_DELAY_MS));
    }
  }

  /** One connection: read, check and append until the stream ends, breaks, or carries a bad entry. */
  private async follow(): Promise<void> {
    const connectedAt = await this.store.head();
    if (!(await this.checkAnchored(connectedAt))) return;
    // Closed when this connection is left for any reason, so a refused stream never lingers open.
    const connection = new AbortController();
    const signal = AbortSignal.any([this.abort.signal, connection.signal]);
    try {
      await this.read(connectedAt, streamLines(this.gatewayUrl, connectedAt.fifo_sequence + 1, { follow: true, signal }));
    } finally {
      connection.abort();
    }
  }

  /** Checks and appends what one connection brings, until it ends or carries a bad entry. */
  private async read(connectedAt: LedgerHead, stream: AsyncGenerator<string[]>): Promise<void> {
    let head = connectedAt;
    for await (const lines of stream) {
      const verified: LedgerEntry[] = [];
      let refused: { fifo_sequence: number; reason: string } | undefined;
      let forked = false;
      for (const line of lines) {
        let entry: LedgerEntry;
        try {
          entry = JSON.parse(line) as LedgerEntry;
        } catch {
          refused = { fifo_sequence: head.fifo_sequence + 1, reason: "not a JSON ledger entry" };
          break;
        }
        const reason = checkNext(head, entry);
        if (reason) {
          refused = { fifo_sequence: entry.fifo_sequence, reason };
          // The gateway's very first entry does not link to our head: its history is not ours.
          forked = head === connectedAt && entry.fifo_sequence === head.fifo_sequence + 1 && entry.observed_prev_hash !== head.event_hash;
          break;
        }
        verified.push(entry);
        head = { fifo_sequence: entry.fifo_sequence, event_hash: entry.event_hash };
      }
      if (verified.length > 0) {
        await this.append(verified);
        if (!(await this.checkAnchored(head))) return;
        if (!(await this.checkServedCheckpoint())) return;
      }
      if (forked && this.anchors) {
        await this.diverged(head);
        return;
      }
      if (refused) {
        this.problem = { ...refused, at: new Date().toISOString() };
        this.onEvent({ type: "refused", ...refused });
        return; // the loop resyncs from the last verified entry
      }
    }
  }

  /**
   * Checks the anchored ranges the copy now holds. On a root the copy does not give, discards
   * the copy back to the last confirmed range, reports it, and returns false (reconnect).
   */
  private async checkAnchored(head: LedgerHead): Promise<boolean> {
    if (!this.anchors) return true;
    const lastKnown = this.checkpointIds.first > 0 ? (this.checkpoints.get(this.checkpointIds.latest)?.logSize ?? 0) : (this.ranges.at(-1)?.lastSequence ?? 0);
    if (head.fifo_sequence > lastKnown && Date.now() - this.rangesReadAt >= this.anchorRefreshMs) await this.readRanges();
    const { trusted, mismatch } = await this.agreement();
    this.trusted = trusted;
    if (!mismatch) return true;
    const what = this.checkpointIds.first > 0 ? "anchored log root" : "anchored root";
    const reason = `entries ${mismatch.firstSequence}-${mismatch.lastSequence} do not give batch #${mismatch.batchId}'s ${what} ${mismatch.root}`;
    await this.discard(trusted, head, reason);
    this.problem = { fifo_sequence: mismatch.firstSequence, reason, at: new Date().toISOString() };
    this.onEvent({ type: "refused", fifo_sequence: mismatch.firstSequence, reason });
    return false;
  }

  /** Checks the gateway's latest checkpoint against the last one seen and against this copy; false (and reported) when it does not hold. */
  private async checkServedCheckpoint(): Promise<boolean> {
    if (!this.monitor) return true;
    const event = await this.monitor.check(async (checkpoint) => {
      await this.log.integrate();
      if (checkpoint.size > (await this.log.size())) return undefined;
      const mine = await this.log.root(checkpoint.size);
      return mine === checkpoint.root ? undefined : `split view: the gateway signed root ${checkpoint.root} for size ${checkpoint.size}, but the entries it streamed to this node give ${mine}`;
    });
    if (event.type === "checked") return true;
    const { size, reason, evidence } = event.alarm;
    const refusal = `${reason}; the gateway's signed checkpoint:\n${evidence[evidence.length - 1]}`;
    this.problem = { fifo_sequence: size, reason: refusal, at: new Date().toISOString() };
    this.onEvent({ type: "refused", fifo_sequence: size, reason: refusal });
    return false;
  }

  /** The gateway's next entry does not link to our head: keep what the anchored roots confirm, drop the rest. */
  private async diverged(head: LedgerHead): Promise<void> {
    await this.readRanges();
    const { trusted } = await this.agreement();
    this.trusted = trusted;
    if (trusted < head.fifo_sequence) {
      await this.discard(trusted, head, `the gateway's history differs after sequence ${trusted}, the end of the last anchored batch this copy matches`);
      return;
    }
    const reason = `the gateway's entry ${head.fifo_sequence + 1} does not extend this copy, whose last entry the anchored roots confirm: not taking it`;
    this.problem = { fifo_sequence: head.fifo_sequence + 1, reason, at: new Date().toISOString() };
    this.onEvent({ type: "refused", fifo_sequence: head.fifo_sequence + 1, reason });
  }

  /** How far the copy agrees with the chain: by the anchored log checkpoints when there are any. */
  private async agreement(): Promise<{ trusted: number; mismatch?: AnchoredRange }> {
    if (this.checkpointIds.first === 0) return trustedThrough(this.store, this.ranges, this.trusted);
    await this.log.integrate();
    return trustedByCheckpoints(this.anchors!, this.log, this.checkpointIds, this.checkpoints);
  }

  private async readRanges(): Promise<void> {
    const anchors = this.anchors!;
    const first = this.checkpointIds.first || (await anchors.firstCheckpointBatchId());
    if (first > 0) this.checkpointIds = { first, latest: await anchors.latestBatchId() };
    else this.ranges = await anchoredRanges(anchors, this.ranges);
    this.rangesReadAt = Date.now();
  }

  private async discard(keep: number, head: LedgerHead, reason: string): Promise<void> {
    if (keep >= head.fifo_sequence) return;
    await this.store.discardAfter(keep);
    this.onEvent({ type: "discarded", from: keep + 1, to: head.fifo_sequence, reason });
  }

  private async append(entries: LedgerEntry[]): Promise<void> {
    for (let start = 0; start < entries.length; start += APPEND_CHUNK) {
      const chunk = entries.slice(start, start + APPEND_CHUNK);
      await this.store.writeTransaction(async (tx) => {
        const local = await tx.head();
        if (local.event_hash !== chunk[0].observed_prev_hash) throw new Error(`local head moved to ${local.fifo_sequence}; resyncing`);
        await tx.insert(chunk);
      });
    }
    const last = entries[entries.length - 1];
    const head = { fifo_sequence: last.fifo_sequence, event_hash: last.event_hash };
    this.problem = undefined;
    this.onEvent({ type: "appended", head, count: entries.length });
    await this.report(head);
  }

  private async report(head: LedgerHead): Promise<void> {
    const commitment = await signCommitment(this.wallet, head);
    try {
      const response = await fetch(`${this.gatewayUrl}/commitments`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(commitment) });
      if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
      this.onEvent({ type: "committed", commitment });
    } catch (error) {
      this.onEvent({ type: "error", message: `commitment not reported: ${(error as Error).message}` });
    }
  }
}
