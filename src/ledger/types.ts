import { KppeError } from "../errors.ts";
import type { SubmittedContent } from "../hashing/contentText.ts";
import type { LedgerEntryFields } from "../hashing/eventHash.ts";

/** The Proof of Event v0.1 error codes, exactly. The gateway maps each to an HTTP status. */
export const LEDGER_ERRORS = [
  "ERR_BAD_FORMAT",
  "ERR_BAD_VERSION",
  "ERR_BAD_PREV_HASH",
  "ERR_NO_TOKEN",
  "ERR_RATE_LIMIT",
  "ERR_DUPLICATE_EVENT",
  "ERR_FIFO_DOWN",
  "ERR_INTERNAL",
] as const;
export type LedgerErrorCode = (typeof LEDGER_ERRORS)[number];

export class LedgerError extends KppeError {
  declare readonly code: LedgerErrorCode;
  constructor(code: LedgerErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, { details });
    this.name = "LedgerError";
  }
}

/** An event as a client submits it, after validation. */
export interface SubmittedEvent extends SubmittedContent {
  version: "0.1";
}

/** One accepted, immutable ledger entry: the fields its event_hash commits to, and the rest. */
export interface LedgerEntry extends LedgerEntryFields {
  previous_event_hash: string | null;
  event_hash: string;
  /** sha256 of the submitted content: tells a safe retry from a conflicting reuse of an event_id. */
  content_hash: string;
  accepted_at: string;
  data: unknown;
}

export interface LedgerHead {
  /** 0 for an empty ledger. */
  fifo_sequence: number;
  event_hash: string;
}

/** The enqueue receipt, sent only after the entry is durable. */
export interface EnqueueReceipt {
  accepted: true;
  event_id: string;
  fifo_sequence: number;
  event_hash: string;
  observed_prev_hash: string;
  accepted_at: string;
  /** True when this answers a retry of an event already in the ledger (nothing was charged or written). */
  duplicate?: true;
}

export function receiptOf(entry: LedgerEntry, duplicate = false): EnqueueReceipt {
  const receipt: EnqueueReceipt = {
    accepted: true,
    event_id: entry.event_id,
    fifo_sequence: entry.fifo_sequence,
    event_hash: entry.event_hash,
    observed_prev_hash: entry.observed_prev_hash,
    accepted_at: entry.accepted_at,
  };
  if (duplicate) receipt.duplicate = true;
  return receipt;
}
