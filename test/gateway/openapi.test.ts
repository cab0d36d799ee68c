import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import { clientHash } from "../../src/hashing/canonical.ts";
import { sqliteFixture, type StoreFixture } from "../helpers/stores.ts";

interface Operation {
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
type OpenApi = { openapi: string; paths: Record<string, Record<string, Operation>> };

// /openapi.json is generated from the routes' schemas: every route is in it and nothing else,
// the real answers match what it says, and input it refuses the gateway refuses too.
describe("the gateway's OpenAPI description", function () {
  this.timeout(30_000);
  let fixture: StoreFixture;
  let gateway: Gateway;
  let url: string;
  let doc: OpenApi;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);

  let n = 0;
  const event = (overrides: Record<string, unknown> = {}) => {
    const data = { n: ++n };
    return { version: "0.1", event_id: `openapi-${n}`, payload_hash: clientHash(data), source_id: "app", data, ...overrides };
  };
  const post = (path: string, body: unknown) => fetch(url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  /** Asserts that `response` is one the description lists for `method path`, with a body its schema accepts. */
  async function conforms(method: string, path: string, response: Response): Promise<unknown> {
    const operation = doc.paths[path]?.[method];
    assert.ok(operation, `${method.toUpperCase()} ${path} is described`);
    const described = operation.responses[String(response.status)];
    assert.ok(described, `${method.toUpperCase()} ${path} answered ${response.status}, which the description does not list`);
    const type = response.headers.get("content-type")!.split(";")[0];
    const schema = described.content?.[type]?.schema;
    assert.ok(schema, `${method.toUpperCase()} ${path} ${response.status} answered ${type}, which the description does not list`);
    const text = await response.text();
    const bodies = type === "application/json" ? [JSON.parse(text)] : type === "application/x-ndjson" ? text.trim().split("\n").map((line) => JSON.parse(line)) : [text];
    for (const body of bodies) assert.ok(ajv.validate(schema, body), `${method.toUpperCase()} ${path} ${response.status}: ${ajv.errorsText()}\n${text.slice(0, 500)}`);
    return bodies[0];
  }

  before(async function () {
    fixture = sqliteFixture();
    gateway = createGateway({ store: await fixture.open(), port: 0, logLevel: false });
    url = await gateway.listen();
    const response = await fetch(`${url}/openapi.json`);
    assert.equal(response.status, 200);
    doc = (await response.json()) as OpenApi;
  });
  after(async function () {
    await gateway.close();
    await fixture.cleanup();
  });

  it("is OpenAPI 3.1 and lists exactly the gateway's routes", function () {
    assert.equal(doc.openapi, "3.1.0");
    const routes = new Set(gateway.routes.map((route) => route.replace(/:(\w+)/g, "{$1}").replace(/\*$/, "{*}")));
    const described = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
    const hidden = new Set(["GET /verify", "GET /verify/verify.js", "GET /openapi.json"]);
    assert.deepEqual([...routes].filter((r) => !described.has(r) && !hidden.has(r)), [], "every route is described");
    assert.deepEqual([...described].filter((r) => !routes.has(r)), [], "nothing is described that is not a route");
  });

  it("describes the real answers of the ledger's routes, successes and refusals alike", async function () {
    const first = event();
    await conforms("post", "/submit", await post("/submit", first));
    await conforms("post", "/submit", await post("/submit", first)); // the retry: duplicate
    await conforms("post", "/submit", await post("/submit", event({ event_id: "" })));
    await conforms("post", "/submit", await post("/submit", event({ event_id: first.event_id, data: { other: true }, payload_hash: clientHash({ other: true }) })));
    await conforms("post", "/submit", await fetch(url + "/submit", { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" }));
    await conforms("post", "/submit_batch", await post("/submit_batch", { events: [event(), event()] }));
    await conforms("post", "/submit_batch", await post("/submit_batch", { events: [] }));
    const head = (await conforms("get", "/head", await fetch(`${url}/head`))) as { event_hash: string };
    await conforms("post", "/submit", await post("/submit", event({ previous_event_hash: "0x" + "ab".repeat(32) })));
    await conforms("post", "/submit", await post("/submit", event({ previous_event_hash: head.event_hash })));
    await conforms("get", "/receipts/{event_id}", await fetch(`${url}/receipts/${first.event_id}`));
    await conforms("get", "/receipts/{event_id}", await fetch(`${url}/receipts/nope`));
    await conforms("get", "/stream", await fetch(`${url}/stream`));
    await conforms("get", "/stream", await fetch(`${url}/stream?from_sequence=0x10`));
    await conforms("get", "/health", await fetch(`${url}/health`));
    await conforms("get", "/metrics", await fetch(`${url}/metrics`));
  });

  it("describes the real answers of the log's routes", async function () {
    await post("/submit_batch", { events: [event(), event(), event()] });
    // Integration runs off the submit path: wait until the checkpoint covers the ledger.
    const integrated = async () => Number((await (await fetch(`${url}/checkpoint`)).text()).split("\n")[1]);
    for (let i = 0; i < 100 && (await integrated()) < 5; i++) await new Promise((r) => setTimeout(r, 50));
    await conforms("get", "/checkpoint", await fetch(`${url}/checkpoint`));
    await conforms("get", "/log/key", await fetch(`${url}/log/key`));
    await conforms("get", "/proof/inclusion", await fetch(`${url}/proof/inclusion?index=1&size=3`));
    await conforms("get", "/proof/inclusion", await fetch(`${url}/proof/inclusion?event_id=openapi-1`));
    await conforms("get", "/proof/inclusion", await fetch(`${url}/proof/inclusion?index=9&size=3`));
    await conforms("get", "/proof/consistency", await fetch(`${url}/proof/consistency?from=2&to=4`));
    await conforms("get", "/proof/consistency", await fetch(`${url}/proof/consistency?from=0`));
    await conforms("get", "/tile/{*}", await fetch(`${url}/tile/entries/000.p/3`));
    await conforms("get", "/tile/{*}", await fetch(`${url}/tile/0/x999`));
    await conforms("get", "/verify/", await fetch(`${url}/verify/`));
  });

  it("refuses input the description refuses, and accepts input it allows", async function () {
    const schema = doc.paths["/submit"].post.requestBody!.content["application/json"].schema;
    const valid = ajv.compile(schema);
    const cases: Array<[string, unknown]> = [
      ["a missing field", (({ source_id: _, ...rest }) => rest)(event())],
      ["an unknown field", event({ extra: 1 })],
      ["an upper-case payload_hash", event({ payload_hash: "0x" + "AB".repeat(32) })],
      ["an event_id of 129 characters", event({ event_id: "x".repeat(129) })],
      ["another version", event({ version: "0.2" })],
      ["a numeric source_id", event({ source_id: 7 })],
      ["a short previous_event_hash", event({ previous_event_hash: "0x12" })],
    ];
    for (const [what, body] of cases) {
      assert.equal(valid(body), false, `the description refuses ${what}`);
      const response = await post("/submit", body);
      assert.equal(response.status, 400, `the gateway refuses ${what}`);
    }
    const good = event({ local_timestamp: "2026-12-03T10:00:00Z", previous_event_hash: null });
    assert.equal(valid(good), true, ajv.errorsText(valid.errors));
    assert.equal((await post("/submit", good)).status, 200);
  });
});
