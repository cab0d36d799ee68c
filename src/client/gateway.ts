import pRetry, { AbortError } from "p-retry";
import { clientHash, type JsonValue } from "../hashing/canonical.ts";
import type { EnqueueReceipt, LedgerEntry, LedgerHead } from "../ledger/types.ts";
import { parseReceipt, type AnchorReceipt, type AnchorReceiptV1 } from "../receipt/format.ts";
import { KppeError } from "../errors.ts";
import { streamLines } from "./stream.ts";
import { gatewayError, GatewayError, GatewayUnreachableError, RetryLaterError, type GatewayErrorBody } from "./errors.ts";

export interface GatewayClientOptions {
  /** The gateway's base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The source's API key (the production profile needs one), sent as `Authorization: Bearer`. */
  apiKey?: string;
  /** Attempts after the first for a request that failed temporarily (unreachable, 503, 429). Default 5. */
  retries?: number;
  /** Time one request may take, from sending to the last byte of its answer. Default 10 s. */
  timeoutMs?: number;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

/** An event to submit: the client hashes `data` itself; the rest defaults sensibly. */
export interface EventInput {
  data: JsonValue;
  sourceId: string;
  /** Default: a random UUID. Keep it to retry later: the same id and content return the same receipt. */
  eventId?: string;
  /** The head this event must follow (strict chaining); null or absent: whatever the head is. */
  previousEventHash?: string | null;
  /** Default: now, in ISO 8601. Null to send none. */
  localTimestamp?: string | null;
}

/** An event exactly as sent to the gateway (Proof of Event v0.1). */
export interface SubmittedEventBody {
  version: "0.1";
  event_id: string;
  payload_hash: string;
  source_id: string;
  local_timestamp: string | null;
  previous_event_hash?: string;
  data: JsonValue;
}

/** What `/receipts/<event_id>` answers: the enqueue receipt, the entry, its log proof, and the anchor receipt once anchored. */
export interface ReceiptLookup extends EnqueueReceipt {
  entry: LedgerEntry;
  log: { index: number; size: number; leaf_hash: string; proof: string[]; root: string; checkpoint: string } | null;
  anchor_receipt: AnchorReceipt | null;
}

export interface WaitOptions {
  /** Give up after this long (default 10 minutes). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** How often to ask (default 1 s). */
  pollMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener("abort", abort, { once: true });
  });

/** Builds the event the gateway receives from `input`: hashed by the client, every field fixed. */
export function eventBody(input: EventInput): SubmittedEventBody {
  if (typeof input.sourceId !== "string" || input.sourceId === "") throw new KppeError("ERR_BAD_FORMAT", "sourceId: expected the non-empty id of your event source");
  return {
    version: "0.1",
    event_id: input.eventId ?? globalThis.crypto.randomUUID(),
    payload_hash: clientHash(input.data),
    source_id: input.sourceId,
    local_timestamp: input.localTimestamp === undefined ? new Date().toISOString() : input.localTimestamp,
    ...(input.previousEventHash ? { previous_event_hash: input.previousEventHash } : {}),
    data: input.data,
  };
}

/**
 * A client for a KPPE gateway, for Node 22+ and browsers (fetch only). Submissions are built once
 * and sent again unchanged on a temporary failure, so a retry is answered with the original
 * receipt (`duplicate: true`) if the first attempt was written after all: never two entries.
 */
export class GatewayClient {
  readonly url: string;
  private readonly apiKey?: string;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: GatewayClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new KppeError("ERR_BAD_URL", `url: ${JSON.stringify(options.url)} is not a URL; give the gateway's base URL, e.g. http://127.0.0.1:8080`);
    }
    this.url = url.href.replace(/\/+$/, "");
    this.apiKey = options.apiKey;
    this.retries = options.retries ?? 5;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Hashes and submits one event; resolves with its enqueue receipt once the entry is durable. */
  async submit(input: EventInput, options: { signal?: AbortSignal } = {}): Promise<EnqueueReceipt> {
    return this.send<EnqueueReceipt>("/submit", eventBody(input), options.signal);
  }

  /** Submits up to 1,024 events atomically (all or none), in order; resolves with their receipts. */
  async submitBatch(inputs: EventInput[], options: { signal?: AbortSignal } = {}): Promise<EnqueueReceipt[]> {
    const answer = await this.send<{ receipts: EnqueueReceipt[] }>("/submit_batch", { events: inputs.map(eventBody) }, options.signal);
    return answer.receipts;
  }

  /** Sends an event built by `eventBody` (or by hand) as is. */
  async submitBody(body: SubmittedEventBody, options: { signal?: AbortSignal } = {}): Promise<EnqueueReceipt> {
    return this.send<EnqueueReceipt>("/submit", body, options.signal);
  }

  /** The event's entry, log proof and (once anchored) anchor receipt; null when the gateway has no such event. */
  async getReceipt(eventId: string, options: { signal?: AbortSignal } = {}): Promise<ReceiptLookup | null> {
    try {
      return await this.request<ReceiptLookup>(`/receipts/${encodeURIComponent(eventId)}`, { signal: options.signal });
    } catch (error) {
      if (error instanceof GatewayError && error.status === 404) return null;
      throw error;
    }
  }

  /** Resolves with the event's anchor receipt once its batch is anchored and confirmed. */
  async waitForAnchor(eventId: string, options: WaitOptions = {}): Promise<AnchorReceipt | AnchorReceiptV1> {
    const timeoutMs = options.timeoutMs ?? 600_000;
    const deadline = Date.now() + timeoutMs;
    let last = "the gateway has no such event";
    for (;;) {
      const lookup = await this.getReceipt(eventId, { signal: options.signal });
      if (lookup?.anchor_receipt) return parseReceipt(lookup.anchor_receipt);
      if (lookup) last = `it is entry ${lookup.fifo_sequence}, not yet in a confirmed batch (is the keeper running?)`;
      if (Date.now() >= deadline) throw new KppeError("ERR_TIMEOUT", `${eventId} was not anchored within ${timeoutMs} ms: ${last}`, { details: { event_id: eventId } });
      await sleep(Math.min(options.pollMs ?? 1_000, Math.max(0, deadline - Date.now())), options.signal);
    }
  }

  /** The ledger's head. */
  async head(options: { signal?: AbortSignal } = {}): Promise<LedgerHead> {
    const { fifo_sequence, event_hash } = await this.request<LedgerHead>("/head", { signal: options.signal });
    return { fifo_sequence, event_hash };
  }

  /** The latest signed checkpoint (a C2SP signed note), with any witness cosignatures. */
  async checkpoint(options: { signal?: AbortSignal } = {}): Promise<string> {
    return this.request<string>("/checkpoint", { signal: options.signal, text: true });
  }

  /**
   * The ledger's entries from `fromSequence` on, in order, and new ones as they are appended, until
   * `signal` aborts. A dropped connection is resumed after the last entry received.
   */
  async *follow(fromSequence = 1, options: { signal?: AbortSignal } = {}): AsyncGenerator<LedgerEntry> {
    let next = fromSequence;
    let failures = 0;
    while (!options.signal?.aborted) {
      try {
        for await (const lines of streamLines(this.url, next, { follow: true, signal: options.signal, fetch: this.fetchImpl })) {
          failures = 0;
          for (const line of lines) {
            const entry = JSON.parse(line) as LedgerEntry;
            if (entry.fifo_sequence !== next) throw new KppeError("ERR_STREAM_GAP", `the stream sent entry ${entry.fifo_sequence} where ${next} was due`);
            next++;
            yield entry;
          }
        }
      } catch (error) {
        if (options.signal?.aborted) return;
        // A refusal or a gap will not mend; a dropped or refused connection may (a restart).
        if (error instanceof KppeError && error.code !== "GATEWAY_UNREACHABLE") throw error;
        if (++failures > this.retries) throw new GatewayUnreachableError(this.url, error);
        await sleep(Math.min(200 * 2 ** failures, 5_000), options.signal).catch(() => undefined);
      }
    }
  }

  private headers(json = false): Record<string, string> {
    return { ...(json ? { "content-type": "application/json" } : {}), ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) };
  }

  /** POSTs `body` (serialized once, so every retry sends the same bytes), retrying temporary failures. */
  private send<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const text = JSON.stringify(body);
    return this.request<T>(path, { method: "POST", body: text, signal });
  }

  private request<T>(path: string, options: { method?: string; body?: string; signal?: AbortSignal; text?: boolean }): Promise<T> {
    return pRetry(
      async () => {
        let response: Response;
        try {
          const timeout = AbortSignal.timeout(this.timeoutMs);
          response = await this.fetchImpl(this.url + path, {
            method: options.method ?? "GET",
            headers: this.headers(options.body !== undefined),
            body: options.body,
            signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
          });
          if (response.ok) return (options.text ? await response.text() : await response.json()) as T;
        } catch (error) {
          if (options.signal?.aborted) throw new AbortError(options.signal.reason instanceof Error ? options.signal.reason : new Error("aborted"));
          throw new GatewayUnreachableError(this.url, error);
        }
        const error = await this.errorOf(response);
        if (!error.retryable) throw new AbortError(error);
        throw error;
      },
      {
        retries: this.retries,
        signal: options.signal,
        minTimeout: 200,
        maxTimeout: 5_000,
        // The gateway says how long to wait (Retry-After); wait that long before the next attempt.
        onFailedAttempt: async ({ error, retriesLeft }) => {
          if (error instanceof RetryLaterError && retriesLeft > 0) await sleep(error.retryAfterMs, options.signal);
        },
      },
    );
  }

  private async errorOf(response: Response): Promise<GatewayError> {
    const text = await response.text().catch(() => "");
    let body: GatewayErrorBody;
    try {
      body = JSON.parse(text) as GatewayErrorBody;
      if (typeof body?.error !== "string") throw new Error("not an error body");
    } catch {
      body = { error: `HTTP_${response.status}`, message: text.slice(0, 300) || response.statusText };
    }
    return gatewayError(response.status, body, response.headers.get("retry-after"));
  }
}
