import type { PootStore } from "./sqlPootStore.ts";
import type { Source } from "../ledger/sources.ts";
import type { LogStore } from "../log/store.ts";
import type { WitnessStore } from "../log/witnessStore.ts";
import type { LedgerEntry } from "../ledger/types.ts";
import type { AnchorTarget } from "../chain/anchorChain.ts";
import type { TxAttempt } from "../chain/txMonitor.ts";
import type { LedgerStorePort, LedgerTx } from "../ledger/storePort.ts";

import type { AnchorStore } from "./anchorStore.ts";
import type { PoeStore } from "./poeStore.ts";

export type { AnchorTarget, LedgerTx, TxAttempt };
// One import for what the stores keep, each domain's types in its own file.
export type * from "./anchorStore.ts";
export type * from "./poeStore.ts";

/**
 * A ledger's database: the ledger's port (src/ledger/storePort.ts) and what the rest of the
 * pipeline reads and keeps beside it. Each backend owns its SQL and migrations.
 */
export interface LedgerStore extends LedgerStorePort {
  readonly kind: "sqlite" | "postgres";
  /** A description safe to log (no credentials). */
  readonly location: string;
  /** The keeper's batches, receipts and leases, kept in the same database as the ledger. */
  readonly anchoring: AnchorStore;
  /** FlowPay's order batches, in the same database. */
  readonly poe: PoeStore;
  /** Lucid's PoOT task proofs, tallies and leader schedules, in the same database. */
  readonly poot: PootStore;
  /** The RFC 9162 log's node hashes over the ledger, in the same database (src/log). */
  readonly log: LogStore;
  /** A storage node's witness state: the last checkpoint it cosigned, per log. */
  readonly witness: WitnessStore;
  findByEventId(eventId: string): Promise<LedgerEntry | undefined>;
  /** Entries with fifo_sequence >= `from`, in order, at most `limit`. */
  range(from: number, limit: number): Promise<LedgerEntry[]>;
  findSourceByKeyHash(apiKeyHash: string): Promise<Source | undefined>;
  findSource(sourceId: string): Promise<Source | undefined>;
  /** Creates a source; fails if `source_id` exists. */
  createSource(source: Source): Promise<void>;
  /** Adds credits to a limited source and returns the new balance. */
  addCredits(sourceId: string, credits: number): Promise<number | null>;
  /**
   * Removes the entries after `sequence` and returns how many. Only a storage node calls this, on
   * its own copy, when anchored roots show that its tail is not the ledger's; a gateway's ledger
   * is never edited (its triggers refuse every other UPDATE and DELETE).
   */
  discardAfter(sequence: number): Promise<number>;
  close(): Promise<void>;
}
