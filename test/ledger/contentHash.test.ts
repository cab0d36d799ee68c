import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import canonicalize from "canonicalize";
import { contentHash } from "../../src/ledger/ledger.ts";
import type { SubmittedEvent } from "../../src/ledger/types.ts";
import { validateEvent } from "../../src/ledger/validate.ts";

/** The reference: the canonicalize library over the whole event, hashed with Node's sha256. */
const reference = (event: SubmittedEvent) => "0x" + createHash("sha256").update(canonicalize(event)!, "utf8").digest("hex");

const hex32 = () => "0x" + randomBytes(32).toString("hex");
const TEXTS = ["a", "évènement", "Łódź 😀", "quote\"back\\slash", "\u2028\u2029", "日本語", "\u{1F600}\u{1F601}", "<script>"];
// Ids refuse line separators (validate.ts); the other texts still carry them.
const ID_TEXTS = TEXTS.filter((t) => !t.includes("\u2028"));
const pick = <T>(list: T[], i: number) => list[i % list.length];
const DATA: unknown[] = [
  null,
  { n: 1 },
  { b: 1, a: 2, ä: 3, A: 4, "😀": 5, é: 6 },
  [3, 1, 2, { z: [], y: {} }],
  { numbers: [0, -0, 1e21, 1e-7, 0.1 + 0.2, -1.5e300, 5e-324, 2 ** 53 + 2] },
  { controls: "tab\t unit\u001f del\u007f" },
  { nested: { deeper: { list: [true, false, null, "x"] } } },
  "just a string",
  12345.678,
  false,
];

describe("contentHash", function () {
  it("equals sha256 of the canonicalize library's RFC 8785 text for every kind of event", function () {
    for (let i = 0; i < 300; i++) {
      const raw: Record<string, unknown> = {
        version: "0.1",
        event_id: `${pick(ID_TEXTS, i)}-${i}`,
        payload_hash: hex32(),
        source_id: pick(ID_TEXTS, i + 3),
      };
      if (i % 2) raw.previous_event_hash = hex32();
      if (i % 3) raw.local_timestamp = `2026-11-23T10:00:${String(i % 60).padStart(2, "0")}Z ${pick(TEXTS, i + 5)}`;
      if (i % 5) raw.data = pick(DATA, i);
      const event = validateEvent(raw);
      assert.equal(contentHash(event), reference(event), JSON.stringify(event));
    }
  });

  it("changes with each field the client sent", function () {
    const event = validateEvent({ version: "0.1", event_id: "e-1", payload_hash: hex32(), source_id: "app", data: { n: 1 } });
    const variants: SubmittedEvent[] = [
      { ...event, event_id: "e-2" },
      { ...event, payload_hash: hex32() },
      { ...event, previous_event_hash: hex32() },
      { ...event, source_id: "other" },
      { ...event, local_timestamp: "2026-11-23T10:00:00Z" },
      { ...event, data: { n: 2 } },
      { ...event, data: null },
    ];
    const hashes = new Set([contentHash(event), ...variants.map(contentHash)]);
    assert.equal(hashes.size, variants.length + 1);
  });
});
