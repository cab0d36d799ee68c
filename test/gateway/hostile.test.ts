// Hostile input, one table for both stores with the same expectations: every refusal is the
// documented error body with the code and status a client relies on, names the field, writes
// nothing, and never fails another client's submission.
import assert from "node:assert/strict";
import net from "node:net";
import { createGateway, type Gateway, type GatewayOptions, MAX_BATCH_EVENTS } from "../../src/gateway/server.ts";
import { auditLedger } from "../../src/ledger/audit.ts";
import { apiKeyHash } from "../../src/ledger/sources.ts";
import { clientHash } from "../../src/sdk/index.ts";
import { poisonTrigger, STORE_FIXTURES, type StoreFixture } from "../helpers/stores.ts";

let n = 0;
function event(overrides: Record<string, unknown> = {}) {
  n++;
  const body = { type: "click", n };
  return { version: "0.1", event_id: `h-${process.pid}-${n}`, payload_hash: clientHash(body), source_id: "web", data: body, ...overrides };
}

async function post(url: string, body: unknown, options: { raw?: boolean; contentType?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": options.contentType ?? "application/json", ...options.headers },
    body: options.raw ? (body as string) : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, any> };
}

/** Sends raw bytes on a new socket and resolves with everything the server sent before it closed (or `waitMs` passed). */
function rawExchange(url: string, bytes: string, waitMs = 5_000): Promise<{ text: string; closed: boolean; ms: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(Number(port), hostname, () => socket.write(bytes));
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false, ms: Date.now() - started });
    }, waitMs);
    socket.on("data", (d) => (text += d));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text, closed: true, ms: Date.now() - started });
    });
  });
}

/** The documented error body: {accepted: false, error, message, ...}. */
function assertErrorBody(json: Record<string, unknown>, code: string, message?: RegExp) {
  assert.equal(json.accepted, false, JSON.stringify(json));
  assert.equal(json.error, code, JSON.stringify(json));
  assert.equal(typeof json.message, "string");
  if (message) assert.match(json.message as string, message);
}

const deep = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const eventText = (dataJson: string, id = `raw-${process.pid}-${++n}`) =>
  `{"version":"0.1","event_id":"${id}","payload_hash":"0x${"ab".repeat(32)}","source_id":"web","data":${dataJson}}`;

// [what, body (a string is sent as is), HTTP status, code, message]
const BAD_EVENTS: Array<[string, () => unknown, number, string, RegExp]> = [
  ["malformed JSON", () => '{"version": "0.1",', 400, "ERR_BAD_FORMAT", /JSON/i],
  ["an array instead of an object", () => [event()], 400, "ERR_BAD_FORMAT", /expected a JSON object/],
  ["an unknown version", () => event({ version: "1.0" }), 400, "ERR_BAD_VERSION", /unsupported "1.0"/],
  ["a numeric version", () => event({ version: 0.1 }), 400, "ERR_BAD_VERSION", /unsupported 0.1/],
  ["a missing version", () => ({ ...event(), version: undefined }), 400, "ERR_BAD_FORMAT", /missing version/],
  ["a missing event_id", () => ({ ...event(), event_id: undefined }), 400, "ERR_BAD_FORMAT", /missing event_id/],
  ["only application fields", () => ({ type: "click" }), 400, "ERR_BAD_FORMAT", /missing version, event_id, payload_hash, source_id; unknown field type\. .*put your own fields in data/],
  ["a numeric event_id", () => event({ event_id: 42 }), 400, "ERR_BAD_FORMAT", /event_id: expected a string, got number/],
  ["an event_id of 129 characters", () => event({ event_id: "x".repeat(129) }), 400, "ERR_BAD_FORMAT", /1 to 128 characters, got 129/],
  ["an event_id of 129 emoji (counted as characters, not UTF-16 units)", () => event({ event_id: "🙂".repeat(129) }), 400, "ERR_BAD_FORMAT", /got 129/],
  ["a control character in event_id", () => event({ event_id: "a\u0000b" }), 400, "ERR_BAD_FORMAT", /control/],
  ["a bidirectional override in event_id", () => event({ event_id: "invoice\u202Egpj.exe" }), 400, "ERR_BAD_FORMAT", /event_id: .*format/],
  ["a zero-width space in event_id", () => event({ event_id: "a\u200Bb" }), 400, "ERR_BAD_FORMAT", /event_id: .*format/],
  ["a white-space-only event_id", () => event({ event_id: "   " }), 400, "ERR_BAD_FORMAT", /event_id: must not be only white space/],
  ["a line separator in source_id", () => event({ source_id: "a\u2028b" }), 400, "ERR_BAD_FORMAT", /source_id/],
  ["a lone surrogate in source_id", () => event({ source_id: "a\ud800" }), 400, "ERR_BAD_FORMAT", /lone surrogates/],
  ["upper-case hex", () => event({ payload_hash: "0x" + "AB".repeat(32) }), 400, "ERR_BAD_FORMAT", /payload_hash: expected 0x followed by 64 lower-case/],
  ["a short payload hash", () => event({ payload_hash: "0x1234" }), 400, "ERR_BAD_FORMAT", /payload_hash/],
  ["non-hex characters", () => event({ payload_hash: "0x" + "zz".repeat(32) }), 400, "ERR_BAD_FORMAT", /payload_hash/],
  ["the zero payload hash", () => event({ payload_hash: "0x" + "00".repeat(32) }), 400, "ERR_BAD_FORMAT", /zero hash is padding/],
  ["a bad previous_event_hash", () => event({ previous_event_hash: "head" }), 400, "ERR_BAD_FORMAT", /previous_event_hash/],
  ["a missing source_id", () => ({ ...event(), source_id: undefined }), 400, "ERR_BAD_FORMAT", /missing source_id/],
  ["a numeric local_timestamp", () => event({ local_timestamp: 1700000000 }), 400, "ERR_BAD_FORMAT", /local_timestamp/],
  ["an unknown field", () => event({ client_hash: "0x" }), 400, "ERR_BAD_FORMAT", /unknown field client_hash/],
  ["a body over 64 KiB", () => event({ data: "x".repeat(70_000) }), 413, "ERR_BAD_FORMAT", /body/i],
  ["U+0000 in a data string (jsonb cannot hold it)", () => event({ data: { s: "a\u0000b" } }), 400, "ERR_BAD_FORMAT", /event\.data\.s: .*U\+0000/],
  ["U+0000 in a data key", () => event({ data: { "a\u0000": 1 } }), 400, "ERR_BAD_FORMAT", /event\.data.*keys must not contain U\+0000/],
  ["a lone surrogate in data", () => eventText('{"s":"\\ud800"}'), 400, "ERR_BAD_FORMAT", /event\.data\.s: .*lone surrogates/],
  ["a number too large for a double in data", () => eventText('{"big":1e400}'), 400, "ERR_BAD_FORMAT", /event\.data\.big: numbers must be finite/],
  ["data nested 65 deep", () => eventText(deep(65)), 400, "ERR_BAD_FORMAT", /event\.data.*nested deeper than 64/],
  ["data nested 30,000 deep (no stack overflow)", () => eventText(deep(30_000)), 400, "ERR_BAD_FORMAT", /nested deeper than 64/],
];

for (const makeFixture of STORE_FIXTURES) {
  const kind = makeFixture().kind;
  describe(`gateway under hostile input on ${kind}`, function () {
    this.timeout(60_000);
    let fixture: StoreFixture;
    let gateway: Gateway;
    let url: string;
    const start = async (options: Partial<GatewayOptions> = {}) => {
      gateway = createGateway({ store: await fixture.open(), port: 0, logLevel: false, ...options });
      url = await gateway.listen();
    };
    const headSequence = async () => (await (await fetch(`${url}/head`)).json()).fifo_sequence;

    beforeEach(async function () {
      fixture = makeFixture();
    });
    afterEach(async function () {
      await gateway.close();
      await fixture.cleanup();
    });

    for (const [what, body, status, code, message] of BAD_EVENTS) {
      it(`refuses ${what} with ${status} ${code} and writes nothing`, async function () {
        await start();
        const value = body();
        const { status: got, json } = await post(`${url}/submit`, value, { raw: typeof value === "string" });
        assert.equal(got, status, JSON.stringify(json));
        assertErrorBody(json, code, message);
        assert.equal(await headSequence(), 0);
      });
    }

    it("keeps every value JSON allows in data exactly as sent, one by one and in a batch: scalars, nesting, key order, __proto__, escapes", async function () {
      await start();
      const values: unknown[] = ["hello", "123", "true", "null", "", 123, -0.5, 1e21, true, false, null, [], {}, [1, "a", null, [true]],
        { b: 1, a: { z: [1, 2], y: "x" }, c: null }, JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":1}}'), JSON.parse(deep(64)), "Łódź 🙂 \u202E",
        // What PostgreSQL's COPY text format would read as escapes, a NULL or the end of data (a batch goes by COPY there).
        "\\N", "\\.", "back\\slash\ttab\nnew line\r\u2028 \\t"];
      // One by one, then all in one batch (its event ids with the same escapes, where validation allows them).
      const singles = values.map((data) => event({ data }));
      const batch = values.map((data, i) => event({ data, event_id: `${["\\N", "\\.", "a\\tb", "c\\\\d"][i % 4]}-${i}-${process.pid}` }));
      for (const sent of singles) {
        const { status, json } = await post(`${url}/submit`, sent);
        assert.equal(status, 200, JSON.stringify(json));
      }
      const { status, json } = await post(`${url}/submit_batch`, { events: batch });
      assert.equal(status, 200, JSON.stringify(json));
      assert.equal(({} as Record<string, unknown>).polluted, undefined, "no prototype pollution");
      const stream = (await (await fetch(`${url}/stream`)).text()).trim().split("\n").map((line) => JSON.parse(line));
      for (const [i, sent] of [...singles, ...batch].entries()) {
        const entry = (await (await fetch(`${url}/receipts/${encodeURIComponent(sent.event_id)}`)).json()).entry;
        // Compared as text: the same values with their keys in the same order.
        assert.equal(JSON.stringify(entry.data), JSON.stringify(sent.data), `receipt of ${JSON.stringify(sent.data)?.slice(0, 40)}`);
        assert.equal(entry.event_id, sent.event_id);
        assert.equal(JSON.stringify(stream[i].data), JSON.stringify(sent.data), `stream entry ${i + 1}`);
        assert.equal(stream[i].event_id, sent.event_id, `stream entry ${i + 1}`);
      }
      const reopened = await fixture.open();
      try {
        const audit = await auditLedger((f, l) => reopened.range(f, l));
        assert.deepEqual([audit.ok, audit.checked], [true, values.length * 2]);
      } finally {
        await reopened.close();
      }
    });

    it("an event that fails validation fails alone while 16 other clients submit", async function () {
      await start();
      const bad = event({ data: { s: "\u0000" } });
      const results = await Promise.all([
        post(`${url}/submit`, bad),
        ...Array.from({ length: 16 }, async () => {
          const statuses: number[] = [];
          for (let i = 0; i < 25; i++) statuses.push((await post(`${url}/submit`, event())).status);
          return { status: statuses.every((s) => s === 200) ? 200 : 0, json: {} };
        }),
      ]);
      assert.equal(results[0].status, 400);
      assertErrorBody(results[0].json, "ERR_BAD_FORMAT", /event\.data\.s/);
      assert.deepEqual(results.slice(1).map((r) => r.status), Array(16).fill(200));
      assert.equal(await headSequence(), 400);
    });

    it("an event the store itself refuses fails alone with a permanent error, in a group commit and in a batch", async function () {
      await start();
      await fixture.exec(poisonTrigger(kind));
      const [poisoned, ...others] = await Promise.all([
        post(`${url}/submit`, event({ source_id: "poison" })),
        ...Array.from({ length: 16 }, () => post(`${url}/submit`, event())),
      ]);
      assert.equal(poisoned.status, 500, JSON.stringify(poisoned.json));
      assertErrorBody(poisoned.json, "ERR_INTERNAL", /refused this submission: .*poisoned entry.*nothing was written/);
      assert.equal(poisoned.headers.get("retry-after"), null, "a permanent refusal is not 'retry later'");
      assert.deepEqual(others.map((o) => o.status), Array(16).fill(200));
      const batch = await post(`${url}/submit_batch`, { events: [event(), event({ source_id: "poison" })] });
      assert.equal(batch.status, 500);
      assert.equal(await headSequence(), 16, "the refused batch wrote none of its events");
      const after = await post(`${url}/submit`, event());
      assert.equal(after.json.fifo_sequence, 17);
      assert.equal((await (await fetch(`${url}/health`)).json()).state, "ACCEPTING", "a refusal is not an outage");
    });

    it("answers a wrong content type with 415 in the error body", async function () {
      await start();
      const { status, json } = await post(`${url}/submit`, event(), { contentType: "text/plain" });
      assert.equal(status, 415);
      assertErrorBody(json, "ERR_BAD_FORMAT", /content-type/i);
    });

    it("answers unknown ids, impossible ids and over-long ids as not found without asking the store", async function () {
      await start();
      for (const [path, status] of [["/receipts/nope", 404], ["/receipts/abc%00def", 404], ["/receipts/%E2%80%AE", 404], [`/receipts/${"x".repeat(3_000)}`, 414], ["/nowhere", 404]] as const) {
        const response = await fetch(`${url}${path}`);
        assert.equal(response.status, status, path);
        assertErrorBody((await response.json()) as Record<string, unknown>, status === 414 ? "ERR_BAD_FORMAT" : "NOT_FOUND");
      }
    });

    it("takes only decimal from_sequence values on /stream", async function () {
      await start();
      await post(`${url}/submit`, event());
      for (const bad of ["0", "0x10", "1e3", "%207", "1.0", "-1", "99999999999999999"]) {
        const response = await fetch(`${url}/stream?from_sequence=${bad}`);
        assert.equal(response.status, 400, bad);
        assertErrorBody((await response.json()) as Record<string, unknown>, "ERR_BAD_FORMAT", /from_sequence/);
      }
      assert.equal((await fetch(`${url}/stream?from_sequence=1`)).status, 200);
    });

    it("sends a follower's headers at once, even past the head", async function () {
      await start();
      const controller = new AbortController();
      const started = Date.now();
      const response = await fetch(`${url}/stream?from_sequence=5&follow=1`, { signal: controller.signal });
      assert.equal(response.status, 200);
      assert.ok(Date.now() - started < 1_000, `headers took ${Date.now() - started} ms`);
      controller.abort();
    });

    it("answers the HTTP layer's own refusals (431, 400) with the error body", async function () {
      await start();
      const big = await rawExchange(url, `GET /head HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
      assert.match(big.text, /^HTTP\/1\.1 431 /);
      assertErrorBody(JSON.parse(big.text.slice(big.text.indexOf("\r\n\r\n") + 4)), "ERR_BAD_FORMAT", /headers are too large/);
      const garbage = await rawExchange(url, "NOT HTTP AT ALL\r\n\r\n");
      assert.match(garbage.text, /^HTTP\/1\.1 400 /);
      assertErrorBody(JSON.parse(garbage.text.slice(garbage.text.indexOf("\r\n\r\n") + 4)), "ERR_BAD_FORMAT", /malformed HTTP request/);
      const badUrl = await fetch(`${url}/receipts/%zz`);
      assert.equal(badUrl.status, 400);
      assertErrorBody((await badUrl.json()) as Record<string, unknown>, "ERR_BAD_FORMAT");
    });

    it("closes a request whose body never finishes arriving, and one that sends nothing", async function () {
      await start({ requestTimeoutMs: 600, headersTimeoutMs: 300 });
      const partial = await rawExchange(url, `POST /submit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"version":`);
      assert.equal(partial.closed, true, "the slow request was closed");
      assert.ok(partial.ms < 3_000, `closed after ${partial.ms} ms`);
      const silent = await rawExchange(url, "");
      assert.equal(silent.closed, true, "the silent connection was closed");
      assert.ok(silent.ms < 3_000, `closed after ${silent.ms} ms`);
      assert.equal(await headSequence(), 0);
    });

    it("bounds open connections per address", async function () {
      await start({ maxConnectionsPerAddress: 4 });
      const { hostname, port } = new URL(url);
      const sockets = await Promise.all(Array.from({ length: 10 }, () => new Promise<net.Socket>((resolve) => {
        const socket = net.connect(Number(port), hostname, () => resolve(socket));
        socket.on("error", () => undefined);
      })));
      await new Promise((r) => setTimeout(r, 200));
      const open = sockets.filter((s) => !s.destroyed && s.readyState === "open");
      assert.equal(open.length, 4, `${open.length} of 10 connections stayed open`);
      for (const s of sockets) s.destroy();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal((await fetch(`${url}/head`)).status, 200, "closed connections free their places");
    });

    it("production: refuses a request without a valid key from its headers, before its body arrives", async function () {
      await start({ profile: "production" });
      const store = gateway.ledger.store;
      await store.createSource({ source_id: "web", api_key_hash: apiKeyHash("k-good"), credits: null, rate_per_second: null, burst: null, created_at: new Date().toISOString() });
      // Headers promise 1 MiB that never comes: the answer must not wait for it.
      const noKey = await rawExchange(url, `POST /submit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n`, 3_000);
      assert.match(noKey.text, /^HTTP\/1\.1 401 /);
      assert.ok(noKey.ms < 2_000, `answered after ${noKey.ms} ms`);
      assertErrorBody(JSON.parse(noKey.text.slice(noKey.text.indexOf("\r\n\r\n") + 4)), "ERR_NO_TOKEN", /missing API key/);
      const wrong = await post(`${url}/submit`, event(), { headers: { authorization: "Bearer k-bad" } });
      assert.equal(wrong.status, 401);
      const good = await post(`${url}/submit`, event(), { headers: { authorization: "Bearer k-good" } });
      assert.equal(good.status, 200, JSON.stringify(good.json));
    });

    it("refuses batches that are empty, too large or shaped wrong", async function () {
      await start();
      for (const body of [{ events: [] }, { events: Array.from({ length: MAX_BATCH_EVENTS + 1 }, () => event()) }, [event()], { events: [event()], extra: 1 }]) {
        const { status, json } = await post(`${url}/submit_batch`, body);
        assert.equal(status, 400, JSON.stringify(json));
        assertErrorBody(json, "ERR_BAD_FORMAT");
      }
      assert.equal(await headSequence(), 0);
    });
  });
}
