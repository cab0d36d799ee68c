import { sha256 } from "@noble/hashes/sha2.js";
import { clientHash } from "../hashing/canonical.ts";
import { contentText } from "../hashing/contentText.ts";
import { eventHash } from "../hashing/eventHash.ts";
import { toHex } from "../hashing/hex.ts";
import { openCosigned } from "../log/cosignature.ts";
import { openCheckpoint, parseVerifierKey } from "../log/note.ts";
import { logLeafHash, verifyConsistency, verifyInclusion } from "../log/rfc9162.ts";
import { depthFor } from "../merkle/limits.ts";
import { verifyKppeProof } from "../merkle/kppeTree.ts";
import { explorerProof, parseReceipt, RECEIPT_FORMAT_V1, type AnchorReceipt, type AnchorReceiptV1 } from "./format.ts";

/**
 * One check of a proof or receipt. `skipped` checks were not made (nothing to check them with,
 * or not asked for): they are never counted as passed, and `ok` is false for them.
 */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  skipped?: true;
}

export interface OfflineVerification {
  /** No check failed. Says nothing of the skipped ones: see `skipped`. */
  ok: boolean;
  checks: CheckResult[];
  /** Names of the checks that were not made. */
  skipped: string[];
  receipt: AnchorReceipt | AnchorReceiptV1;
}

export const failedChecks = (checks: CheckResult[]) => checks.filter((c) => !c.ok && !c.skipped);

export interface OfflineOptions {
  /** The event body, when the receipt does not carry it: the client hash is then checked. */
  eventBody?: unknown;
  /** The log's verifier key (C2SP encoding), from the verifier's own configuration, never from the receipt. */
  logKey?: string;
  /** Witnesses' cosigner keys (type 0x04) the verifier trusts, and how many must have cosigned. */
  witnessKeys?: string[];
  threshold?: number;
}

/**
 * Checks everything a receipt claims that needs no network:
 * - the client hash (when the body is in the receipt or given), the entry's `event_hash`, and
 *   its `content_hash` (when the receipt carries `data`);
 * - version 2: the entry's leaf is in the log at index `fifo_sequence - 1` of the checkpoint,
 *   the batch is the checkpoint's last `event_count` entries and the K-PPE leaf index is the
 *   entry's place in it, and, given the log key, the checkpoint's signature;
 * - the K-PPE proof of `payload_hash` to the batch root (membership only), and the explorer
 *   arguments.
 * On-chain checks are in `verifyOnChain`. Each check is reported, and skipped ones say why.
 */
export function verifyReceiptOffline(input: string | unknown, options: OfflineOptions = {}): OfflineVerification {
  const receipt = parseReceipt(input);
  const checks: CheckResult[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const skip = (name: string, detail: string) => checks.push({ name, ok: false, detail, skipped: true });
  const { event, ledger_entry: entry, batch } = receipt;

  const body = options.eventBody ?? event.body;
  if (body === undefined) skip("client hash", noBodyReason(receipt));
  else {
    let computed: string;
    try {
      computed = clientHash(body);
    } catch (error) {
      computed = `not hashable (${(error as Error).message})`;
    }
    check("client hash", computed === event.payload_hash, `keccak256(canonical body) = ${computed}, payload_hash = ${event.payload_hash}`);
  }

  const recomputed = eventHash({ ...event, ...entry });
  check("entry hash", recomputed === entry.event_hash, `recomputed ${recomputed}, receipt says ${entry.event_hash}`);

  if (receipt.format === RECEIPT_FORMAT_V1) {
    skip("log position", "version 1 receipt: no log proof, so the event's position and entry are not proven (only payload_hash's membership in the batch)");
  } else {
    checkLog(receipt, options, check, skip);
  }

  const expectedDepth = depthFor(batch.event_count);
  check("tree depth", batch.tree_depth === expectedDepth, `tree_depth ${batch.tree_depth}, ceil(log2(${batch.event_count})) = ${expectedDepth}`);
  check("batch proof length", batch.proof.length === batch.tree_depth, `${batch.proof.length} hashes, tree_depth ${batch.tree_depth}`);
  check("leaf index", batch.leaf_index < batch.event_count, `leaf_index ${batch.leaf_index} of ${batch.event_count} events`);
  const included = verifyKppeProof({ root: batch.root, leaf: event.payload_hash, proof: batch.proof, leafIndex: batch.leaf_index, leafCount: batch.event_count });
  check("batch membership", included, included ? `payload_hash reaches K-PPE root ${batch.root}` : `payload_hash does not reach K-PPE root ${batch.root}`);

  const args = receipt.verify_proof_view;
  const argsMatch = args.batchId === batch.batch_id && args.eventHash === event.payload_hash && args.proof === explorerProof(batch.proof) && args.leafIndex === String(batch.leaf_index);
  check("explorer arguments", argsMatch, argsMatch ? "verify_proof_view matches the receipt" : "verify_proof_view differs from the receipt's batch and proof");

  const skipped = checks.filter((c) => c.skipped).map((c) => c.name);
  return { ok: failedChecks(checks).length === 0, checks, skipped, receipt };
}

/**
 * Why there is no body to check the client hash with: none was shared, or the entry's `data` is
 * not what the client hashed (the gateway stores data as sent and never hashes it).
 */
function noBodyReason(receipt: AnchorReceipt | AnchorReceiptV1): string {
  const data = "data" in receipt.ledger_entry ? receipt.ledger_entry.data : undefined;
  if (data === undefined || data === null) return "no event body in the receipt or given (give it with --body); payload_hash taken as is";
  let hashed: string;
  try {
    hashed = clientHash(data);
  } catch {
    hashed = "not hashable";
  }
  return `the entry's data is not the body the client hashed (keccak256 of its canonical JSON is ${hashed}, payload_hash is ${receipt.event.payload_hash}): give the body with --body; payload_hash taken as is`;
}

/** How far ahead of the chain's block time the gateway's clock may run. */
const CLOCK_SKEW_S = 300;

type Check = (name: string, ok: boolean, detail: string) => void;

function checkLog(receipt: AnchorReceipt, options: OfflineOptions, check: Check, skip: (name: string, detail: string) => void): void {
  const { event, ledger_entry: entry, batch, log } = receipt;
  if (entry.data === undefined) skip("content hash", "the receipt carries no data; content_hash taken as is");
  else {
    let computed: string;
    try {
      computed = toHex(sha256(new TextEncoder().encode(contentText({ ...event, previous_event_hash: event.previous_event_hash ?? null, data: entry.data }))));
    } catch (error) {
      computed = `not hashable (${(error as Error).message})`;
    }
    check("content hash", computed === entry.content_hash, `sha256(canonical content) = ${computed}, content_hash = ${entry.content_hash}`);
  }
  if (log === null) {
    skip("log position", "the batch was anchored without a log checkpoint: the event's position is not proven");
    return;
  }
  const index = entry.fifo_sequence - 1;
  check("log position", log.index === index && index < log.size, `log index ${log.index}, fifo_sequence ${entry.fifo_sequence} - 1 = ${index}, log size ${log.size}`);
  const leaf = logLeafHash(entry.event_hash, entry.content_hash);
  check("log leaf", leaf === log.leaf_hash, `sha256(0x00 || event_hash || content_hash) = ${leaf}, receipt says ${log.leaf_hash}`);
  const included = verifyInclusion({ index, size: log.size, leafHash: leaf, proof: log.proof, root: log.root });
  check("log inclusion", included, included ? `entry ${index} is in the log of ${log.size} entries with root ${log.root}` : `the proof does not place entry ${index} in the log of ${log.size} entries with root ${log.root}`);
  const lastSequence = batch.first_sequence + batch.event_count - 1;
  check(
    "batch range",
    lastSequence === log.size && batch.leaf_index === entry.fifo_sequence - batch.first_sequence,
    `batch = sequences ${batch.first_sequence}..${lastSequence} (the log's new range up to size ${log.size}); leaf_index ${batch.leaf_index} = sequence ${entry.fifo_sequence} - ${batch.first_sequence}`,
  );
  const blockTime = receipt.anchor.block_time;
  if (blockTime !== null) {
    const accepted = Date.parse(entry.accepted_at) / 1000;
    check(
      "accepted before anchoring",
      accepted <= blockTime + CLOCK_SKEW_S,
      `accepted_at ${entry.accepted_at}, anchored at ${new Date(blockTime * 1000).toISOString()} (the gateway's clock may be ${CLOCK_SKEW_S} s ahead)`,
    );
  }
  checkWitnessed(log, options, check, skip);
  if (!options.logKey) skip("checkpoint signature", "no log key given (--log-key): the checkpoint's signature is not checked");
  else if (log.checkpoint === null) check("checkpoint signature", false, "a log key was given but the receipt carries no signed checkpoint");
  else {
    try {
      const signed = openCheckpoint(log.checkpoint, parseVerifierKey(options.logKey));
      check("checkpoint signature", signed.size === log.size && signed.root === log.root, `signed by ${signed.origin}: size ${signed.size}, root ${signed.root}`);
    } catch (error) {
      check("checkpoint signature", false, (error as Error).message);
    }
  }
}

/** k of n witnesses cosigned a checkpoint that the batch's log is a prefix of. */
function checkWitnessed(log: NonNullable<AnchorReceipt["log"]>, options: OfflineOptions, check: Check, skip: (name: string, detail: string) => void): void {
  const name = "witness cosignatures";
  // A receipt that claims no witnessing, checked by a verifier that asks for none, has nothing to report here.
  if (!options.witnessKeys?.length && !log.witnessed) return;
  if (!options.witnessKeys?.length) return skip(name, "the receipt carries a cosigned checkpoint, but no witness keys were given (--witness-keys): not checked");
  if (!options.logKey) return skip(name, "witness cosignatures are checked with the log key (--log-key): not checked");
  if (!log.witnessed) return check(name, false, "witness keys were given but the receipt carries no cosigned checkpoint");
  try {
    const threshold = options.threshold ?? options.witnessKeys.length;
    const { checkpoint, cosigners } = openCosigned(log.witnessed.checkpoint, parseVerifierKey(options.logKey), options.witnessKeys.map(parseVerifierKey), threshold);
    const extends_ =
      checkpoint.size === log.size
        ? checkpoint.root === log.root && log.witnessed.consistency_proof.length === 0
        : verifyConsistency({ size1: log.size, size2: checkpoint.size, root1: log.root, root2: checkpoint.root, proof: log.witnessed.consistency_proof });
    check(
      name,
      extends_,
      extends_
        ? `${cosigners.length} of ${options.witnessKeys.length} witnesses (${cosigners.map((c) => c.name).join(", ")}; ${threshold} required) cosigned size ${checkpoint.size}, which extends this log of ${log.size}`
        : `the cosigned checkpoint (size ${checkpoint.size}) is not an extension of this log of ${log.size} entries`,
    );
  } catch (error) {
    check(name, false, (error as Error).message);
  }
}
