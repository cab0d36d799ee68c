import { z } from "zod";
import { KppeError } from "../errors.ts";
import { isHex32 } from "../hashing/hex.ts";

/** Version tag of the receipt format this code writes and reads (docs/receipts.md). */
export const RECEIPT_FORMAT = "kppe-receipt/1";

const hex32 = z.string().refine(isHex32, "expected 0x followed by 64 lower-case hex digits");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address");
const decimal = z.string().regex(/^(0|[1-9][0-9]*)$/, "expected a non-negative integer as a decimal string");
const count = z.number().int().nonnegative();

/** The client's event as submitted (PoE v0.1). `body` is the JSON the client hashed, when it is shared. */
const eventSchema = z.strictObject({
  version: z.string(),
  event_id: z.string().min(1).max(128),
  payload_hash: hex32,
  source_id: z.string(),
  local_timestamp: z.string().nullable(),
  previous_event_hash: hex32.nullable().optional(),
  body: z.unknown().optional(),
});

const ledgerEntrySchema = z.strictObject({
  fifo_sequence: z.number().int().positive(),
  observed_prev_hash: hex32,
  event_hash: hex32,
  accepted_at: z.string(),
});

const batchSchema = z.strictObject({
  batch_id: decimal,
  leaf_index: count,
  event_count: count.positive(),
  tree_depth: count,
  root: hex32,
  prev_root: hex32,
  proof: z.array(hex32),
});

const anchorSchema = z.strictObject({
  chain_id: count.positive(),
  contract: address,
  tx_hash: hex32,
  block_number: count,
});

/** The four arguments of `verifyProofView`, spelled as a block explorer's "Read Contract" form takes them. */
const explorerSchema = z.strictObject({
  batchId: decimal,
  eventHash: hex32,
  proof: z.string(),
  leafIndex: decimal,
});

export const receiptSchema = z.strictObject({
  format: z.literal(RECEIPT_FORMAT),
  event: eventSchema,
  ledger_entry: ledgerEntrySchema,
  batch: batchSchema,
  anchor: anchorSchema,
  verify_proof_view: explorerSchema,
});

export type AnchorReceipt = z.infer<typeof receiptSchema>;

/**
 * Parses and validates a receipt (a JSON string or an already parsed value). A malformed receipt
 * is refused with a message naming every bad field, e.g. `batch.root: expected 0x followed by ...`.
 */
export function parseReceipt(input: string | unknown): AnchorReceipt {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new KppeError("BAD_RECEIPT", `receipt: not valid JSON (${(cause as Error).message})`, { cause });
    }
  }
  const parsed = receiptSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "receipt"}: ${issue.message}`);
    throw new KppeError("BAD_RECEIPT", `receipt is malformed: ${problems.join("; ")}`, { details: { problems } });
  }
  return parsed.data;
}

/** Explorer spelling of a proof: `[0xaa..,0xbb..]`, no spaces or quotes, as Basescan's array inputs take it. */
export function explorerProof(proof: readonly string[]): string {
  return `[${proof.join(",")}]`;
}
