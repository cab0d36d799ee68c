import type { FastifyInstance } from "fastify";
import type { LogService } from "../log/service.ts";
import { SLOT_SECONDS, WINDOW_SLOTS } from "../poot/params.ts";
import { challengeSizes, refuseTaskProof, type TaskProof } from "../poot/taskProof.ts";
import type { LedgerStore } from "../store/types.ts";
import { errorBody } from "./errors.ts";
import { decimal } from "./logRoutes.ts";
import { decimalQuery, errorSchema, jsonResponses } from "./apiSchemas.ts";

/** Task proofs per `POST /poot/proofs`. */
export const MAX_PROOFS_PER_REQUEST = 256;
/** Task proofs per `GET /poot/proofs` answer. */
export const MAX_PROOFS_PER_ANSWER = 10_000;
const BODY_LIMIT = 1024 * 1024;

/** The deployment whose operators' task proofs this gateway collects: what every proof is checked against. */
export interface PootConfig {
  /** The KPPEAnchorScheduled address the proofs are signed for. */
  deployment: string;
  /** Unix time at which slot 0 starts. */
  genesis: number;
}

const taskProofSchema = {
  type: "object",
  required: ["slot", "node_id", "type", "value", "time", "signature"],
  properties: {
    slot: { type: "integer" },
    node_id: { type: "string", description: "the operator's address" },
    type: { type: "string", enum: ["relay_bandwidth", "storage_availability", "validation_signature", "uptime_beacon"] },
    value: { type: "object" },
    time: { type: "integer", description: "unix seconds, within the slot" },
    signature: { type: "string", description: "EIP-191 by node_id (docs/poot.md)" },
  },
};

/**
 * Lucid's PoOT task proofs on the gateway: operators submit them (each checked, as docs/poot.md
 * says, before it is stored in `task_proofs`), anyone reads them back to recompute a schedule, and
 * the recorded schedule (tally, leaders, slots) of an epoch is served to anyone who wants it.
 */
export function registerPootRoutes(app: FastifyInstance, { store, logService, poot }: { store: LedgerStore; logService: LogService; poot: PootConfig }): void {
  app.post(
    "/poot/proofs",
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        summary: "Submit signed PoOT task proofs (each checked before it is stored)",
        tags: ["poot"],
        body: { type: "object", required: ["proofs"], properties: { proofs: { type: "array", items: taskProofSchema, maxItems: MAX_PROOFS_PER_REQUEST } } },
        response: jsonResponses(
          { type: "object", required: ["stored", "refused"], properties: { stored: { type: "integer" }, refused: { type: "array", items: { type: "object", properties: { index: { type: "integer" }, reason: { type: "string" } } } } } },
          "how many were stored, and each refused proof's index with the reason",
        ),
      },
    },
    async (request, reply) => {
      const proofs = (request.body as { proofs?: unknown })?.proofs;
      if (!Array.isArray(proofs) || proofs.length > MAX_PROOFS_PER_REQUEST) {
        return reply.code(400).send(errorBody("ERR_BAD_FORMAT", `proofs: expected an array of at most ${MAX_PROOFS_PER_REQUEST} task proofs`, { field: "proofs" }));
      }
      // Storage challenges are answered against this gateway's own log: read the roots they name first.
      const integrated = await logService.log.size();
      const roots = new Map<number, string>();
      for (const size of challengeSizes(proofs)) if (size <= integrated) roots.set(size, await logService.log.root(size));
      const context = { deployment: poot.deployment, genesis: poot.genesis, logRoot: (size: number) => roots.get(size) };
      const now = Date.now() / 1000;
      const refused: Array<{ index: number; reason: string }> = [];
      let stored = 0;
      for (const [index, proof] of (proofs as TaskProof[]).entries()) {
        // A proof is submitted during its slot or the next: one kept back to be back-dated does not count.
        const reason = refuseTaskProof(proof, context) ?? (now >= poot.genesis + (proof.slot + 2) * SLOT_SECONDS ? `submitted after slot ${proof.slot + 1} ended: too late to count` : undefined);
        if (reason) refused.push({ index, reason });
        else if (await store.poot.addTaskProof(proof)) stored++;
        else refused.push({ index, reason: `a ${proof.type} proof of ${proof.node_id} for slot ${proof.slot} is already stored (one per node, slot and type)` });
      }
      return { stored, refused };
    },
  );

  app.get(
    "/poot/proofs",
    {
      schema: {
        summary: "The stored task proofs of a slot range (at most a window), to recompute a schedule",
        tags: ["poot"],
        querystring: { type: "object", required: ["from_slot", "to_slot"], properties: { from_slot: decimalQuery("first slot"), to_slot: decimalQuery("the slot after the last") } },
        response: jsonResponses({ type: "object", required: ["proofs", "truncated"], properties: { proofs: { type: "array", items: taskProofSchema }, truncated: { type: "boolean" } } }, "the proofs by slot, node and type; truncated: more than fit one answer (ask for a narrower range)"),
      },
    },
    async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const from = decimal(query.from_slot);
      const to = decimal(query.to_slot);
      if (from === undefined || to === undefined || to < from || to - from > WINDOW_SLOTS) {
        return reply.code(400).send(errorBody("ERR_BAD_FORMAT", `from_slot, to_slot: expected decimal slots with from_slot <= to_slot, at most ${WINDOW_SLOTS} apart (one window); got ${JSON.stringify([query.from_slot, query.to_slot])}`, { field: "from_slot" }));
      }
      const proofs = await store.poot.taskProofs(from, to, MAX_PROOFS_PER_ANSWER + 1);
      return { proofs: proofs.slice(0, MAX_PROOFS_PER_ANSWER), truncated: proofs.length > MAX_PROOFS_PER_ANSWER };
    },
  );

  app.get(
    "/poot/schedule/:epoch",
    {
      schema: {
        summary: "An epoch's recorded tally, leaders and slot schedule (poot:schedule --save)",
        tags: ["poot"],
        params: { type: "object", properties: { epoch: decimalQuery("the epoch") } },
        response: { 200: { type: "object", description: "epoch, seed, leaders, tally, slots" }, 404: { ...errorSchema, description: "NOT_FOUND: no schedule recorded for the epoch" }, 400: { ...errorSchema, description: "ERR_BAD_FORMAT" } },
      },
    },
    async (request, reply) => {
      const epoch = decimal((request.params as { epoch?: unknown }).epoch);
      if (epoch === undefined) return reply.code(400).send(errorBody("ERR_BAD_FORMAT", "epoch: expected a decimal integer", { field: "epoch" }));
      const schedule = await store.poot.schedule(epoch);
      if (!schedule) return reply.code(404).send(errorBody("NOT_FOUND", `no schedule is recorded for epoch ${epoch}: compute it with npx hardhat poot:schedule --save`));
      return schedule;
    },
  );
}
