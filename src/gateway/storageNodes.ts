import type { FastifyInstance } from "fastify";
import { LedgerError } from "../ledger/types.ts";
import { commitmentSignedByNode, type Commitment } from "../replication/commitment.ts";
import type { LedgerStore } from "../store/types.ts";
import { COMMITMENT_ROUTE } from "./apiSchemas.ts";
import { HttpLedgerError } from "./errors.ts";

/** Most storage nodes remembered, so unauthenticated input cannot grow memory without bound. */
export const MAX_STORAGE_NODES = 64;

interface NodeProgress {
  last_sequence: number;
  event_hash: string;
  store_timestamp: string;
  signature: string;
}

/**
 * The storage nodes that report to this gateway (`POST /commitments`): each signed commitment to
 * an entry this ledger holds counts as the node's progress; their lag feeds the gateway's state.
 * With `trusted` (addresses) only those count; without, any correctly signed node, up to
 * MAX_STORAGE_NODES.
 */
export class StorageNodes {
  private readonly nodes = new Map<string, NodeProgress>();
  private readonly trusted: Set<string> | undefined;
  private readonly store: LedgerStore;

  constructor(store: LedgerStore, trusted?: readonly string[]) {
    this.store = store;
    this.trusted = trusted ? new Set(trusted.map((a) => a.toLowerCase())) : undefined;
  }

  /** The largest lag behind `headSequence`, in entries (0 with no node). */
  maxLag(headSequence: number): number {
    return Math.max(0, ...[...this.nodes.values()].map((n) => headSequence - n.last_sequence));
  }

  /** Each node's last commitment and its lag, for /health. */
  status(headSequence: number) {
    return [...this.nodes.entries()].map(([id, n]) => ({ store_node_id: id, ...n, lag: headSequence - n.last_sequence }));
  }

  register(app: FastifyInstance): void {
    app.post("/commitments", { schema: COMMITMENT_ROUTE }, async (request, reply) => {
      const c = request.body as Partial<Commitment> | null;
      const fields = ["event_hash", "fifo_sequence", "store_node_id", "store_timestamp", "signature"] as const;
      if (!c || typeof c !== "object" || fields.some((f) => c[f] === undefined) || !Number.isSafeInteger(c.fifo_sequence)) {
        throw new LedgerError("ERR_BAD_FORMAT", `commitment: expected {${fields.join(", ")}}`);
      }
      const commitment = c as Commitment;
      if (!commitmentSignedByNode(commitment)) throw new HttpLedgerError(403, "ERR_BAD_FORMAT", `commitment: signature is not by ${commitment.store_node_id}`);
      const known = this.nodes.has(commitment.store_node_id);
      if (this.trusted ? !this.trusted.has(commitment.store_node_id.toLowerCase()) : !known && this.nodes.size >= MAX_STORAGE_NODES) {
        throw new HttpLedgerError(403, "ERR_BAD_FORMAT", `commitment: ${commitment.store_node_id} is not one of this gateway's storage nodes (--storage-nodes)`);
      }
      const [entry] = await this.store.range(commitment.fifo_sequence, 1);
      if (!entry || entry.fifo_sequence !== commitment.fifo_sequence || entry.event_hash !== commitment.event_hash) {
        request.log.warn({ commitment }, "storage node reports a head this ledger does not have: divergence");
        return reply.code(409).send({ accepted: false, error: "ERR_BAD_PREV_HASH", message: `sequence ${commitment.fifo_sequence} here is not ${commitment.event_hash}: the node diverges` });
      }
      this.nodes.set(commitment.store_node_id, { last_sequence: commitment.fifo_sequence, event_hash: commitment.event_hash, store_timestamp: commitment.store_timestamp, signature: commitment.signature });
      return { accepted: true };
    });
  }
}
