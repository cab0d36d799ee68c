import { getAddress, isAddress, keccak256, solidityPacked, verifyMessage } from "ethers";
import { canonicalJson, type JsonValue } from "../hashing/canonical.ts";
import { verifyInclusion } from "../log/rfc9162.ts";
import { SLOT_SECONDS } from "./params.ts";

export const TASK_TYPES = ["relay_bandwidth", "storage_availability", "validation_signature", "uptime_beacon"] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** One operator's signed statement of work in one slot (Lucid's `task_proofs`). */
export interface TaskProof {
  slot: number;
  /** The operator's Ethereum address. */
  node_id: string;
  type: TaskType;
  /**
   * relay_bandwidth: `{sessions, bytes}`; storage_availability: the answer to a challenge, the
   * log entry's `{index, size, leaf_hash, proof}`; validation_signature: `{checkpoint_size}`;
   * uptime_beacon: `{}`.
   */
  value: Record<string, JsonValue>;
  /** Unix seconds at which the operator signed it. */
  time: number;
  /** EIP-191 signature by `node_id` of `taskProofMessage(...)`. */
  signature: string;
}

/** What an operator signs: the deployment (so a proof cannot be replayed elsewhere) and the proof's fields, as RFC 8785 JSON. */
export function taskProofMessage(deployment: string, proof: Omit<TaskProof, "signature">): string {
  const { slot, node_id, type, value, time } = proof;
  return `kppe-poot-task/1\n${deployment.toLowerCase()}\n${canonicalJson({ slot, node_id: node_id.toLowerCase(), type, value, time })}`;
}

/**
 * The entry a storage challenge asks `nodeId` for in `slot`, in the log of `size` entries with
 * `root`: keccak256(abi.encodePacked(uint64 slot, address node, bytes32 root)) mod size. The
 * prover does not choose it, so answering proves it holds whatever entry it is asked for.
 */
export function challengeIndex(slot: number, nodeId: string, size: number, root: string): number {
  return Number(BigInt(keccak256(solidityPacked(["uint64", "address", "bytes32"], [slot, getAddress(nodeId), root]))) % BigInt(size));
}

/**
 * The log sizes the storage challenges among `proofs` were answered at (each once): whoever
 * checks them reads the log's root at each size first. `proofs` may come from the network.
 */
export function challengeSizes(proofs: readonly unknown[]): number[] {
  const sizes = new Set<number>();
  for (const p of proofs as Array<Partial<TaskProof> | null>) {
    const size = (p?.value as { size?: unknown } | undefined)?.size;
    if (p?.type === "storage_availability" && Number.isSafeInteger(size) && (size as number) >= 1) sizes.add(size as number);
  }
  return [...sizes];
}

/** What a proof is checked against: the deployment, the slot clock, and the log's checkpoints. */
export interface ProofContext {
  deployment: string;
  /** Unix seconds at which slot 0 starts. */
  genesis: number;
  /** The signed log root at a size, for storage challenges; undefined when unknown. */
  logRoot(size: number): string | undefined;
}

/**
 * Why the proof does not count, or undefined when it does: it must be signed by its node for this
 * deployment, made during its slot (a late proof for an earlier slot does not count), and, for a
 * storage challenge, answer it with an inclusion proof against the log's root at that size.
 */
export function refuseTaskProof(proof: TaskProof, context: ProofContext): string | undefined {
  // Read from a file or the network: every field is checked before it is used.
  if (typeof proof !== "object" || proof === null || Array.isArray(proof)) return `not a task proof: ${JSON.stringify(proof)?.slice(0, 80)}`;
  if (!Number.isSafeInteger(proof.slot) || proof.slot < 0) return `slot ${JSON.stringify(proof.slot)?.slice(0, 40)} is not a slot number`;
  if (typeof proof.node_id !== "string" || !isAddress(proof.node_id)) return `node_id ${JSON.stringify(proof.node_id)?.slice(0, 80)} is not an address`;
  if (!Number.isSafeInteger(proof.time)) return `time ${JSON.stringify(proof.time)?.slice(0, 40)} is not a unix time in seconds`;
  if (typeof proof.signature !== "string") return "signature: expected a 0x hex string";
  if (!(TASK_TYPES as readonly string[]).includes(proof.type)) return `type ${JSON.stringify(proof.type)} is not a PoOT task`;
  // A proof is read from a file or the network: its value must be an object before it is signed over or read.
  if (typeof proof.value !== "object" || proof.value === null || Array.isArray(proof.value)) return `value must be an object, got ${JSON.stringify(proof.value)?.slice(0, 80)}`;
  let signer: string;
  try {
    signer = verifyMessage(taskProofMessage(context.deployment, proof), proof.signature);
  } catch {
    return "the signature is malformed";
  }
  if (signer !== getAddress(proof.node_id)) return `signed by ${signer}, not by ${proof.node_id} for this deployment`;
  const start = context.genesis + proof.slot * SLOT_SECONDS;
  if (proof.time < start || proof.time >= start + SLOT_SECONDS) return `made at ${proof.time}, outside slot ${proof.slot} (${start}..${start + SLOT_SECONDS - 1})`;
  const v = proof.value;
  switch (proof.type) {
    case "relay_bandwidth":
      if (!isCount(v.sessions) || !isCount(v.bytes)) return "relay_bandwidth needs whole numbers sessions and bytes";
      return undefined;
    case "storage_availability": {
      const root = typeof v.size === "number" ? context.logRoot(v.size) : undefined;
      if (!root) return `no signed log root known at size ${JSON.stringify(v.size)}`;
      const asked = challengeIndex(proof.slot, proof.node_id, v.size as number, root);
      if (v.index !== asked) return `the challenge of slot ${proof.slot} asks ${proof.node_id} for entry ${asked} of the log of ${v.size as number}, not ${JSON.stringify(v.index)}`;
      let ok = false;
      try {
        ok = isCount(v.index) && typeof v.leaf_hash === "string" && Array.isArray(v.proof) && verifyInclusion({ index: v.index as number, size: v.size as number, leafHash: v.leaf_hash, proof: v.proof as string[], root });
      } catch {
        ok = false; // malformed hashes
      }
      return ok ? undefined : `the challenge answer does not prove entry ${JSON.stringify(v.index)} in the log of ${v.size}`;
    }
    default:
      return undefined;
  }
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
