// JSON Schemas of the gateway's requests and answers: they document the routes and make the
// OpenAPI description (/openapi.json). The handlers validate input themselves, with messages
// that name each field (src/ledger/validate.ts); test/gateway/openapi.test.ts checks that real
// answers match these schemas and that input these schemas refuse is refused.
import { MAX_EVENT_ID_LENGTH, MAX_SOURCE_ID_LENGTH, MAX_TIMESTAMP_LENGTH } from "../ledger/validate.ts";

const hex32 = { type: "string", pattern: "^0x[0-9a-f]{64}$", description: "0x followed by 64 lower-case hex digits" } as const;
const sequence = { type: "integer", minimum: 1 } as const;

export const errorSchema = {
  type: "object",
  description: "Every error the gateway sends, its own and the HTTP layer's. `error` is a Proof of Event code (ERR_*) or the HTTP layer's (NOT_FOUND, …); more fields may name details (`field`, `head`, `retry_after_s`).",
  required: ["accepted", "error", "message"],
  properties: {
    accepted: { const: false },
    error: { type: "string" },
    message: { type: "string" },
    field: { type: "string", description: "the field that was refused" },
    head: { type: "object", description: "ERR_BAD_PREV_HASH: the current head" },
    retry_after_s: { type: "number", description: "ERR_RATE_LIMIT: seconds to wait" },
  },
} as const;

export const eventSchema = {
  type: "object",
  description: "An event (Proof of Event v0.1): the client hashes its own body (`payload_hash` = keccak256 of its RFC 8785 JSON). No other fields are allowed.",
  required: ["version", "event_id", "payload_hash", "source_id"],
  additionalProperties: false,
  properties: {
    version: { const: "0.1" },
    event_id: { type: "string", minLength: 1, maxLength: MAX_EVENT_ID_LENGTH, description: "unique in the ledger; a retry with the same content returns the original receipt" },
    payload_hash: hex32,
    source_id: { type: "string", minLength: 1, maxLength: MAX_SOURCE_ID_LENGTH },
    local_timestamp: { type: ["string", "null"], maxLength: MAX_TIMESTAMP_LENGTH },
    previous_event_hash: { anyOf: [hex32, { type: "null" }], description: "when given, the event is accepted only as the next entry after this head" },
    data: { description: "the body, stored and served as sent (any JSON; no U+0000, nesting up to 64)" },
  },
} as const;

export const enqueueReceiptSchema = {
  type: "object",
  description: "Sent only once the entry is durable.",
  required: ["accepted", "event_id", "fifo_sequence", "event_hash", "observed_prev_hash", "accepted_at"],
  properties: {
    accepted: { const: true },
    event_id: { type: "string" },
    fifo_sequence: sequence,
    event_hash: hex32,
    observed_prev_hash: hex32,
    accepted_at: { type: "string", format: "date-time" },
    duplicate: { const: true, description: "this answers a retry of an event already in the ledger" },
  },
} as const;

export const ledgerEntrySchema = {
  type: "object",
  required: ["fifo_sequence", "event_id", "version", "payload_hash", "source_id", "local_timestamp", "previous_event_hash", "observed_prev_hash", "event_hash", "content_hash", "accepted_at"],
  properties: {
    fifo_sequence: sequence,
    event_id: { type: "string" },
    version: { type: "string" },
    payload_hash: hex32,
    source_id: { type: "string" },
    local_timestamp: { type: ["string", "null"] },
    previous_event_hash: { anyOf: [hex32, { type: "null" }] },
    observed_prev_hash: hex32,
    event_hash: hex32,
    content_hash: hex32,
    accepted_at: { type: "string", format: "date-time" },
    data: {},
  },
} as const;

export const headSchema = {
  type: "object",
  required: ["fifo_sequence", "event_hash"],
  properties: { fifo_sequence: { type: "integer", minimum: 0, description: "0 for an empty ledger" }, event_hash: hex32, state: { enum: ["IDLE", "ACCEPTING", "THROTTLED", "DEGRADED", "DOWN"] } },
} as const;

const logInclusionSchema = {
  type: "object",
  required: ["index", "size", "leaf_hash", "proof", "root"],
  properties: {
    index: { type: "integer", minimum: 0 },
    size: { type: "integer", minimum: 1 },
    leaf_hash: hex32,
    proof: { type: "array", items: hex32 },
    root: hex32,
    checkpoint: { type: "string", description: "the signed checkpoint (C2SP signed note) of this size and root" },
  },
} as const;

export const consistencySchema = {
  type: "object",
  required: ["size1", "size2", "root1", "root2", "proof"],
  properties: { size1: { type: "integer", minimum: 1 }, size2: { type: "integer", minimum: 1 }, root1: hex32, root2: hex32, proof: { type: "array", items: hex32 } },
} as const;

export const receiptLookupSchema = {
  type: "object",
  required: [...enqueueReceiptSchema.required, "entry", "log", "anchor_receipt"],
  properties: {
    ...enqueueReceiptSchema.properties,
    entry: ledgerEntrySchema,
    log: { anyOf: [logInclusionSchema, { type: "null" }], description: "the entry's inclusion proof in the latest checkpoint; null until integrated" },
    anchor_receipt: { type: ["object", "null"], description: "the kppe-receipt/2 anchor receipt once the event's batch is confirmed on chain (docs/formats.md); null before" },
  },
} as const;

export { logInclusionSchema };

/** `response` entries for a JSON route: its success schema and the error body for every failure. */
export function jsonResponses(ok: object, okDescription: string, errors: number[] = [400]): Record<number, object> {
  return {
    200: { ...ok, description: okDescription },
    ...Object.fromEntries(errors.map((status) => [status, { ...errorSchema, description: ERROR_DESCRIPTIONS[status] ?? "refused" }])),
  };
}

/** A response of another media type (text, NDJSON, bytes). */
export function mediaResponse(type: string, description: string, schema: object = { type: "string" }): object {
  return { description, content: { [type]: { schema } } };
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "ERR_BAD_FORMAT or ERR_BAD_VERSION: the field is named",
  401: "ERR_NO_TOKEN: missing or unknown API key (production profile)",
  402: "ERR_NO_TOKEN: the source has no credits left",
  403: "the key's source may not submit for this source_id",
  404: "NOT_FOUND",
  409: "ERR_BAD_PREV_HASH (with the current head) or ERR_DUPLICATE_EVENT",
  413: "body too large",
  415: "not application/json",
  429: "ERR_RATE_LIMIT, with Retry-After",
  500: "ERR_INTERNAL: permanent, the same request fails the same way",
  503: "ERR_FIFO_DOWN: nothing written, retry after Retry-After",
};

export const SUBMIT_ERRORS = [400, 401, 402, 403, 409, 413, 415, 429, 500, 503];

/** No key in the local profile; a source's key in production. */
const OPTIONAL_API_KEY: Array<Record<string, string[]>> = [{}, { apiKey: [] }];

// The routes' schemas (summary, tags, input and answers), as attached to each route.

export const SUBMIT_ROUTE = {
  summary: "Submit one event; answered once its entry is durable",
  tags: ["ledger"],
  security: OPTIONAL_API_KEY,
  body: eventSchema,
  response: jsonResponses(enqueueReceiptSchema, "the enqueue receipt (duplicate: true for a retry of an event already written)", SUBMIT_ERRORS),
};

export function submitBatchRoute(maxEvents: number) {
  return {
    summary: "Submit events atomically (all or none), in order",
    tags: ["ledger"],
    security: OPTIONAL_API_KEY,
    body: { type: "object", required: ["events"], additionalProperties: false, properties: { events: { type: "array", minItems: 1, maxItems: maxEvents, items: eventSchema } } },
    response: jsonResponses(
      { type: "object", required: ["accepted", "receipts"], properties: { accepted: { const: true }, receipts: { type: "array", items: enqueueReceiptSchema } } },
      "a receipt per event, in order",
      SUBMIT_ERRORS,
    ),
  };
}

export const RECEIPT_ROUTE = {
  summary: "An event's entry, its log inclusion proof and, once anchored, its anchor receipt",
  tags: ["ledger"],
  params: { type: "object", required: ["event_id"], properties: { event_id: { type: "string", maxLength: 2048 } } },
  response: jsonResponses(receiptLookupSchema, "the event's receipt", [404]),
};

export const STREAM_ROUTE = {
  summary: "The ledger's entries in order, as NDJSON; with follow=1, new entries as they are appended",
  tags: ["ledger"],
  querystring: {
    type: "object",
    properties: {
      from_sequence: { type: "string", pattern: "^[1-9][0-9]{0,15}$", description: "the first sequence to send (decimal, default 1)" },
      follow: { enum: ["1", "true", "0", "false"], description: "keep the connection open and send new entries" },
    },
  },
  response: { 200: mediaResponse("application/x-ndjson", "one ledger entry per line", ledgerEntrySchema), 400: { ...errorSchema, description: "ERR_BAD_FORMAT: from_sequence" } } as Record<number, object>,
};

export const HEALTH_ROUTE = {
  summary: "The gateway's state, head, store, storage nodes and witnesses",
  tags: ["meta"],
  response: jsonResponses(
    { type: "object", required: ["status", "state", "head", "store", "profile"], properties: { status: { enum: ["ok", "down"] }, state: headSchema.properties.state, head: { anyOf: [headSchema, { type: "null" }] } } },
    "health",
    [],
  ),
};

export const COMMITMENT_ROUTE = {
  summary: "A storage node reports the entry it holds, signed (EIP-191)",
  tags: ["storage"],
  body: {
    type: "object",
    required: ["event_hash", "fifo_sequence", "store_node_id", "store_timestamp", "signature"],
    properties: { event_hash: hex32, fifo_sequence: sequence, store_node_id: { type: "string" }, store_timestamp: { type: "string" }, signature: { type: "string" } },
  },
  response: jsonResponses({ type: "object", required: ["accepted"], properties: { accepted: { const: true } } }, "recorded as the node's progress", [400, 403, 409]),
};

export const decimalQuery = (description: string) => ({ type: "string", pattern: "^(0|[1-9][0-9]{0,15})$", description });

export const INCLUSION_ROUTE = {
  summary: "An RFC 9162 inclusion proof, by event_id (in the latest checkpoint) or by index and tree size",
  tags: ["log"],
  querystring: {
    type: "object",
    properties: { event_id: { type: "string" }, index: decimalQuery("leaf index (fifo_sequence - 1)"), size: decimalQuery("tree size (default: the integrated size)") },
  },
  response: jsonResponses(logInclusionSchema, "the proof", [400, 404]),
};

export const CONSISTENCY_ROUTE = {
  summary: "An RFC 9162 consistency proof between two tree sizes",
  tags: ["log"],
  querystring: { type: "object", required: ["from"], properties: { from: decimalQuery("the older size, >= 1"), to: decimalQuery("the newer size (default: the integrated size)") } },
  response: jsonResponses(consistencySchema, "the proof and both roots", [400]),
};

export const CHECKPOINT_ROUTE = {
  summary: "The latest signed checkpoint (C2SP tlog-checkpoint in a signed note), with witness cosignatures; on a storage node run as a witness, the checkpoint it last cosigned",
  tags: ["log"],
  response: {
    200: mediaResponse("text/plain", "origin, size and base64 root lines, a blank line, signature lines (the log key's Ed25519 one, the log signer's EIP-712 one, cosignatures)"),
    404: { ...errorSchema, description: "NOT_FOUND: a storage node that is not a witness, or has cosigned nothing yet" },
  },
};

export const LOG_KEY_ROUTE = {
  summary: "The log's verifier key (Go sumdb/note encoding); verifiers should take it from their own configuration",
  tags: ["log"],
  response: { 200: mediaResponse("text/plain", "name+hash+base64 key") },
};

export const TILE_ROUTE = {
  summary: "C2SP tlog-tiles: hash tiles /tile/<L>/<N>[.p/<W>] and entry bundles /tile/entries/<N>[.p/<W>]",
  tags: ["log"],
  response: {
    200: mediaResponse("application/octet-stream", "the tile's bytes", { type: "string", contentMediaType: "application/octet-stream" }),
    404: { ...errorSchema, description: "NOT_FOUND: malformed or beyond the log" },
    500: { ...errorSchema, description: "ERR_INTERNAL: the stored log lacks a chunk (run ledger:audit)" },
  } as Record<number, object>,
};
