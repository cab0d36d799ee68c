import type { FastifyInstance, FastifyReply } from "fastify";
import type { LedgerEntry } from "../ledger/types.ts";
import { couldBeEventId } from "../ledger/validate.ts";
import type { LogService } from "../log/service.ts";
import type { LedgerStore } from "../store/types.ts";
import type { Witness } from "../replication/witness.ts";
import { CHECKPOINT_ROUTE, CONSISTENCY_ROUTE, INCLUSION_ROUTE, LOG_KEY_ROUTE } from "./apiSchemas.ts";
import { errorBody } from "./errors.ts";

/** Seconds to wait for an entry that is in the ledger but not yet in the log. */
const RETRY_AFTER_INTEGRATION_S = 1;

/** An entry's place in the log: its inclusion proof in the latest signed checkpoint. */
export interface LogInclusion {
  index: number;
  size: number;
  leaf_hash: string;
  proof: string[];
  root: string;
  /** The signed checkpoint (C2SP note) whose size and root the proof is for. */
  checkpoint: string;
}

/** The inclusion proof of `entry` in the latest checkpoint, or null while it is not integrated. */
export async function logInclusionOf(logService: LogService, entry: LedgerEntry): Promise<LogInclusion | null> {
  const checkpoint = await logService.checkpoint();
  const index = entry.fifo_sequence - 1;
  if (index >= checkpoint.size) return null;
  const { leafHash, proof } = await logService.log.inclusion(index, checkpoint.size);
  return { index, size: checkpoint.size, leaf_hash: leafHash, proof, root: checkpoint.root, checkpoint: checkpoint.note };
}

/** A decimal query parameter (digits only: Number() would also take "0x10", "1e3" and " 7"). */
export function decimal(value: unknown): number | undefined {
  return typeof value === "string" && /^(0|[1-9][0-9]{0,15})$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
}

function badParameter(reply: FastifyReply, field: string, message: string): FastifyReply {
  return reply.code(400).send(errorBody("ERR_BAD_FORMAT", `${field}: ${message}`, { field }));
}

/**
 * The log's read API: the signed checkpoint, the log key, and inclusion and consistency proofs
 * (RFC 9162), each bounded by the integrated size and refused with a message naming it.
 */
export function registerLogRoutes(app: FastifyInstance, { store, logService, replica }: { store: LedgerStore; logService: LogService; replica?: { witness?: Witness } }): void {
  app.get("/checkpoint", { schema: CHECKPOINT_ROUTE }, async (_request, reply) => {
    if (replica) {
      // A replica does not hold the log key: it serves the log's note it last cosigned, or nothing.
      if (!replica.witness) return reply.code(404).send(errorBody("NOT_FOUND", "a storage node signs no checkpoints: read the gateway's /checkpoint (or run this node with --witness to serve what it cosigned)"));
      const answer = await replica.witness.lastCosignedNote();
      if (answer.status !== 200) return reply.code(404).send(errorBody("NOT_FOUND", answer.body.trim()));
      return reply.type(answer.contentType).header("cache-control", "no-store").send(answer.body);
    }
    const note = await logService.cosignedCheckpoint();
    return reply.type("text/plain; charset=utf-8").header("cache-control", "no-store").send(note);
  });

  app.get("/log/key", { schema: LOG_KEY_ROUTE }, async (_request, reply) => reply.type("text/plain; charset=utf-8").send(logService.verifierKey + "\n"));

  app.get("/proof/inclusion", { schema: INCLUSION_ROUTE }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const integrated = await logService.integratedSize(decimal(query.size) ?? 0);
    if (query.event_id !== undefined) {
      const eventId = query.event_id;
      const entry = typeof eventId === "string" && couldBeEventId(eventId) ? await store.findByEventId(eventId) : undefined;
      if (!entry) return reply.code(404).send(errorBody("NOT_FOUND", `no event with event_id ${JSON.stringify(eventId).slice(0, 300)} in this ledger`));
      const inclusion = await logInclusionOf(logService, entry);
      if (!inclusion) {
        return reply
          .code(404)
          .header("Retry-After", String(RETRY_AFTER_INTEGRATION_S))
          .send(errorBody("NOT_INTEGRATED", `event ${JSON.stringify(eventId)} (sequence ${entry.fifo_sequence}) is in the ledger but not yet in the log (${integrated} entries integrated); retry shortly`));
      }
      return inclusion;
    }
    const index = decimal(query.index);
    const size = query.size === undefined ? integrated : decimal(query.size);
    if (index === undefined) return badParameter(reply, "index", `expected event_id, or index (a decimal integer >= 0) with an optional size; got ${JSON.stringify(query.index)}`);
    if (size === undefined) return badParameter(reply, "size", `expected a decimal integer >= 1, got ${JSON.stringify(query.size)}`);
    if (size > integrated) return badParameter(reply, "size", `${size} is beyond the log, which has ${integrated} integrated entries`);
    if (index >= size) return badParameter(reply, "index", `${index} is not below the tree size ${size}`);
    const { leafHash, proof, root } = await logService.log.inclusion(index, size, integrated);
    return { index, size, leaf_hash: leafHash, proof, root };
  });

  app.get("/proof/consistency", { schema: CONSISTENCY_ROUTE }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const integrated = await logService.integratedSize(decimal(query.to) ?? 0);
    const from = decimal(query.from);
    const to = query.to === undefined ? integrated : decimal(query.to);
    if (from === undefined || from < 1) return badParameter(reply, "from", `expected a decimal integer >= 1 (a proof from the empty tree proves nothing), got ${JSON.stringify(query.from)}`);
    if (to === undefined) return badParameter(reply, "to", `expected a decimal integer, got ${JSON.stringify(query.to)}`);
    if (to > integrated) return badParameter(reply, "to", `${to} is beyond the log, which has ${integrated} integrated entries`);
    if (from > to) return badParameter(reply, "from", `${from} is above to (${to})`);
    const [proof, root1, root2] = await Promise.all([logService.log.consistencyProof(from, to), logService.log.root(from), logService.log.root(to)]);
    return { size1: from, size2: to, root1, root2, proof };
  });
}
