import { gatewayJson } from "./http.ts";
import type { ledgerHeadTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

export default async function head({ url }: TaskArgs<typeof ledgerHeadTask>): Promise<void> {
  const { fifo_sequence, event_hash, state } = await gatewayJson(`${url}/head`);
  console.log(`sequence ${fifo_sequence}  event_hash ${event_hash}  state ${state}`);
}
