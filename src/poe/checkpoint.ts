import { solidityPackedSha256 } from "ethers";

/**
 * A FlowPay batch's checkpoint: sha256(root || uint64 timestamp || uint256 batchId), big-endian,
 * 72 bytes (docs/formats.md). `ProofRecorder.flowPayCheckpoint` computes the same on chain; it is
 * the `proofId` under which the batch's root is recorded.
 */
export function flowPayCheckpoint(root: string, timestamp: number, batchId: number): string {
  return solidityPackedSha256(["bytes32", "uint64", "uint256"], [root, timestamp, batchId]);
}
