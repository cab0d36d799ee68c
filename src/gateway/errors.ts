import { LedgerError, type LedgerErrorCode } from "../ledger/types.ts";

/** HTTP status of each protocol error: decided here, at the edge; the ledger knows no HTTP. */
export const HTTP_STATUS: Record<LedgerErrorCode, number> = {
  ERR_BAD_FORMAT: 400,
  ERR_BAD_VERSION: 400,
  ERR_BAD_PREV_HASH: 409,
  ERR_NO_TOKEN: 402,
  ERR_RATE_LIMIT: 429,
  ERR_DUPLICATE_EVENT: 409,
  ERR_FIFO_DOWN: 503,
  ERR_INTERNAL: 500,
};

/** A protocol error with a more precise HTTP status than its code's default (401, 403). */
export class HttpLedgerError extends LedgerError {
  readonly status: number;
  constructor(status: number, code: LedgerErrorCode, message: string) {
    super(code, message);
    this.status = status;
  }
}

/** Seconds a client should wait before retrying after ERR_FIFO_DOWN. */
export const RETRY_AFTER_DOWN_S = 5;

/** The one error body the gateway sends, for protocol errors and the HTTP layer's own alike. */
export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { accepted: false, error: code, message, ...details };
}
