import { KppeError } from "../errors.ts";

/** The gateway's error body: `{accepted: false, error, message, ...details}`. */
export interface GatewayErrorBody {
  accepted?: false;
  error: string;
  message: string;
  [detail: string]: unknown;
}

/** An answer from the gateway that is not a success: its protocol code, HTTP status and details. */
export class GatewayError extends KppeError {
  readonly status: number;
  readonly body: GatewayErrorBody;
  /** True when the same request may succeed later (the gateway was down, busy or unreachable). */
  readonly retryable: boolean;

  constructor(status: number, body: GatewayErrorBody, retryable = false) {
    const { error, message, accepted: _accepted, ...details } = body;
    super(error, `${error} (HTTP ${status}): ${message}`, { details });
    this.name = "GatewayError";
    this.status = status;
    this.body = body;
    this.retryable = retryable;
  }
}

export class BadFormatError extends GatewayError {
  /** The field the gateway named, when it named one. */
  get field(): string | undefined {
    return typeof this.body.field === "string" ? this.body.field : undefined;
  }
}

export class BadVersionError extends GatewayError {}

/** `previous_event_hash` was not the head: `head` is the current head, to link the next try to. */
export class BadPrevHashError extends GatewayError {
  get head(): { fifo_sequence: number; event_hash: string } | undefined {
    return this.body.head as { fifo_sequence: number; event_hash: string } | undefined;
  }
}

/** The source has no credits left. */
export class NoTokenError extends GatewayError {}

/** The event id is taken by an event with different content. */
export class DuplicateEventError extends GatewayError {}

/** A refusal that passes: the same request may be sent again after `retryAfterMs` (the gateway's Retry-After). */
export class RetryLaterError extends GatewayError {
  readonly retryAfterMs: number;
  constructor(status: number, body: GatewayErrorBody, retryAfterMs: number) {
    super(status, body, true);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The source is over its rate: retry after `retryAfterMs`. */
export class RateLimitError extends RetryLaterError {}

/** The ledger's store is unreachable; nothing was written: retry after `retryAfterMs`. */
export class FifoDownError extends RetryLaterError {}

/** A permanent refusal by the gateway: the same request fails the same way. */
export class GatewayInternalError extends GatewayError {}

/** The gateway could not be reached, or did not answer in time. */
export class GatewayUnreachableError extends KppeError {
  constructor(url: string, cause: unknown) {
    super("ERR_UNREACHABLE", `no answer from ${url}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = "GatewayUnreachableError";
  }
}

/** The typed error for an answer with status `status`, body `body` and `Retry-After` header `retryAfter`. */
export function gatewayError(status: number, body: GatewayErrorBody, retryAfter: string | null): GatewayError {
  const retryAfterMs = Math.max(0, Number(retryAfter ?? "1") || 1) * 1000;
  switch (body.error) {
    case "ERR_BAD_FORMAT":
      return new BadFormatError(status, body);
    case "ERR_BAD_VERSION":
      return new BadVersionError(status, body);
    case "ERR_BAD_PREV_HASH":
      return new BadPrevHashError(status, body);
    case "ERR_NO_TOKEN":
      return new NoTokenError(status, body);
    case "ERR_DUPLICATE_EVENT":
      return new DuplicateEventError(status, body);
    case "ERR_RATE_LIMIT":
      return new RateLimitError(status, body, retryAfterMs);
    case "ERR_FIFO_DOWN":
      return new FifoDownError(status, body, retryAfterMs);
    case "ERR_INTERNAL":
      return new GatewayInternalError(status, body);
    default:
      // A status the protocol does not name (a proxy's 502, the gateway's NOT_FOUND): 5xx may pass.
      return new GatewayError(status, body, status >= 500);
  }
}
