import { eventHash, GENESIS_PREV_HASH } from "../hashing/eventHash.ts";
import { CompactRange } from "../log/compactRange.ts";
import { contentHash } from "./ledger.ts";
import type { LedgerEntry, LedgerHead } from "./types.ts";

export interface AuditResult {
  ok: boolean;
  /** Entries checked before the first problem (or all of them). */
  checked: number;
  /** The last entry that checked out. */
  head: LedgerHead;
  problem?: { fifo_sequence: number; reason: string };
  /** The log root recomputed from the entries at `logSizeToCheck`, when the audit got that far. */
  logRoot?: string;
}

/**
 * Why `entry` cannot follow `head` in a ledger, or undefined when it can: a gap or repeat in the
 * sequence, an `observed_prev_hash` that is not the head's `event_hash`, an `event_hash` that
 * does not recompute, or submitted content (fields and `data`) that does not match `content_hash`.
 * The one rule both the audit and the storage nodes apply.
 */
export function checkNext(head: LedgerHead, entry: LedgerEntry): string | undefined {
  if (entry.fifo_sequence !== head.fifo_sequence + 1) return `gap: expected sequence ${head.fifo_sequence + 1}, received ${entry.fifo_sequence}`;
  if (entry.observed_prev_hash !== head.event_hash) return `broken link: observed_prev_hash ${entry.observed_prev_hash} is not ${head.event_hash}`;
  let recomputed: string;
  try {
    recomputed = eventHash(entry);
  } catch (error) {
    return `malformed entry: ${(error as Error).message}`;
  }
  if (recomputed !== entry.event_hash) return `event_hash ${entry.event_hash} does not recompute (${recomputed})`;
  const { version, event_id, previous_event_hash, payload_hash, source_id, local_timestamp, data } = entry;
  let content: string;
  try {
    content = contentHash({ version: version as "0.1", event_id, previous_event_hash, payload_hash, source_id, local_timestamp, data });
  } catch (error) {
    return `malformed entry: ${(error as Error).message}`;
  }
  if (content !== entry.content_hash) return "content (data or fields) does not match its content_hash";
  return undefined;
}

/**
 * Walks a ledger from sequence 1 in pages and reports the first entry that fails `checkNext`.
 * With `logSizeToCheck`, it also recomputes the log root at that size from the entries (not from
 * any stored hash), for the caller to compare with the stored log or a served checkpoint.
 */
export async function auditLedger(
  read: (from: number, limit: number) => Promise<LedgerEntry[]>,
  options: { pageSize?: number; onProgress?: (checked: number) => void; logSizeToCheck?: number } = {},
): Promise<AuditResult> {
  const pageSize = options.pageSize ?? 1000;
  let head: LedgerHead = { fifo_sequence: 0, event_hash: GENESIS_PREV_HASH };
  const log = new CompactRange();
  let logRoot = options.logSizeToCheck === 0 ? log.root() : undefined;
  for (;;) {
    const page = await read(head.fifo_sequence + 1, pageSize);
    for (const entry of page) {
      const reason = checkNext(head, entry);
      if (reason) return { ok: false, checked: head.fifo_sequence, head, problem: { fifo_sequence: entry.fifo_sequence, reason }, logRoot };
      head = { fifo_sequence: entry.fifo_sequence, event_hash: entry.event_hash };
      if (options.logSizeToCheck !== undefined && log.size < options.logSizeToCheck) {
        log.append(entry.event_hash, entry.content_hash);
        if (log.size === options.logSizeToCheck) logRoot = log.root();
      }
    }
    options.onProgress?.(head.fifo_sequence);
    if (page.length < pageSize) return { ok: true, checked: head.fifo_sequence, head, logRoot };
  }
}
