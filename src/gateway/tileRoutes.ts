import type { FastifyInstance, FastifyReply } from "fastify";
import type { LogService } from "../log/service.ts";
import { CHUNK_WIDTH } from "../log/store.ts";
import type { LedgerStore } from "../store/types.ts";
import { TILE_ROUTE } from "./apiSchemas.ts";
import { errorBody } from "./errors.ts";

/** Hashes (or entries) in a full tile (C2SP tlog-tiles). */
const TILE_WIDTH = 256;
/** Tree levels one tile level spans. */
const TILE_HEIGHT = 8;
/** Our leaf data: event_hash || content_hash. */
const ENTRY_BYTES = 64;

/** `<N>[.p/<W>]` of a tile path: N in 3-digit groups, all but the last prefixed with x (1234067 is x001/x234/067). */
function parseIndex(path: string): { index: number; width?: number } | undefined {
  const match = /^((?:x\d{3}\/)*)(\d{3})(?:\.p\/([1-9]\d{0,2}))?$/.exec(path);
  if (!match) return undefined;
  const index = Number((match[1].replaceAll("x", "").replaceAll("/", "") + match[2]).replace(/^0+(?=\d)/, ""));
  const width = match[3] === undefined ? undefined : Number(match[3]);
  if (!Number.isSafeInteger(index) || (width !== undefined && width > 255)) return undefined;
  return { index, width };
}

/**
 * The log, read-only, in the C2SP tlog-tiles layout, so standard transparency-log clients can read
 * and monitor it: `GET /tile/<L>/<N>[.p/<W>]` (hashes of tree level 8L) and
 * `GET /tile/entries/<N>[.p/<W>]` (entries, each a big-endian uint16 length and our 64 bytes of
 * leaf data, event_hash || content_hash). `/checkpoint` is the log's. Only what the integrated
 * log holds is served; full tiles never change and are cached for a year.
 */
export function registerTileRoutes(app: FastifyInstance, { store, logService }: { store: LedgerStore; logService: LogService }): void {
  const notFound = (reply: FastifyReply, message: string) => reply.code(404).send(errorBody("NOT_FOUND", message));
  const send = (reply: FastifyReply, bytes: Uint8Array, full: boolean) =>
    reply
      .type("application/octet-stream")
      .header("cache-control", full ? "public, max-age=31536000, immutable" : "public, max-age=5")
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

  app.get("/tile/*", { schema: TILE_ROUTE }, async (request, reply) => {
    const path = (request.params as { "*": string })["*"];
    const entries = path.startsWith("entries/");
    const level = entries ? 0 : Number(/^(0|[1-9]\d?)\//.exec(path)?.[1] ?? NaN);
    if (!entries && !(level <= 63)) return notFound(reply, `no tile ${JSON.stringify(path.slice(0, 200))}: expected /tile/<L>/<N>[.p/<W>] or /tile/entries/<N>[.p/<W>] (C2SP tlog-tiles)`);
    const parsed = parseIndex(path.slice(entries ? "entries/".length : path.indexOf("/") + 1));
    if (!parsed) return notFound(reply, `no tile ${JSON.stringify(path.slice(0, 200))}: the index must be 3-digit groups (x001/x234/067) and a partial width 1-255`);
    const width = parsed.width ?? TILE_WIDTH;
    const size = await logService.log.size();
    // Nodes (or entries) this tile level holds at the integrated size.
    const available = Math.floor(size / 2 ** (TILE_HEIGHT * level));
    const first = parsed.index * TILE_WIDTH;
    if (first + width > available) return notFound(reply, `tile ${path} is beyond the log, which has ${size} integrated entries`);

    if (entries) {
      const { data } = await store.log.leafData(first + 1, width);
      if (data.length !== width * ENTRY_BYTES) return reply.code(500).send(errorBody("ERR_INTERNAL", `the ledger's entries ${first + 1}-${first + width} are not all in sequence with a 32-byte event_hash and content_hash; run npx hardhat ledger:audit`));
      const bundle = new Uint8Array(width * (2 + ENTRY_BYTES));
      for (let i = 0; i < width; i++) {
        const at = i * (2 + ENTRY_BYTES);
        bundle[at + 1] = ENTRY_BYTES; // big-endian uint16 length
        bundle.set(data.subarray(i * ENTRY_BYTES, (i + 1) * ENTRY_BYTES), at + 2);
      }
      return send(reply, bundle, parsed.width === undefined);
    }
    // Stored chunks of tree level 8L hold these hashes, CHUNK_WIDTH per chunk.
    const firstChunk = first / CHUNK_WIDTH;
    const keys = Array.from({ length: Math.ceil(width / CHUNK_WIDTH) }, (_, i) => ({ level: TILE_HEIGHT * level, index: firstChunk + i }));
    const chunks = new Map((await store.log.readLogChunks(keys)).map((c) => [c.index, c.hashes]));
    const tile = new Uint8Array(width * 32);
    for (const key of keys) {
      const hashes = chunks.get(key.index);
      if (!hashes) return reply.code(500).send(errorBody("ERR_INTERNAL", `the stored log lacks level ${key.level} chunk ${key.index}; run npx hardhat ledger:audit`));
      const offset = (key.index - firstChunk) * CHUNK_WIDTH * 32;
      tile.set(hashes.subarray(0, Math.min(hashes.length, tile.length - offset)), offset);
    }
    return send(reply, tile, parsed.width === undefined);
  });
}
