import { KppeError } from "../errors.ts";

/**
 * Reads a gateway's `/stream` from `fromSequence` and yields its NDJSON lines in the groups they
 * arrive in (so a caller can process each group in one transaction). Ends when the stream ends;
 * with `follow` it stays open until aborted or the caller stops iterating.
 */
export async function* streamLines(gatewayUrl: string, fromSequence: number, options: { follow?: boolean; signal?: AbortSignal; fetch?: typeof fetch } = {}): AsyncGenerator<string[]> {
  const url = `${gatewayUrl.replace(/\/$/, "")}/stream?from_sequence=${fromSequence}${options.follow ? "&follow=1" : ""}`;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: options.signal });
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    throw new KppeError("GATEWAY_UNREACHABLE", `cannot reach the gateway at ${gatewayUrl} (${(cause as Error).message})`, { cause });
  }
  if (!response.ok) throw new KppeError("GATEWAY_ERROR", `${url} answered ${response.status}`);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      const complete = lines.filter(Boolean);
      if (complete.length > 0) yield complete;
    }
    if (buffered) yield [buffered];
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
