import { resolvePoeSettings } from "../../src/poe/settings.ts";
import { openStore } from "../../src/store/open.ts";
import { userError, userFacing } from "../errors.ts";
import type { poeAddOrderTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof poeAddOrderTask>;

const HASH = /^0x[0-9a-fA-F]{64}$/;

/** FlowPay's addOrderToBatch: links a confirmed order to the open batch. */
export default function addOrder(args: Args): Promise<void> {
  return userFacing(async () => {
    if (!args.orderId || args.orderId.length > 128) throw userError(`--order-id: expected 1 to 128 characters, got ${JSON.stringify(args.orderId)}`);
    if (!HASH.test(args.txHash) || /^0x0{64}$/.test(args.txHash)) throw userError(`--tx-hash: expected the settlement transaction's hash (0x + 64 hex, not zero), got ${JSON.stringify(args.txHash)}`);
    const metadata = parseMetadata(args.metadata);
    const settings = resolvePoeSettings({ maxOrders: args.maxOrders || undefined, maxAgeMs: args.maxAgeMs || undefined });
    const store = await openStore(args.store);
    try {
      const { order, batch, added } = await store.poe.addOrderToBatch(
        { id: args.orderId, txHash: args.txHash, pixChargeId: args.pixChargeId || null, amount: args.amount || null, metadata },
        settings,
      );
      const state = batch.status === "open" ? `open, ${batch.batchSize}/${settings.maxOrders} orders` : `${batch.status}, ${batch.batchSize} orders`;
      console.log(`${added ? "added" : "already batched:"} order ${order.id} (tx ${order.txHash}) in PoE batch #${batch.id} (${state})`);
    } finally {
      await store.close();
    }
  });
}

function parseMetadata(text: string): Record<string, unknown> | null {
  if (!text) return null;
  if (text.length > 16_384) throw userError(`--metadata: at most 16,384 characters, got ${text.length}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw userError(`--metadata: not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw userError(`--metadata: expected a JSON object, got ${text.slice(0, 80)}`);
  return value as Record<string, unknown>;
}
