import type { FastifyInstance } from "fastify";
import type { Ledger } from "../ledger/ledger.ts";
import { LedgerError, type LedgerEntry } from "../ledger/types.ts";
import type { LedgerStore } from "../store/types.ts";
import { STREAM_ROUTE } from "./apiSchemas.ts";

export const STREAM_PAGE = 500;
/** While following, how often to look for entries another process appended. */
export const FOLLOW_POLL_MS = 1_000;

/**
 * `GET /stream?from_sequence=&follow=`: the ledger's entries as NDJSON from a sequence on, in
 * pages; with `follow`, it stays open and sends each new entry. Returns what ends every open
 * stream (the gateway's shutdown).
 */
export function registerStreamRoute(app: FastifyInstance, options: { store: LedgerStore; ledger: Ledger }): { endAll(): void } {
  const { store, ledger } = options;
  const followers = new Set<() => void>();
  app.get("/stream", { schema: STREAM_ROUTE }, (request, reply) => {
    const query = request.query as { from_sequence?: unknown; follow?: unknown };
    // Decimal digits only: Number() would also take "0x10", "1e3" and " 7".
    const from = query.from_sequence === undefined ? 1 : typeof query.from_sequence === "string" && /^[1-9][0-9]{0,15}$/.test(query.from_sequence) ? Number(query.from_sequence) : NaN;
    if (!Number.isSafeInteger(from) || from < 1) {
      throw new LedgerError("ERR_BAD_FORMAT", `from_sequence: expected an integer >= 1, got ${JSON.stringify(query.from_sequence)}`, { field: "from_sequence" });
    }
    const follow = query.follow === "1" || query.follow === "true";
    reply.hijack();
    const out = reply.raw;
    // `connection: close`: a stream's socket is not reused, so an ended stream never sits idle
    // in a client's pool holding the server's shutdown for its keep-alive timeout.
    out.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store", connection: "close" });
    // Headers now, not with the first entry: a follower past the head learns at once that it is connected.
    out.flushHeaders();
    let closed = false;
    let wake: (() => void) | undefined;
    const onClose = () => {
      closed = true;
      wake?.();
    };
    out.on("close", onClose);
    const nudge = () => wake?.();
    ledger.on("appended", nudge);
    followers.add(onClose);
    void (async () => {
      let next = from;
      try {
        while (!closed) {
          const page: LedgerEntry[] = await store.range(next, STREAM_PAGE);
          for (const entry of page) {
            if (!out.write(JSON.stringify(entry) + "\n")) await new Promise((r) => out.once("drain", r));
          }
          if (page.length > 0) next = page[page.length - 1].fifo_sequence + 1;
          if (page.length === STREAM_PAGE) continue;
          if (!follow) break;
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, FOLLOW_POLL_MS).unref();
          });
        }
      } catch (error) {
        request.log.error({ err: error }, "stream failed");
      } finally {
        ledger.off("appended", nudge);
        followers.delete(onClose);
        out.end();
      }
    })();
  });
  return {
    endAll() {
      for (const end of followers) end();
    },
  };
}
