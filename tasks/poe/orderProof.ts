import { writeFile } from "node:fs/promises";
import { buildOrderProof } from "../../src/poe/orderProof.ts";
import { openStore } from "../../src/store/open.ts";
import { userError, userFacing } from "../errors.ts";
import type { poeOrderProofTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof poeOrderProofTask>;

/** Prints (or writes) an order's inclusion proof in its anchored FlowPay batch. */
export default function poeOrderProof(args: Args): Promise<void> {
  return userFacing(async () => {
    if (!args.orderId) throw userError("say which order: --order-id <id>");
    const store = await openStore(args.store);
    try {
      const text = JSON.stringify(await buildOrderProof(store, args.orderId), null, 2) + "\n";
      if (args.out) {
        await writeFile(args.out, text);
        console.log(`proof of order ${args.orderId} written to ${args.out}`);
      } else {
        process.stdout.write(text);
      }
    } finally {
      await store.close();
    }
  });
}
