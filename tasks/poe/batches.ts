import { openStore } from "../../src/store/open.ts";
import { userFacing } from "../errors.ts";
import type { poeBatchesTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof poeBatchesTask>;

/** Lists the newest FlowPay batches. */
export default function poeBatches(args: Args): Promise<void> {
  return userFacing(async () => {
    const store = await openStore(args.store);
    try {
      const batches = await store.poe.listPoeBatches(Math.max(1, Math.min(args.limit, 10_000)));
      if (args.json) {
        console.log(JSON.stringify(batches, null, 2));
        return;
      }
      if (batches.length === 0) {
        console.log(`no PoE batches in ${store.location}: add orders with npx hardhat poe:add-order`);
        return;
      }
      // One line per batch, short hashes: the whole records are in --json.
      const short = (hash: string | null | undefined) => (hash ? `${hash.slice(0, 10)}…${hash.slice(-6)}` : "-");
      const rows = batches.map((b) => [
        `#${b.id}`,
        b.status,
        String(b.batchSize),
        short(b.merkleRoot),
        short(b.anchorTxHash),
        b.network ?? "-",
        b.anchoredAt ?? `opened ${b.createdAt}`,
        b.error ?? "",
      ]);
      const header = ["batch", "status", "orders", "root", "anchor tx", "network", "anchored at", ""];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      for (const row of [header, ...rows]) console.log(row.map((cell, i) => (i === 2 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ").trimEnd());
      console.log(`(newest first; full hashes with --json)`);
    } finally {
      await store.close();
    }
  });
}
