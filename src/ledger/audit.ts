import { eventHash, GENESIS_PREV_HASH } from "../hashing/eventHash.ts";
import type { LedgerEntry, LedgerHead } from "./types.ts";

export interface AuditResult {
  ok: boolean;
  /** Entries checked before the first problem (or all of them). */
  checked: number;
  /** The last entry that checked out. */
  head: LedgerHead;
  problem?: { fifo_sequence: number; reason: string };
}

/**
 * Walks a ledger from sequence 1 in pages and reports the first broken link: a gap or repeat in
 * the sequence, an `observed_prev_hash` that is not the previous entry's `event_hash`, or an
 * `event_hash` that does not recompute.
 */
export async function auditLedger(
  read: (from: number, limit: number) => Promise<LedgerEntry[]>,
  options: { pageSize?: number; onProgress?: (checked: number) => void } = {},
): Promise<AuditResult> {
  const pageSize = options.pageSize ?? 1000;
  let head: LedgerHead = { fifo_sequence: 0, event_hash: GENESIS_PREV_HASH };
  for (;;) {
    const page = await read(head.fifo_sequence + 1, pageSize);
    for (const entry of page) {
      const expected = head.fifo_sequence + 1;
      const fail = (reason: string): AuditResult => ({ ok: false, checked: head.fifo_sequence, head, problem: { fifo_sequence: entry.fifo_sequence, reason } });
      if (entry.fifo_sequence !== expected) return fail(`expected sequence ${expected}, found ${entry.fifo_sequence}`);
      if (entry.observed_prev_hash !== head.event_hash) {
        return fail(`observed_prev_hash ${entry.observed_prev_hash} is not the event_hash of sequence ${head.fifo_sequence} (${head.event_hash})`);
      }
      let recomputed: string;
      try {
        recomputed = eventHash(entry);
      } catch (error) {
        return fail(`entry does not hash: ${(error as Error).message}`);
      }
      if (recomputed !== entry.event_hash) return fail(`event_hash ${entry.event_hash} does not recompute (${recomputed})`);
      head = { fifo_sequence: entry.fifo_sequence, event_hash: entry.event_hash };
    }
    options.onProgress?.(head.fifo_sequence);
    if (page.length < pageSize) return { ok: true, checked: head.fifo_sequence, head };
  }
}
