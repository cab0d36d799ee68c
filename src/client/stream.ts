import { KppeError } from "../errors.ts";

/** Most characters of the stream gathered into one group. */
const MAX_GROUP_CHARS = 4 * 1024 * 1024;

/**
 * Reads a gateway's `/stream` from `fromSequence` and yields its NDJSON lines in groups (so a
 * caller can process each group in one transaction): each group is what has arrived by the time
 * the caller asks, up to MAX_GROUP_CHARS. A caller that keeps up gets each network chunk at
 * once; one that is behind gets large groups, and pays its per-group work (a commit, checks,
 * signatures) once per group instead of once per chunk. Ends when the stream ends; with
 * `follow` it stays open until aborted or the caller stops iterating.
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
  let next: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  try {
    next = reader.read();
    for (;;) {
      const { value, done } = await next;
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      next = reader.read();
      if (buffered.length < MAX_GROUP_CHARS && (await settledAlready(next))) continue;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      const complete = lines.filter(Boolean);
      if (complete.length > 0) yield complete;
    }
    const rest = buffered.split("\n").filter(Boolean);
    if (rest.length > 0) yield rest;
  } finally {
    // The read started ahead may still fail (an aborted connection) once nobody waits for it.
    next?.catch(() => undefined);
    await reader.cancel().catch(() => undefined);
  }
}

/** Whether `promise` settles before a timer fires: whether the stream already holds more. */
function settledAlready(promise: Promise<unknown>): Promise<boolean> {
  return Promise.race([promise.then(() => true, () => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 0))]);
}
