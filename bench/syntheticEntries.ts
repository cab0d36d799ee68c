import { randomBytes } from "node:crypto";
import type { LedgerEntry } from "../src/ledger/types.ts";
import type { LedgerStore } from "../src/store/types.ts";

/** A random 32-byte hash as the ledger writes one. */
export const hex = () => "0x" + randomBytes(32).toString("hex");

/**
 * Appends `count` entries after the store's head, straight through the store (the ledger's rules
 * are not what the benchmarks measure): random hashes, chained as the ledger chains them, event
 * ids from `eventId(i)`, 8,192 per append; `onProgress(appended)` after each append.
 */
export async function appendSyntheticEntries(store: LedgerStore, count: number, eventId: (i: number) => string, onProgress?: (appended: number) => void): Promise<void> {
  const CHUNK = 8192;
  const head = await store.head();
  let previous = head.event_hash;
  for (let done = 0; done < count; done += CHUNK) {
    const entries: LedgerEntry[] = [];
    for (let i = done; i < Math.min(done + CHUNK, count); i++) {
      const event_hash = hex();
      entries.push({
        fifo_sequence: head.fifo_sequence + i + 1, version: "0.1", event_id: eventId(i), payload_hash: hex(), source_id: "bench", local_timestamp: null,
        previous_event_hash: null, observed_prev_hash: previous, event_hash, content_hash: hex(), accepted_at: new Date().toISOString(), data: null,
      });
      previous = event_hash;
    }
    await store.append(entries);
    onProgress?.(done + entries.length);
  }
}
