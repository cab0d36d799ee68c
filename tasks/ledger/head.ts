import { gatewayJson } from "./http.ts";

export default async function head({ url }: { url: string }): Promise<void> {
  const { fifo_sequence, event_hash, state } = await gatewayJson(`${url}/head`);
  console.log(`sequence ${fifo_sequence}  event_hash ${event_hash}  state ${state}`);
}
