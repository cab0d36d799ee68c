// zod/mini, not zod: the same checks, tree-shaken to a few kB in a browser bundle; English
// messages are loaded per parse (zod/mini ships none by default).
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { KppeError } from "../errors.ts";
import { isHex32 } from "../hashing/hex.ts";

/** Version tag of the receipt format this code writes (docs/formats.md, "Receipts"). */
export const RECEIPT_FORMAT = "kppe-receipt/2";
/** The first format: still read and verified for what it can prove (docs/formats.md). */
export const RECEIPT_FORMAT_V1 = "kppe-receipt/1";
/** Receipts larger than this are refused before parsing. */
export const MAX_RECEIPT_BYTES = 16 * 1024 * 1024;

const hex32 = z.string().check(z.refine(isHex32, "expected 0x followed by 64 lower-case hex digits"));
const address = z.string().check(z.regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address"));
const decimal = z.string().check(z.regex(/^(0|[1-9][0-9]*)$/, "expected a non-negative integer as a decimal string"));
const count = z.int().check(z.nonnegative());
const positive = z.int().check(z.positive());

/** The client's event as submitted (PoE v0.1). `body` is the JSON the client hashed, when it is shared. */
const eventSchema = z.strictObject({
  version: z.string(),
  event_id: z.string().check(z.minLength(1), z.maxLength(128)),
  payload_hash: hex32,
  source_id: z.string(),
  local_timestamp: z.nullable(z.string()),
  previous_event_hash: z.optional(z.nullable(hex32)),
  body: z.optional(z.unknown()),
});

/** The four arguments of `verifyProofView`, spelled as a block explorer's "Read Contract" form takes them. */
const explorerSchema = z.strictObject({
  batchId: decimal,
  eventHash: hex32,
  proof: z.string(),
  leafIndex: decimal,
});

const receiptV1Schema = z.strictObject({
  format: z.literal(RECEIPT_FORMAT_V1),
  event: eventSchema,
  ledger_entry: z.strictObject({ fifo_sequence: positive, observed_prev_hash: hex32, event_hash: hex32, accepted_at: z.string() }),
  batch: z.strictObject({ batch_id: decimal, leaf_index: count, event_count: positive, tree_depth: count, root: hex32, prev_root: hex32, proof: z.array(hex32) }),
  anchor: z.strictObject({ chain_id: positive, contract: address, tx_hash: hex32, block_number: count }),
  verify_proof_view: explorerSchema,
});

/**
 * Version 2: the entry with its content hash (and `data`, so the content hash can be
 * recomputed), the K-PPE batch proof (membership of `payload_hash`, for `verifyProofView`), the
 * log inclusion proof of the entry at index `fifo_sequence - 1` in the batch's checkpoint, the
 * checkpoint signed by the log key, and where and when it was anchored.
 */
export const receiptSchema = z.strictObject({
  format: z.literal(RECEIPT_FORMAT),
  event: eventSchema,
  ledger_entry: z.strictObject({
    fifo_sequence: positive,
    observed_prev_hash: hex32,
    event_hash: hex32,
    content_hash: hex32,
    accepted_at: z.string(),
    data: z.optional(z.unknown()),
  }),
  batch: z.strictObject({
    batch_id: decimal,
    /** The batch's first ledger sequence: the batch is sequences first_sequence .. first_sequence + event_count - 1. */
    first_sequence: positive,
    leaf_index: count,
    event_count: positive,
    tree_depth: count,
    root: hex32,
    prev_root: hex32,
    proof: z.array(hex32),
  }),
  /** Null when the batch was anchored without a log checkpoint (a KPPEAnchor older than 2.0.0). */
  log: z.nullable(
    z.strictObject({
      index: count,
      size: positive,
      leaf_hash: hex32,
      root: hex32,
      proof: z.array(hex32),
      /** The C2SP signed checkpoint (size, root) by the log key, when the receipt's maker had it. */
      checkpoint: z.nullable(z.string().check(z.maxLength(65_536))),
      /**
       * A later checkpoint cosigned by witnesses, and the consistency proof from this one to it:
       * the batch's log is part of a history the witnesses saw (absent when none was cosigned yet).
       */
      witnessed: z.optional(z.strictObject({ checkpoint: z.string().check(z.maxLength(65_536)), consistency_proof: z.array(hex32) })),
    }),
  ),
  anchor: z.strictObject({
    chain_id: positive,
    contract: address,
    tx_hash: hex32,
    block_number: count,
    /** Unix seconds of the anchoring block. */
    block_time: z.nullable(count),
    /** The transaction on the chain's block explorer, for chains with a known one. */
    explorer: z.nullable(z.string()),
  }),
  verify_proof_view: explorerSchema,
});

export type AnchorReceipt = z.infer<typeof receiptSchema>;
export type AnchorReceiptV1 = z.infer<typeof receiptV1Schema>;

/**
 * The path of the first key that appears twice in one object of `text` (valid JSON), if any:
 * JSON.parse keeps the last one silently, so a receipt could show a reader one value and a
 * verifier another.
 */
export function duplicateKey(text: string): string | undefined {
  let i = 0;
  const space = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const string = (): string => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  // Iterative (an explicit stack), so hostile nesting cannot overflow the call stack.
  const stack: Array<{ keys?: Set<string>; path: string }> = [];
  let path = "receipt";
  while (true) {
    space();
    const c = text[i];
    if (c === "{" || c === "[") {
      i++;
      stack.push(c === "{" ? { keys: new Set(), path } : { path });
      space();
      if (text[i] === "}" || text[i] === "]") {
        i++;
        stack.pop();
      } else {
        if (c === "{") {
          const key = string();
          stack[stack.length - 1].keys!.add(key);
          path = `${stack[stack.length - 1].path}.${key}`;
          space();
          i++; // ':'
        } else path = `${path}[]`;
        continue;
      }
    } else if (c === '"') string();
    else while (i < text.length && !",}] \t\n\r".includes(text[i])) i++;
    // After a value: a comma opens the next member, a closing bracket ends containers.
    while (true) {
      space();
      const top = stack[stack.length - 1];
      if (!top) return undefined;
      if (text[i] === ",") {
        i++;
        space();
        if (top.keys) {
          const key = string();
          if (top.keys.has(key)) return `${top.path}.${key}`;
          top.keys.add(key);
          path = `${top.path}.${key}`;
          space();
          i++; // ':'
        } else path = `${top.path}[]`;
        break;
      }
      i++; // '}' or ']'
      stack.pop();
    }
  }
}

/**
 * Parses and validates a receipt (a JSON string or an already parsed value), version 2 or 1. A
 * malformed receipt is refused with a message naming every bad field, e.g. `batch.root:
 * expected 0x followed by ...`; a receipt with a key twice in one object is refused.
 */
export function parseReceipt(input: string | unknown): AnchorReceipt | AnchorReceiptV1 {
  let value = input;
  if (typeof input === "string") {
    if (input.length > MAX_RECEIPT_BYTES) throw new KppeError("BAD_RECEIPT", `receipt: larger than ${MAX_RECEIPT_BYTES} bytes`);
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new KppeError("BAD_RECEIPT", `receipt: not valid JSON (${(cause as Error).message})`, { cause });
    }
    const duplicate = duplicateKey(input);
    if (duplicate) throw new KppeError("BAD_RECEIPT", `receipt: the key ${duplicate} appears twice; a receipt must say one thing`, { details: { duplicate } });
  }
  const format = (value as { format?: unknown } | null)?.format;
  const parsed = (format === RECEIPT_FORMAT_V1 ? receiptV1Schema : receiptSchema).safeParse(value, { error: en().localeError });
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

/** Block explorers of the chains we know, for links in receipts. */
const EXPLORERS: Record<number, string> = {
  8453: "https://basescan.org",
  84532: "https://sepolia.basescan.org",
};

/** The transaction's page on the chain's explorer, or null for a chain without a known one. */
export function explorerTxUrl(chainId: number, txHash: string): string | null {
  return EXPLORERS[chainId] ? `${EXPLORERS[chainId]}/tx/${txHash}` : null;
}

/** The contract's page on the chain's explorer (its "Read Contract" tab has verifyProofView), or null. */
export function explorerAddressUrl(chainId: number, address: string): string | null {
  return EXPLORERS[chainId] ? `${EXPLORERS[chainId]}/address/${address}#readContract` : null;
}
