import { userError } from "../errors.ts";

/** Fetches JSON from a gateway and fails with a message that names the URL and the gateway's error. */
export async function gatewayJson(url: string, init?: RequestInit): Promise<Record<string, any>> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (cause) {
    throw userError(`cannot reach the gateway at ${url} (${(cause as Error).message}); is \`npx hardhat ledger:serve\` running?`);
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, any>;
  if (!response.ok) throw userError(`${url} answered ${response.status} ${body.error ?? ""}: ${body.message ?? JSON.stringify(body)}`);
  return body;
}
