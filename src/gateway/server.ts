import { STATUS_CODES } from "node:http";
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { assembleReceipt } from "../receipt/assemble.ts";
import { Ledger } from "../ledger/ledger.ts";
import { apiKeyHash, type Source } from "../ledger/sources.ts";
import { LedgerError, receiptOf } from "../ledger/types.ts";
import { couldBeEventId, validateEvent } from "../ledger/validate.ts";
import type { LedgerStore } from "../store/types.ts";
import { ephemeralLogKey, LogService } from "../log/service.ts";
import { httpServerOptions, limitConnections, type ConnectionLimits } from "./connections.ts";
import { errorBody, HTTP_STATUS, HttpLedgerError, RETRY_AFTER_DOWN_S } from "./errors.ts";
import { StorageNodes } from "./storageNodes.ts";
import { registerStreamRoute } from "./streamRoute.ts";
import { headSchema, HEALTH_ROUTE, jsonResponses, mediaResponse, RECEIPT_ROUTE, submitBatchRoute, SUBMIT_ROUTE } from "./apiSchemas.ts";
import { logInclusionOf, registerLogRoutes } from "./logRoutes.ts";
import { registerOpenApi } from "./openapi.ts";
import { registerPageRoute } from "./pageRoute.ts";
import { logResponses, textLogStream } from "./textLog.ts";
import { registerTileRoutes } from "./tileRoutes.ts";
import { registerPootRoutes, type PootConfig } from "./pootRoutes.ts";
import { registerWitnessRoute } from "./witnessRoute.ts";
import type { Witness } from "../replication/witness.ts";
import { RateLimiter } from "./rateLimit.ts";
import { StateTracker } from "./state.ts";

/** Defaults, each a named constant (override through GatewayOptions). */
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 8080;
/** The version of the HTTP API in /openapi.json. */
export const GATEWAY_API_VERSION = "0.2.0";
export const SUBMIT_BODY_LIMIT = 64 * 1024;
export const BATCH_BODY_LIMIT = 8 * 1024 * 1024;
export const MAX_BATCH_EVENTS = 1024;
/** How long a looked-up API key is trusted before the store is asked again. */
export const KEY_CACHE_MS = 5_000;
/** Most API keys remembered, so unauthenticated input cannot grow memory without bound. */
export const MAX_CACHED_KEYS = 10_000;
/** How recently a submit from another connection means other clients are active (no inline commits). */
export const OTHER_CLIENTS_WINDOW_MS = 50;

/**
 * `local` (default): no API keys, rate limits or credits, for development.
 * `production`: every submission needs `Authorization: Bearer <key>` of the event's source; the
 * source's rate limit and prepaid credits apply.
 */
export type GatewayProfile = "local" | "production";

export interface GatewayOptions extends ConnectionLimits {
  store: LedgerStore;
  host?: string;
  port?: number;
  /** pino log level, or false for no logs (tests). Default "info". */
  logLevel?: string | false;
  /** "json" (default): pino's JSON lines, two per request; "text": one line per record for a person, requests at debug level. */
  logFormat?: "json" | "text";
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
  /**
   * The log key (C2SP signer-key encoding, from the keystore's KPPE_LOG_KEY) that signs
   * checkpoints. Without one the gateway makes an ephemeral key and says so: its checkpoints
   * verify only with the verifier key it printed.
   */
  logKey?: string;
  /**
   * The store as `openStore` takes it (a SQLite file or a postgres:// URL): the log is then
   * integrated on a worker thread with a connection of its own, off the thread that accepts
   * submissions. Without it, on this thread.
   */
  storeLocation?: string;
  /** A storage node's witness: serves `POST /add-checkpoint` (C2SP tlog-witness). */
  witness?: Witness;
  /** Witnesses to ask for cosignatures of each new checkpoint: their URL and cosigner key (type 0x04). */
  witnesses?: Array<{ url: string; key: string }>;
  /** Collect Lucid's PoOT task proofs for this deployment (`/poot/*`, docs/poot.md). */
  poot?: PootConfig;
}

export interface Gateway {
  app: FastifyInstance;
  ledger: Ledger<LedgerStore>;
  /** The RFC 9162 log over the ledger, integrated and signed by this gateway. */
  logService: LogService;
  /** True when no log key was given and checkpoints are signed with a throwaway one. */
  ephemeralLogKey: boolean;
  /** The routes served, as "METHOD /url" (HEAD aside): /openapi.json describes each. */
  routes: readonly string[];
  /** Starts listening; resolves to the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, closes streams and the store. */
  close(): Promise<void>;
}

function sendError(reply: FastifyReply, error: LedgerError): FastifyReply {
  if (error.code === "ERR_FIFO_DOWN") reply.header("Retry-After", String(RETRY_AFTER_DOWN_S));
  if (error.code === "ERR_RATE_LIMIT") reply.header("Retry-After", String(error.details?.retry_after_s ?? 1));
  const status = error instanceof HttpLedgerError ? error.status : HTTP_STATUS[error.code];
  return reply.code(status).send(errorBody(error.code, error.message, error.details));
}


/** Statuses the HTTP layer answers before a route runs, with the message a client gets. */
const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, "request headers are too large (limit 16 KiB)"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "the request did not arrive in time"],
};

export function createGateway(options: GatewayOptions): Gateway {
  const { store } = options;
  const production = options.profile === "production";
  // Whether other clients are submitting: more than one submit request open, or one from another
  // connection within the last OTHER_CLIENTS_WINDOW_MS (the rest of a burst may not be parsed
  // yet). A lone client's submission is then written at once, without waiting a turn of the
  // event loop for company.
  let submitsInFlight = 0;
  let lastSubmitSocket: object | undefined;
  let lastSocketSwitch = -Infinity;
  const ledger = new Ledger(store, {
    chargeCredits: production,
    othersInFlight: () => submitsInFlight > 1 || performance.now() - lastSocketSwitch < OTHER_CLIENTS_WINDOW_MS,
  });
  const limiter = new RateLimiter();
  const keys = new Map<string, { source: Source; at: number }>();
  const storageNodes = new StorageNodes(store, options.storageNodes);
  let streams: { endAll(): void } | undefined;
  let headSequence = 0;
  const state = new StateTracker(store, () => storageNodes.maxLag(headSequence), options.maxNodeLag ?? 10_000);
  const logService = new LogService(store.log, {
    signerKey: options.logKey ?? ephemeralLogKey(),
    // The integrator opens the store itself, so its entry lives here, where every folder may be imported.
    integrateOn: options.storeLocation ? { location: options.storeLocation, workerUrl: new URL("./logIntegratorWorker.ts", import.meta.url) } : undefined,
    witnesses: options.witnesses,
    // A read-only gateway serves a storage node's copy, whose log can be discarded and rebuilt.
    cacheProofNodes: !options.readOnly,
    onError: (error) => app.log.warn({ err: error }, "log integration failed; retrying at the next interval"),
  });
  ledger.on("appended", (head) => logService.appended(head.fifo_sequence));

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

  const httpTimeouts = httpServerOptions(options);
  const app = Fastify({
    logger: options.logLevel === false ? false : { level: options.logLevel ?? "info", ...(options.logFormat === "text" ? { stream: textLogStream } : {}) },
    // Text logs: Fastify's two JSON lines per request give way to one (logResponses, at debug).
    ...(options.logFormat === "text" ? { logController: new LogController({ disableRequestLogging: true }) } : {}),
    bodyLimit: SUBMIT_BODY_LIMIT,
    // Close keep-alive sockets on shutdown; in-flight requests still finish.
    forceCloseConnections: "idle",
    // Bounds on the time a request may take to arrive (headers and body alike).
    ...httpTimeouts,
    // `__proto__` and `constructor` are ordinary keys in JSON: JSON.parse makes them own
    // properties, which nothing here merges into another object.
    onProtoPoisoning: "ignore",
    onConstructorPoisoning: "ignore",
    // An event_id of 128 characters, percent-encoded, is at most 128 * 12 bytes.
    routerOptions: { maxParamLength: 2048 },
    frameworkErrors: (error, _request, reply) => {
      const status = error.code === "FST_ERR_MAX_PARAM_LENGTH" ? 414 : 400;
      rejected.inc({ code: "ERR_BAD_FORMAT" });
      void (reply as FastifyReply).code(status).send(errorBody("ERR_BAD_FORMAT", `request: ${error.message}`));
    },
    clientErrorHandler: (error: Error & { code?: string }, socket) => {
      const [status, message] = CLIENT_ERRORS[error.code ?? ""] ?? [400, `malformed HTTP request: ${error.message}`];
      if (socket.writable) {
        const body = JSON.stringify(errorBody("ERR_BAD_FORMAT", message));
        socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      } else socket.destroy();
    },
  });
  limitConnections(app.server, options);
  const routes = registerOpenApi(app, { version: GATEWAY_API_VERSION });
  if (options.logFormat === "text") logResponses(app);
  // Bodies are JSON only: anything else is 415, not a string that fails validation.
  app.removeContentTypeParser("text/plain");
  app.setNotFoundHandler((request, reply) => reply.code(404).send(errorBody("NOT_FOUND", `no route ${request.method} ${request.url.slice(0, 200)}; see docs/ledger.md for the API`)));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof LedgerError) return sendError(reply, error);
    if (error.statusCode && error.statusCode < 500) {
      // Malformed JSON, a body over the limit, a wrong content type: the client's request.
      rejected.inc({ code: "ERR_BAD_FORMAT" });
      const message = error.statusCode === 415 ? `content-type ${JSON.stringify(request.headers["content-type"] ?? "")} is not accepted; send application/json` : error.message;
      return reply.code(error.statusCode).send(errorBody("ERR_BAD_FORMAT", `request: ${message}`));
    }
    // Any route that finds the store unreachable says so as the submit routes do: 503, retry later.
    if (store.isUnavailable(error)) {
      request.log.warn({ err: error }, "the store is unreachable");
      return sendError(reply, new LedgerError("ERR_FIFO_DOWN", "the ledger store is unreachable; retry later"));
    }
    request.log.error({ err: error }, "unexpected error");
    return reply.code(500).send(errorBody("ERR_INTERNAL", "internal error; the request may be retried safely"));
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

  /** The source each authenticated request's key belongs to, found from its headers alone. */
  const sources = new WeakMap<object, Source>();

  async function append(events: unknown[], route: string, source: Source | undefined) {
    const stop = latency.startTimer({ route });
    try {
      if (state.state === "DOWN" && !(await state.check())) {
        throw new LedgerError("ERR_FIFO_DOWN", "the ledger store is unreachable; nothing was written, retry later");
      }
      if (production && !source) throw new HttpLedgerError(401, "ERR_NO_TOKEN", "missing API key: send `Authorization: Bearer <key>`");
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

  // The routes, in a plugin: registered after the OpenAPI plugin has loaded, so it sees every one.
  void app.register(async (app) => {
    storageNodes.register(app);

    // Counts the submission in flight, and in production checks its key from the headers, before
    // the body is read, so an unauthenticated client cannot make the gateway receive its body.
    const onSubmitHeaders = async (request: FastifyRequest, reply: FastifyReply) => {
      submitsInFlight++;
      reply.raw.once("close", () => submitsInFlight--);
      if (request.raw.socket !== lastSubmitSocket) {
        lastSubmitSocket = request.raw.socket;
        lastSocketSwitch = performance.now();
      }
      if (!production) return;
      try {
        sources.set(request, await authenticate(request.headers.authorization));
      } catch (error) {
        if (error instanceof LedgerError) rejected.inc({ code: error.code });
        // The unread body stays on the socket: close it rather than parse a stranger's bytes.
        reply.header("connection", "close");
        throw error;
      }
    };

    if (!options.readOnly) app.post("/submit", { onRequest: onSubmitHeaders, schema: SUBMIT_ROUTE }, async (request) => {
      const [receipt] = await append([request.body], "submit", sources.get(request));
      return receipt;
    });

    if (!options.readOnly) app.post("/submit_batch", { bodyLimit: BATCH_BODY_LIMIT, onRequest: onSubmitHeaders, schema: submitBatchRoute(MAX_BATCH_EVENTS) }, async (request) => {
      const body = request.body as { events?: unknown } | null;
      const events = body?.events;
      if (!Array.isArray(events) || events.length === 0 || events.length > MAX_BATCH_EVENTS) {
        throw new LedgerError("ERR_BAD_FORMAT", `events: expected an array of 1 to ${MAX_BATCH_EVENTS} events in {"events": [...]}`, { field: "events" });
      }
      if (Object.keys(body!).length !== 1) throw new LedgerError("ERR_BAD_FORMAT", "body: only the field \"events\" is allowed", { field: "body" });
      return { accepted: true, receipts: await append(events, "submit_batch", sources.get(request)) };
    });

    app.get("/head", { schema: { summary: "The ledger's head and the gateway's state", tags: ["ledger"], response: jsonResponses(headSchema, "the head", []) } }, async () => {
      const head = await store.head();
      headSequence = Math.max(headSequence, head.fifo_sequence);
      return { ...head, state: state.state };
    });

    app.get("/receipts/:event_id", { schema: RECEIPT_ROUTE }, async (request, reply) => {
      const { event_id } = request.params as { event_id: string };
      // An id that validation would refuse cannot be in the ledger; the store is not asked.
      const entry = couldBeEventId(event_id) ? await store.findByEventId(event_id) : undefined;
      if (!entry) return reply.code(404).send(errorBody("NOT_FOUND", `no event with event_id ${JSON.stringify(event_id).slice(0, 300)} in this ledger`));
      // Once the keeper has confirmed the event's batch, its self-contained anchor receipt too.
      const anchored = await store.anchoring.findReceipt(event_id);
      return {
        ...receiptOf(entry),
        entry,
        log: await logInclusionOf(logService, entry),
        anchor_receipt: anchored ? await assembleReceipt(entry, anchored.receipt, anchored.batch, logService.log, logService.sign, () => logService.latestCosigned()) : null,
      };
    });

    streams = registerStreamRoute(app, { store, ledger });

    app.get("/health", { schema: HEALTH_ROUTE }, async () => {
      await state.check();
      const head = state.state === "DOWN" ? null : await store.head();
      if (head) headSequence = Math.max(headSequence, head.fifo_sequence);
      return {
        status: state.state === "DOWN" ? "down" : "ok",
        state: state.state,
        head,
        store: { kind: store.kind, location: store.location },
        profile: production ? "production" : "local",
        storage_nodes: storageNodes.status(headSequence),
        witnesses: logService.witnessStatus(),
      };
    });

    registerLogRoutes(app, { store, logService, replica: options.readOnly ? { witness: options.witness } : undefined });
    registerTileRoutes(app, { store, logService });
    if (options.poot && !options.readOnly) registerPootRoutes(app, { store, logService, poot: options.poot });
    registerPageRoute(app);
    if (options.witness) registerWitnessRoute(app, options.witness);

    app.get("/metrics", { schema: { summary: "Prometheus metrics", tags: ["meta"], response: { 200: mediaResponse("text/plain", "Prometheus text format") } } }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  });

  return {
    app,
    ledger,
    logService,
    ephemeralLogKey: !options.logKey,
    routes,
    async listen() {
      headSequence = (await store.head()).fifo_sequence;
      if (!options.readOnly) {
        // Seconds at ten million entries without a saved filter (docs/ledger.md, "Event ids"): say so before, and after.
        const started = performance.now();
        const large = headSequence >= 1_000_000;
        if (large) app.log.info(`loading the event ids of the ledger's ${headSequence.toLocaleString("en-US")} entries before listening`);
        const { restored, read } = await store.prepareAppends();
        if (large) {
          const count = (n: number) => n.toLocaleString("en-US");
          app.log.info(`event ids loaded in ${((performance.now() - started) / 1000).toFixed(1)} s: ${count(restored)} from the saved filter, ${count(read)} read from the ledger`);
        }
        logService.start();
      }
      return app.listen({ host: options.host ?? DEFAULT_HOST, port: options.port ?? DEFAULT_PORT });
    },
    async close() {
      state.stop();
      await logService.stop();
      streams?.endAll();
      await app.close();
      await store.close();
    },
  };
}
