import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from "fastify";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { assembleReceipt } from "../keeper/receipts.ts";
import { Ledger } from "../ledger/ledger.ts";
import { apiKeyHash, type Source } from "../ledger/sources.ts";
import { commitmentSignedByNode, type Commitment } from "../storage/commitment.ts";
import { LedgerError, receiptOf, type LedgerEntry } from "../ledger/types.ts";
import { validateEvent } from "../ledger/validate.ts";
import type { LedgerStore } from "../store/types.ts";
import { HTTP_STATUS, RETRY_AFTER_DOWN_S } from "./errors.ts";
import { RateLimiter } from "./rateLimit.ts";
import { StateTracker } from "./state.ts";

/** Defaults, each a named constant (override through GatewayOptions). */
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 8080;
export const SUBMIT_BODY_LIMIT = 64 * 1024;
export const BATCH_BODY_LIMIT = 8 * 1024 * 1024;
export const MAX_BATCH_EVENTS = 1024;
export const STREAM_PAGE = 500;
/** While following, how often to look for entries another process appended. */
export const FOLLOW_POLL_MS = 1_000;
/** How long a looked-up API key is trusted before the store is asked again. */
export const KEY_CACHE_MS = 5_000;
/** Most API keys and storage nodes remembered, so unauthenticated input cannot grow memory without bound. */
export const MAX_CACHED_KEYS = 10_000;
export const MAX_STORAGE_NODES = 64;

/**
 * `local` (default): no API keys, rate limits or credits, for development.
 * `production`: every submission needs `Authorization: Bearer <key>` of the event's source; the
 * source's rate limit and prepaid credits apply.
 */
export type GatewayProfile = "local" | "production";

export interface GatewayOptions {
  store: LedgerStore;
  host?: string;
  port?: number;
  /** pino log level, or false for no logs (tests). Default "info". */
  logLevel?: string | false;
  /** Storage-node lag (entries) above which the gateway reports DEGRADED. Default 10,000. */
  maxNodeLag?: number;
  profile?: GatewayProfile;
  /** Serve only reads (/head, /stream, /receipts, /health, /metrics): a storage node's own copy. */
  readOnly?: boolean;
  /**
   * Addresses of the storage nodes whose commitments count (lag, DEGRADED). Without a list any
   * correctly signed node is accepted, up to MAX_STORAGE_NODES.
   */
  storageNodes?: string[];
}

export interface Gateway {
  app: FastifyInstance;
  ledger: Ledger;
  /** Starts listening; resolves to the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, closes streams and the store. */
  close(): Promise<void>;
}

/** A protocol error with a more precise HTTP status than its code's default (401, 403). */
class HttpLedgerError extends LedgerError {
  readonly status: number;
  constructor(status: number, code: LedgerError["code"], message: string) {
    super(code, message);
    this.status = status;
  }
}

function sendError(reply: FastifyReply, error: LedgerError): FastifyReply {
  if (error.code === "ERR_FIFO_DOWN") reply.header("Retry-After", String(RETRY_AFTER_DOWN_S));
  if (error.code === "ERR_RATE_LIMIT") reply.header("Retry-After", String(error.details?.retry_after_s ?? 1));
  const status = error instanceof HttpLedgerError ? error.status : HTTP_STATUS[error.code];
  return reply.code(status).send({ accepted: false, error: error.code, message: error.message, ...error.details });
}

export function createGateway(options: GatewayOptions): Gateway {
  const { store } = options;
  const production = options.profile === "production";
  const ledger = new Ledger(store, { chargeCredits: production });
  const limiter = new RateLimiter();
  const keys = new Map<string, { source: Source; at: number }>();
  const trustedNodes = options.storageNodes ? new Set(options.storageNodes.map((a) => a.toLowerCase())) : undefined;
  const followers = new Set<() => void>();
  const nodes = new Map<string, { last_sequence: number; event_hash: string; store_timestamp: string; signature: string }>();
  let headSequence = 0;
  const nodeLag = () => Math.max(0, ...[...nodes.values()].map((n) => headSequence - n.last_sequence));
  const state = new StateTracker(store, nodeLag, options.maxNodeLag ?? 10_000);

  const registry = new Registry();
  const accepted = new Counter({ name: "kppe_gateway_events_accepted_total", help: "Events appended to the ledger", registers: [registry] });
  const rejected = new Counter({ name: "kppe_gateway_events_rejected_total", help: "Submissions refused, by error code", labelNames: ["code"], registers: [registry] });
  const latency = new Histogram({
    name: "kppe_gateway_submit_seconds",
    help: "Time from request to durable receipt",
    labelNames: ["route"],
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  new Gauge({ name: "kppe_ledger_head_sequence", help: "fifo_sequence of the ledger head", registers: [registry], collect() { this.set(headSequence); } });

  const app = Fastify({
    logger: options.logLevel === false ? false : { level: options.logLevel ?? "info" },
    bodyLimit: SUBMIT_BODY_LIMIT,
    // Close keep-alive sockets on shutdown; in-flight requests still finish.
    forceCloseConnections: "idle",
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof LedgerError) return sendError(reply, error);
    if (error.statusCode && error.statusCode < 500) {
      // Malformed JSON, a body over the limit, a wrong content type: the client's request.
      const ledgerError = new LedgerError("ERR_BAD_FORMAT", `request: ${error.message}`);
      rejected.inc({ code: ledgerError.code });
      return reply.code(error.statusCode).send({ accepted: false, error: ledgerError.code, message: ledgerError.message });
    }
    request.log.error({ err: error }, "unexpected error");
    return reply.code(500).send({ accepted: false, error: "ERR_INTERNAL", message: "internal error; the request may be retried safely" });
  });

  /** The source whose API key the request carries (production profile). */
  async function authenticate(authorization: string | undefined): Promise<Source> {
    const key = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
    if (!key) {
      throw new HttpLedgerError(401, "ERR_NO_TOKEN", "missing API key: send `Authorization: Bearer <key>`; create a source and key with `npx hardhat ledger:source`");
    }
    const hash = apiKeyHash(key);
    const cached = keys.get(hash);
    if (cached && Date.now() - cached.at <= KEY_CACHE_MS) return cached.source;
    const source = await store.findSourceByKeyHash(hash);
    // Only known keys are cached: random keys must not grow the cache.
    if (!source) throw new HttpLedgerError(401, "ERR_NO_TOKEN", "unknown API key; check it, or create one with `npx hardhat ledger:source`");
    if (keys.size >= MAX_CACHED_KEYS) keys.clear();
    keys.set(hash, { source, at: Date.now() });
    return source;
  }

  async function append(events: unknown[], route: string, authorization: string | undefined) {
    const stop = latency.startTimer({ route });
    try {
      if (state.state === "DOWN" && !(await state.check())) {
        throw new LedgerError("ERR_FIFO_DOWN", "the ledger store is unreachable; nothing was written, retry later");
      }
      const source = production ? await authenticate(authorization) : undefined;
      const validated = events.map((e, i) => validateEvent(e, route === "submit" ? "event" : `events[${i}]`));
      if (source) {
        const foreign = validated.find((e) => e.source_id !== source.source_id);
        if (foreign) {
          throw new HttpLedgerError(403, "ERR_BAD_FORMAT", `source_id ${JSON.stringify(foreign.source_id)} is not the API key's source ${JSON.stringify(source.source_id)}`);
        }
        const wait = limiter.take(source, validated.length);
        if (wait > 0) {
          state.throttled();
          throw new LedgerError("ERR_RATE_LIMIT", `source ${JSON.stringify(source.source_id)} is over its rate of ${source.rate_per_second} events/s; retry in ${wait} s`, {
            retry_after_s: wait,
          });
        }
      }
      const receipts = await ledger.submit(validated);
      const fresh = receipts.filter((r) => !r.duplicate);
      if (fresh.length > 0) {
        accepted.inc(fresh.length);
        state.accepted();
        headSequence = Math.max(headSequence, fresh[fresh.length - 1].fifo_sequence);
      }
      return receipts;
    } catch (error) {
      if (error instanceof LedgerError) {
        rejected.inc({ code: error.code });
        if (error.code === "ERR_FIFO_DOWN") state.markDown();
      }
      throw error;
    } finally {
      stop();
    }
  }

  // Storage nodes report signed commitments; a valid one for an entry we hold counts as their progress.
  app.post("/commitments", async (request, reply) => {
    const c = request.body as Partial<Commitment> | null;
    const fields = ["event_hash", "fifo_sequence", "store_node_id", "store_timestamp", "signature"] as const;
    if (!c || typeof c !== "object" || fields.some((f) => c[f] === undefined) || !Number.isSafeInteger(c.fifo_sequence)) {
      throw new LedgerError("ERR_BAD_FORMAT", `commitment: expected {${fields.join(", ")}}`);
    }
    const commitment = c as Commitment;
    if (!commitmentSignedByNode(commitment)) throw new HttpLedgerError(403, "ERR_BAD_FORMAT", `commitment: signature is not by ${commitment.store_node_id}`);
    const known = nodes.has(commitment.store_node_id);
    if (trustedNodes ? !trustedNodes.has(commitment.store_node_id.toLowerCase()) : !known && nodes.size >= MAX_STORAGE_NODES) {
      throw new HttpLedgerError(403, "ERR_BAD_FORMAT", `commitment: ${commitment.store_node_id} is not one of this gateway's storage nodes (--storage-nodes)`);
    }
    const [entry] = await store.range(commitment.fifo_sequence, 1);
    if (!entry || entry.fifo_sequence !== commitment.fifo_sequence || entry.event_hash !== commitment.event_hash) {
      request.log.warn({ commitment }, "storage node reports a head this ledger does not have: divergence");
      return reply.code(409).send({ accepted: false, error: "ERR_BAD_PREV_HASH", message: `sequence ${commitment.fifo_sequence} here is not ${commitment.event_hash}: the node diverges` });
    }
    nodes.set(commitment.store_node_id, { last_sequence: commitment.fifo_sequence, event_hash: commitment.event_hash, store_timestamp: commitment.store_timestamp, signature: commitment.signature });
    return { accepted: true };
  });

  if (!options.readOnly) app.post("/submit", async (request) => {
    const [receipt] = await append([request.body], "submit", request.headers.authorization);
    return receipt;
  });

  if (!options.readOnly) app.post("/submit_batch", { bodyLimit: BATCH_BODY_LIMIT }, async (request) => {
    const body = request.body as { events?: unknown } | null;
    const events = body?.events;
    if (!Array.isArray(events) || events.length === 0 || events.length > MAX_BATCH_EVENTS) {
      throw new LedgerError("ERR_BAD_FORMAT", `events: expected an array of 1 to ${MAX_BATCH_EVENTS} events in {"events": [...]}`, { field: "events" });
    }
    if (Object.keys(body!).length !== 1) throw new LedgerError("ERR_BAD_FORMAT", "body: only the field \"events\" is allowed", { field: "body" });
    return { accepted: true, receipts: await append(events, "submit_batch", request.headers.authorization) };
  });

  app.get("/head", async () => {
    const head = await store.head();
    headSequence = Math.max(headSequence, head.fifo_sequence);
    return { ...head, state: state.state };
  });

  app.get("/receipts/:event_id", async (request, reply) => {
    const { event_id } = request.params as { event_id: string };
    const entry = await store.findByEventId(event_id);
    if (!entry) return reply.code(404).send({ error: "NOT_FOUND", message: `no event with event_id ${JSON.stringify(event_id)} in this ledger` });
    // Once the keeper has confirmed the event's batch, its self-contained anchor receipt too.
    const anchored = await store.anchoring.findReceipt(event_id);
    return { ...receiptOf(entry), entry, anchor_receipt: anchored ? assembleReceipt(entry, anchored.receipt, anchored.batch) : null };
  });

  app.get("/stream", (request, reply) => {
    const query = request.query as { from_sequence?: string; follow?: string };
    const from = query.from_sequence === undefined ? 1 : Number(query.from_sequence);
    if (!Number.isSafeInteger(from) || from < 1) {
      return sendError(reply, new LedgerError("ERR_BAD_FORMAT", `from_sequence: expected an integer >= 1, got ${JSON.stringify(query.from_sequence)}`, { field: "from_sequence" }));
    }
    const follow = query.follow === "1" || query.follow === "true";
    reply.hijack();
    const out = reply.raw;
    // `connection: close`: a stream's socket is not reused, so an ended stream never sits idle
    // in a client's pool holding the server's shutdown for its keep-alive timeout.
    out.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store", connection: "close" });
    let closed = false;
    let wake: (() => void) | undefined;
    const onClose = () => {
      closed = true;
      wake?.();
    };
    out.on("close", onClose);
    const nudge = () => wake?.();
    ledger.on("appended", nudge);
    followers.add(onClose);
    void (async () => {
      let next = from;
      try {
        while (!closed) {
          const page: LedgerEntry[] = await store.range(next, STREAM_PAGE);
          for (const entry of page) {
            if (!out.write(JSON.stringify(entry) + "\n")) await new Promise((r) => out.once("drain", r));
          }
          if (page.length > 0) next = page[page.length - 1].fifo_sequence + 1;
          if (page.length === STREAM_PAGE) continue;
          if (!follow) break;
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, FOLLOW_POLL_MS).unref();
          });
        }
      } catch (error) {
        request.log.error({ err: error }, "stream failed");
      } finally {
        ledger.off("appended", nudge);
        followers.delete(onClose);
        out.end();
      }
    })();
  });

  app.get("/health", async () => {
    await state.check();
    const head = state.state === "DOWN" ? null : await store.head();
    if (head) headSequence = Math.max(headSequence, head.fifo_sequence);
    return {
      status: state.state === "DOWN" ? "down" : "ok",
      state: state.state,
      head,
      store: { kind: store.kind, location: store.location },
      profile: production ? "production" : "local",
      storage_nodes: [...nodes.entries()].map(([id, n]) => ({ store_node_id: id, ...n, lag: headSequence - n.last_sequence })),
    };
  });

  app.get("/metrics", async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));

  return {
    app,
    ledger,
    async listen() {
      headSequence = (await store.head()).fifo_sequence;
      return app.listen({ host: options.host ?? DEFAULT_HOST, port: options.port ?? DEFAULT_PORT });
    },
    async close() {
      state.stop();
      for (const end of followers) end();
      await app.close();
      await store.close();
    },
  };
}
