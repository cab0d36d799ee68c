// "kppe/client": a client for a KPPE gateway (fetch only; Node 22+ and browsers).
export { GatewayClient, eventBody, type GatewayClientOptions, type EventInput, type SubmittedEventBody, type ReceiptLookup, type WaitOptions } from "../client/gateway.ts";
export {
  GatewayError,
  BadFormatError,
  BadVersionError,
  BadPrevHashError,
  NoTokenError,
  DuplicateEventError,
  RetryLaterError,
  RateLimitError,
  FifoDownError,
  GatewayInternalError,
  GatewayUnreachableError,
  type GatewayErrorBody,
} from "../client/errors.ts";
export type { EnqueueReceipt, LedgerEntry, LedgerHead } from "../ledger/types.ts";
