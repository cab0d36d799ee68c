import { streamLines } from "../gateway/streamClient.ts";
import { checkNext } from "../ledger/audit.ts";
import type { LedgerEntry, LedgerHead } from "../ledger/types.ts";
import type { LedgerStore } from "../store/types.ts";
import { signCommitment, type Commitment, type MessageSigner } from "./commitment.ts";

/** How long to wait before reconnecting after a refused entry or a network error. */
export const RESYNC_DELAY_MS = 2_000;
/** Most entries appended in one local transaction. */
const APPEND_CHUNK = 1_000;

export type NodeEvent =
  | { type: "appended"; head: LedgerHead; count: number }
  | { type: "refused"; fifo_sequence: number; reason: string }
  | { type: "committed"; commitment: Commitment }
  | { type: "error"; message: string };

/**
 * A storage node: pulls the gateway's /stream from its own head + 1, checks every sequence,
 * link, event hash and content hash, appends to its own store, and reports a signed commitment
 * to its new head. A bad entry stops the append (nothing after it is taken), is reported, and
 * the node reconnects from its last verified entry after RESYNC_DELAY_MS.
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

  constructor(options: { gatewayUrl: string; store: LedgerStore; wallet: MessageSigner; onEvent?: (event: NodeEvent) => void }) {
    this.gatewayUrl = options.gatewayUrl.replace(/\/$/, "");
    this.store = options.store;
    this.wallet = options.wallet;
    this.onEvent = options.onEvent ?? (() => undefined);
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
    let head = await this.store.head();
    for await (const lines of streamLines(this.gatewayUrl, head.fifo_sequence + 1, { follow: true, signal: this.abort.signal })) {
      const verified: LedgerEntry[] = [];
      let refused: { fifo_sequence: number; reason: string } | undefined;
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
          break;
        }
        verified.push(entry);
        head = { fifo_sequence: entry.fifo_sequence, event_hash: entry.event_hash };
      }
      if (verified.length > 0) await this.append(verified);
      if (refused) {
        this.problem = { ...refused, at: new Date().toISOString() };
        this.onEvent({ type: "refused", ...refused });
        return; // the loop resyncs from the last verified entry
      }
    }
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
