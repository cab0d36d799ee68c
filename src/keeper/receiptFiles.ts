import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../hashing/hashers.ts";
import type { ConfirmingHook } from "./batchReceipts.ts";
import type { TaskLog } from "../runtime/taskLog.ts";

/**
 * The file name of an event's receipt: its id, percent-encoded so that no id can name another
 * folder, and shortened with a hash of the id when it would be too long for a file system.
 */
export function receiptFileName(eventId: string): string {
  const encoded = encodeURIComponent(eventId);
  return (encoded.length <= 200 ? encoded : `${encoded.slice(0, 150)}~${sha256Hex(eventId).slice(2, 18)}`) + ".json";
}

/**
 * Writes each confirmed event's anchor receipt to `dir` as it is confirmed, each file whole or not
 * at all (written beside, then renamed). Runs before the batch is marked confirmed, so a keeper
 * stopped half-way writes the batch's receipts again when it resumes.
 */
export function receiptFileWriter(dir: string, log: TaskLog): ConfirmingHook {
  return async (batch, receipt) => {
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < batch.eventCount; i++) {
      const built = await receipt(i);
      const file = join(dir, receiptFileName(built.event.event_id));
      await writeFile(`${file}.tmp`, JSON.stringify(built, null, 2) + "\n");
      await rename(`${file}.tmp`, file);
    }
    log("info", `Receipts written for ${batch.eventCount} events to ${dir}/`);
  };
}
