import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { eventHash, GENESIS_PREV_HASH, KppeError } from "../../src/sdk/index.ts";

const entry = {
  fifo_sequence: 1,
  version: "0.1",
  event_id: "evt-1",
  payload_hash: "0x" + "ab".repeat(32),
  source_id: "app-1",
  local_timestamp: "2026-11-23T12:00:00Z",
  observed_prev_hash: GENESIS_PREV_HASH,
};

// Written by hand in RFC 8785 form, then hashed with node:crypto: an implementation independent
// of the one under test. The same vectors are listed in docs/formats.md.
const canonical =
  '{"event_id":"evt-1","fifo_sequence":1,"local_timestamp":"2026-11-23T12:00:00Z",' +
  `"observed_prev_hash":"0x${"00".repeat(32)}","payload_hash":"0x${"ab".repeat(32)}","source_id":"app-1","version":"0.1"}`;
const sha256Hex = (s: string) => "0x" + createHash("sha256").update(s, "utf8").digest("hex");

describe("ledger event hash", function () {
  it("is sha256 of the RFC 8785 JSON of the seven committed fields", function () {
    assert.equal(eventHash(entry), sha256Hex(canonical));
  });

  it("commits a missing local_timestamp as null", function () {
    const withNull = canonical.replace('"2026-11-23T12:00:00Z"', "null");
    assert.equal(eventHash({ ...entry, local_timestamp: null }), sha256Hex(withNull));
  });

  it("ignores fields outside the seven, so extra receipt fields cannot change it", function () {
    const extended = { ...entry, accepted_at: "now", data: { x: 1 } } as typeof entry;
    assert.equal(eventHash(extended), eventHash(entry));
  });

  it("changes with each committed field", function () {
    const base = eventHash(entry);
    const variants = [
      { fifo_sequence: 2 },
      { version: "0.2" },
      { event_id: "evt-2" },
      { payload_hash: "0x" + "ac".repeat(32) },
      { source_id: "app-2" },
      { local_timestamp: "2026-11-23T12:00:01Z" },
      { observed_prev_hash: "0x" + "01".repeat(32) },
    ];
    for (const change of variants) assert.notEqual(eventHash({ ...entry, ...change }), base, JSON.stringify(change));
  });

  const bad: Array<[string, object, RegExp]> = [
    ["sequence 0", { fifo_sequence: 0 }, /fifo_sequence: expected an integer >= 1, got 0/],
    ["a fractional sequence", { fifo_sequence: 1.5 }, /fifo_sequence/],
    ["upper-case payload hash", { payload_hash: "0x" + "AB".repeat(32) }, /payload_hash: expected 0x followed by 64 lower-case/],
    ["a short prev hash", { observed_prev_hash: "0x1234" }, /observed_prev_hash/],
    ["a numeric event id", { event_id: 7 }, /event_id: expected a string, got 7/],
    ["a numeric timestamp", { local_timestamp: 1700000000 }, /local_timestamp: expected a string or null/],
  ];
  for (const [what, change, message] of bad) {
    it(`refuses ${what}`, function () {
      assert.throws(() => eventHash({ ...entry, ...change } as typeof entry), (e: unknown) => e instanceof KppeError && message.test(e.message));
    });
  }
});
