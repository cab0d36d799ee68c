import { auditLedger } from "../../src/ledger/audit.ts";
import { parseCheckpoint, parseNote } from "../../src/log/note.ts";
import { StoredLog } from "../../src/log/storedLog.ts";
import type { LedgerEntry } from "../../src/ledger/types.ts";
import { openStore } from "../../src/store/open.ts";
import type { LedgerStore } from "../../src/store/types.ts";
import { streamLines } from "../../src/client/stream.ts";
import { userFacing } from "../errors.ts";
import type { ledgerAuditTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

/**
 * Pages of a gateway's /stream, so a remote ledger is audited with the same code as a local one.
 * One connection from sequence 1 serves every page (the audit reads pages in order).
 */
function readThroughGateway(url: string) {
  const lines = streamLines(url, 1);
  const buffered: string[] = [];
  const read = async (_from: number, limit: number): Promise<LedgerEntry[]> => {
    while (buffered.length < limit) {
      const next = await lines.next();
      if (next.done) break;
      buffered.push(...next.value);
    }
    return buffered.splice(0, limit).map((line) => JSON.parse(line) as LedgerEntry);
  };
  return { read, close: async () => void (await lines.return(undefined)) };
}

export default function audit(args: TaskArgs<typeof ledgerAuditTask>): Promise<void> {
  return userFacing(() => run(args));
}

async function run({ store, url }: { store: string; url: string }): Promise<void> {
  const ledgerStore = url ? undefined : await openStore(store);
  const gateway = url ? readThroughGateway(url) : undefined;
  const source = url ? `gateway ${url}` : ledgerStore!.location;
  try {
    const read = gateway ? gateway.read : (from: number, limit: number) => ledgerStore!.range(from, limit);
    // The log to compare with the entries: the store's own hashes, or the gateway's checkpoint.
    const claimed = ledgerStore ? await storedLog(ledgerStore) : await servedCheckpoint(url);
    const result = await auditLedger(read, { onProgress: (n) => process.stderr.write(`\rchecked ${n} entries`), logSizeToCheck: claimed?.size });
    process.stderr.write("\n");
    if (!result.ok) {
      console.log(`${source}: BROKEN at sequence ${result.problem!.fifo_sequence}: ${result.problem!.reason}`);
      console.log(`the ${result.checked} entries before it verify (last good event_hash ${result.head.event_hash})`);
      process.exitCode = 1;
      return;
    }
    console.log(`${source}: the chain verifies: ${result.checked} entries, head ${result.head.event_hash}`);
    if (!claimed) return;
    const rebuild = ledgerStore ? " (the stored hashes are derived data: delete log_chunks and set log_state.size to 0, and they are rebuilt from the entries)" : "";
    const problem =
      claimed.badChunk ??
      (result.logRoot === undefined
        ? `covers ${claimed.size} entries, more than the ${result.checked} served`
        : result.logRoot !== claimed.root
          ? `at size ${claimed.size} has root ${claimed.root}, the entries give ${result.logRoot}`
          : undefined);
    if (problem) {
      console.log(`${claimed.what} ${problem}: NOT CONSISTENT${rebuild}`);
      process.exitCode = 1;
    } else {
      console.log(`${claimed.what} matches the entries: size ${claimed.size}, root ${claimed.root}`);
    }
  } finally {
    await gateway?.close();
    await ledgerStore?.close();
  }
}

interface ClaimedLog {
  what: string;
  size: number;
  root: string;
  /** A stored chunk whose hashes the entries do not give. */
  badChunk?: string;
}

/** The stored log, every node hash of it recomputed from the entries and compared. */
async function storedLog(store: LedgerStore): Promise<ClaimedLog> {
  const log = new StoredLog(store.log);
  const { size, mismatch } = await log.audit({ onProgress: (n) => process.stderr.write(`\rlog: recomputed ${n} entries`) });
  process.stderr.write("\n");
  return {
    what: "the stored log",
    size,
    root: await log.root(size),
    badChunk: mismatch && `holds node hashes at level ${mismatch.level}, chunk ${mismatch.index}, that the entries do not give`,
  };
}

/** The gateway's latest checkpoint; its signature is not checked here (anchor:verify --log-key does that). */
async function servedCheckpoint(url: string): Promise<ClaimedLog | undefined> {
  const response = await fetch(`${url.replace(/\/$/, "")}/checkpoint`).catch(() => undefined);
  if (!response?.ok) return undefined;
  const checkpoint = parseCheckpoint(parseNote(await response.text()).text);
  return { what: "the gateway's checkpoint (signature not checked)", size: checkpoint.size, root: checkpoint.root };
}
