import { canonicalJson } from "./canonical.ts";

/** The submitted content an entry's `content_hash` covers: the event's fields and its `data`. */
export interface SubmittedContent {
  version: string;
  event_id: string;
  previous_event_hash: string | null;
  payload_hash: string;
  source_id: string;
  local_timestamp: string | null;
  data: unknown;
}

/**
 * RFC 8785 JSON of everything the client sent for an event; `content_hash` is its sha256. The
 * fixed fields are written directly, in RFC 8785 key order, and only `data` goes through the
 * general canonicalizer: the same text at half the cost (every event pays it;
 * test/ledger/contentHash.test.ts compares it with the canonicalize library's).
 */
export function contentText(event: SubmittedContent): string {
  const { data, event_id, local_timestamp, payload_hash, previous_event_hash, source_id, version } = event;
  return (
    `{"data":${canonicalJson(data)},"event_id":${JSON.stringify(event_id)},"local_timestamp":${JSON.stringify(local_timestamp)},` +
    `"payload_hash":${JSON.stringify(payload_hash)},"previous_event_hash":${JSON.stringify(previous_event_hash)},"source_id":${JSON.stringify(source_id)},"version":${JSON.stringify(version)}}`
  );
}
