import type { FastifyInstance, FastifyReply } from "fastify";
import type { Witness, WitnessAnswer } from "../replication/witness.ts";

/** A checkpoint with its signatures and a full consistency proof is a few KiB. */
const ADD_CHECKPOINT_BODY_LIMIT = 64 * 1024;

/**
 * `POST /add-checkpoint` (C2SP tlog-witness) on a storage node's server: the body is the
 * protocol's plain text, so it is read as text in this route's own scope (the gateway's other
 * routes take JSON only). And `GET /checkpoint-signature?size=&root=&chain_id=&contract=`: the
 * node's EIP-712 signature of that checkpoint, for KPPEAnchor's witness set.
 */
export function registerWitnessRoute(app: FastifyInstance, witness: Witness): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "string", bodyLimit: ADD_CHECKPOINT_BODY_LIMIT }, (_request, body, done) => done(null, body));
    scope.get("/checkpoint-signature", async (request, reply) => send(reply, await witness.signForContract(request.query as Record<string, unknown>)));
    scope.post("/add-checkpoint", async (request, reply) => send(reply, await witness.addCheckpoint(typeof request.body === "string" ? request.body : "")));
  });
}

function send(reply: FastifyReply, answer: WitnessAnswer): FastifyReply {
  for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
  return reply.code(answer.status).type(answer.contentType).send(answer.body);
}
