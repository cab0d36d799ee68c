import { openStore } from "../../src/store/open.ts";
import { userFacing } from "../errors.ts";

interface Args {
  store: string;
  limit: number;
  json: boolean;
}

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
      console.table(
        batches.map((b) => ({
          batch: b.id,
          status: b.status,
          orders: b.batchSize,
          merkle_root: b.merkleRoot ?? "",
          checkpoint: b.checkpointHash ?? "",
          anchor_tx: b.anchorTxHash ?? "",
          network: b.network ?? "",
          created_at: b.createdAt,
          anchored_at: b.anchoredAt ?? "",
          error: b.error ?? "",
        })),
      );
    } finally {
      await store.close();
    }
  });
}
