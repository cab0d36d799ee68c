import { ContractChain } from "./anchorChain.ts";
import type { RetryPolicy } from "../runtime/retry.ts";
import type { Provider, Wallet } from "ethers";

/** The parts of ProofRecorder's ABI that FlowPay batches and Lucid sessions use. */
export const PROOF_RECORDER_ABI = [
  "function recordProof(bytes32 proofId, string pixChargeId, bytes32 txHash, string metadata) returns (bool)",
  "function registerSession(bytes32 sessionId, bytes32 manifestHash, uint64 startedAt, address owner, bytes32 merkleRoot, uint32 chunkCount)",
  "function getProof(bytes32 proofId) view returns (tuple(bytes32 txHash, uint64 recordedAt, address recorder, string pixChargeId, string metadata))",
  "function getSession(bytes32 sessionId) view returns (tuple(bytes32 manifestHash, bytes32 merkleRoot, uint64 startedAt, uint64 registeredAt, uint32 chunkCount, address owner, address recorder))",
  "function verifySha256Proof(bytes32 proofId, bytes32 leaf, bytes32[] proof) view returns (bool)",
  "function recordCheckpoint(bytes32 root, uint64 timestamp, uint256 batchId, uint32 leafCount, string metadata) returns (bytes32)",
  "function getCheckpointRecord(bytes32 checkpoint) view returns (tuple(bytes32 root, uint64 timestamp, uint64 recordedAt, uint32 leafCount, address recorder, uint256 batchId, string metadata))",
  "function verifyCheckpointProof(bytes32 checkpoint, bytes32 leaf, bytes32[] proof, uint256 leafIndex) view returns (bool)",
  "function verifySessionChunk(bytes32 sessionId, bytes32 chunkHash, bytes32[] proof, uint256 chunkIndex) view returns (bool)",
  "function flowPayCheckpoint(bytes32 root, uint64 timestamp, uint256 batchId) pure returns (bytes32)",
  "function isWriter(address writer) view returns (bool)",
  "event ProofRecorded(bytes32 indexed proofId, bytes32 indexed txHash, string pixChargeId, address recorder)",
  "event CheckpointRecorded(bytes32 indexed checkpoint, bytes32 indexed root, uint256 batchId, uint32 leafCount, address recorder)",
  "event SessionRegistered(bytes32 indexed sessionId, address indexed owner, bytes32 manifestHash, bytes32 merkleRoot, uint32 chunkCount, uint64 startedAt)",
  "error UnauthorizedWriter(address caller)",
  "error ProofAlreadyRecorded(bytes32 proofId)",
  "error CheckpointAlreadyRecorded(bytes32 checkpoint)",
  "error StringTooLong(string field, uint256 length, uint256 maxLength)",
  "error SessionAlreadyRegistered(bytes32 sessionId)",
  "error ZeroValue(string field)",
  "error ZeroChunkCount()",
  "error ZeroAddress()",
];

/** `getCheckpointRecord`: a FlowPay batch recorded under its checkpoint; `recordedAt` 0 means none. */
export interface ChainCheckpointRecord {
  root: string;
  timestamp: number;
  recordedAt: number;
  leafCount: number;
  recorder: string;
  batchId: number;
  metadata: string;
}

/** `getSession`; `registeredAt` 0 means none. */
export interface ChainSession {
  manifestHash: string;
  merkleRoot: string;
  startedAt: number;
  registeredAt: number;
  chunkCount: number;
  owner: string;
  recorder: string;
}

/** A ProofRecorder on one chain, read with retries and written with locally signed transactions. */
export class RecorderChain extends ContractChain {
  static async open(options: { provider: Provider; wallet: Wallet; contract: string; retry: RetryPolicy; onRetry: (message: string) => void }): Promise<RecorderChain> {
    const chainId = await ContractChain.checkDeployed(options, "deploy ProofRecorder (npx hardhat ignition deploy ignition/modules/ProofRecorder.ts)");
    return new RecorderChain({ ...options, chainId, abi: PROOF_RECORDER_ABI });
  }

  async isWriter(): Promise<boolean> {
    return this.rpc("isWriter", () => this.contract.isWriter(this.wallet.address));
  }


  async getCheckpointRecord(checkpoint: string): Promise<ChainCheckpointRecord> {
    const r = await this.rpc("getCheckpointRecord", () => this.contract.getCheckpointRecord(checkpoint));
    return { root: r.root, timestamp: Number(r.timestamp), recordedAt: Number(r.recordedAt), leafCount: Number(r.leafCount), recorder: r.recorder, batchId: Number(r.batchId), metadata: r.metadata };
  }

  async verifyCheckpointProof(checkpoint: string, leaf: string, proof: readonly string[], leafIndex: number): Promise<boolean> {
    return this.rpc("verifyCheckpointProof", () => this.contract.verifyCheckpointProof(checkpoint, leaf, proof, leafIndex));
  }

  /** The transaction whose CheckpointRecorded log carries `checkpoint`, searched from `fromBlock` on. */
  async checkpointRecordedTx(checkpoint: string, fromBlock: number): Promise<string | undefined> {
    const logs = await this.rpc("eth_getLogs", () => this.contract.queryFilter(this.contract.filters.CheckpointRecorded(checkpoint), fromBlock));
    return logs.at(-1)?.transactionHash;
  }

  async getSession(sessionId: string): Promise<ChainSession> {
    const s = await this.rpc("getSession", () => this.contract.getSession(sessionId));
    return {
      manifestHash: s.manifestHash,
      merkleRoot: s.merkleRoot,
      startedAt: Number(s.startedAt),
      registeredAt: Number(s.registeredAt),
      chunkCount: Number(s.chunkCount),
      owner: s.owner,
      recorder: s.recorder,
    };
  }


  async verifySessionChunk(sessionId: string, chunkHash: string, proof: readonly string[], chunkIndex: number): Promise<boolean> {
    return this.rpc("verifySessionChunk", () => this.contract.verifySessionChunk(sessionId, chunkHash, proof, chunkIndex));
  }

  async flowPayCheckpoint(root: string, timestamp: number, batchId: number): Promise<string> {
    return this.rpc("flowPayCheckpoint", () => this.contract.flowPayCheckpoint(root, timestamp, batchId));
  }


  async blockTimestamp(blockNumber: number): Promise<number> {
    const block = await this.rpc("eth_getBlockByNumber", () => this.provider.getBlock(blockNumber));
    return block?.timestamp ?? Math.floor(Date.now() / 1000);
  }
}
