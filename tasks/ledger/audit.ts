import { auditLedger } from "../../src/ledger/audit.ts";
import type { LedgerEntry } from "../../src/ledger/types.ts";
import { DEFAULT_STORE, openStore } from "../../src/store/open.ts";
import { userError } from "../errors.ts";

/** Pages of a gateway's /stream, so a remote ledger is audited with the same code as a local one. */
function readThroughGateway(url: string) {
  return async (from: number, limit: number): Promise<LedgerEntry[]> => {
    const response = await fetch(`${url}/stream?from_sequence=${from}`).catch((cause) => {
      throw userError(`cannot reach the gateway at ${url} (${(cause as Error).message})`);
    });
    if (!response.ok) throw userError(`${url}/stream answered ${response.status}`);
    const lines = (await response.text()).split("\n").filter(Boolean).slice(0, limit);
    return lines.map((line) => JSON.parse(line) as LedgerEntry);
  };
}

export default async function audit({ store, url }: { store: string; url: string }): Promise<void> {
  const ledgerStore = url ? undefined : await openStore(store || process.env.KPPE_STORE || DEFAULT_STORE);
  const source = url ? `gateway ${url}` : ledgerStore!.location;
  try {
    const read = ledgerStore ? (from: number, limit: number) => ledgerStore.range(from, limit) : readThroughGateway(url);
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
    await ledgerStore?.close();
  }
}
