import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { streamLines } from "../../src/client/stream.ts";

/** A loopback server whose /stream answer `write` produces, chunk by chunk. */
async function streamServer(write: (response: ServerResponse) => Promise<void>): Promise<{ url: string; close(): void }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/x-ndjson" });
    void write(response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const line = (n: number) => JSON.stringify({ fifo_sequence: n, event_id: `event-${n}`, data: { text: "x".repeat(n % 7) } });

/** Every group, in order; `busyMs` is how long the reader works on each one before asking for the next. */
async function collect(groups: AsyncGenerator<string[]>, busyMs = 0): Promise<string[][]> {
  const seen: string[][] = [];
  for await (const group of groups) {
    seen.push(group);
    if (busyMs) await sleep(busyMs);
  }
  return seen;
}

describe("streamLines: a gateway's /stream as groups of NDJSON lines", () => {
  it("gives every line once, whole and in order, however the network splits them, the last one without a newline included", async () => {
    const text = [1, 2, 3, 4, 5].map(line).join("\n"); // no newline after the last line
    const cuts = [3, 40, 41, 90, 150, text.length - 5];
    const server = await streamServer(async (response) => {
      let from = 0;
      for (const cut of [...cuts, text.length]) {
        response.write(text.slice(from, cut));
        from = cut;
        await sleep(15);
      }
      response.end();
    });
    try {
      const groups = await collect(streamLines(server.url, 1));
      assert.deepEqual(groups.flat(), [1, 2, 3, 4, 5].map(line));
      for (const group of groups) for (const l of group) JSON.parse(l);
    } finally {
      server.close();
    }
  });

  it("a reader that is behind gets what has arrived as one group, not one group per network read", async () => {
    // The gateway writes pages of entries as fast as the socket takes them; the reader spends
    // 50 ms on each group (a storage node's commit and checks).
    const server = await streamServer(async (response) => {
      for (let page = 0; page < 20; page++) {
        const lines = Array.from({ length: 1_000 }, (_, i) => line(page * 1_000 + i + 1) + "\n").join("");
        if (!response.write(lines)) await new Promise((resolve) => response.once("drain", resolve));
      }
      response.end();
    });
    try {
      const groups = await collect(streamLines(server.url, 1), 50);
      assert.deepEqual(groups.flat(), Array.from({ length: 20_000 }, (_, i) => line(i + 1)));
      assert.ok(groups.length <= 5, `20,000 lines in pages of 1,000 came in ${groups.length} groups`);
    } finally {
      server.close();
    }
  });

  it("a reader that keeps up gets each line as it arrives", async () => {
    const server = await streamServer(async (response) => {
      for (let n = 1; n <= 5; n++) {
        response.write(line(n) + "\n");
        await sleep(60);
      }
      response.end();
    });
    try {
      const groups = await collect(streamLines(server.url, 1));
      assert.deepEqual(groups, [1, 2, 3, 4, 5].map((n) => [line(n)]));
    } finally {
      server.close();
    }
  });
});
