import { auditLedger } from "../../src/ledger/audit.ts";
import type { LedgerEntry } from "../../src/ledger/types.ts";
import { openStore } from "../../src/store/open.ts";
import { streamLines } from "../../src/gateway/streamClient.ts";
import { userFacing } from "../errors.ts";

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

export default function audit(args: { store: string; url: string }): Promise<void> {
  return userFacing(() => run(args));
}

async function run({ store, url }: { store: string; url: string }): Promise<void> {
  const ledgerStore = url ? undefined : await openStore(store);
  const gateway = url ? readThroughGateway(url) : undefined;
  const source = url ? `gateway ${url}` : ledgerStore!.location;
  try {
    const read = gateway ? gateway.read : (from: number, limit: number) => ledgerStore!.range(from, limit);
    const result = await auditLedger(read, { onProgress: (n) => process.stderr.write(`\rchecked ${n} entries`) });
    process.stderr.write("\n");
    if (result.ok) {
      console.log(`${source}: the chain verifies: ${result.checked} entries, head ${result.head.event_hash}`);
    } else {
      console.log(`${source}: BROKEN at sequence ${result.problem!.fifo_sequence}: ${result.problem!.reason}`);
      console.log(`the ${result.checked} entries before it verify (last good event_hash ${result.head.event_hash})`);
      process.exitCode = 1;
    }
  } finally {
    await gateway?.close();
    await ledgerStore?.close();
  }
}
