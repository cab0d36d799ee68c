import { Contract, Transaction, type Provider, type Wallet } from "ethers";
import { KppeError } from "../errors.ts";
import { KPPE_ANCHOR_ABI } from "./kppeAnchorAbi.ts";
import { shortMessage, withRetry, type RetryPolicy } from "../runtime/retry.ts";
import { TxMonitor, type Fees, type MinedTx, type TxMonitorOptions, type WriteHooks } from "./txMonitor.ts";

export type { Fees, MinedTx };

/** Where batches are anchored: one contract on one chain. A ledger can be anchored on several. */
export interface AnchorTarget {
  chainId: number;
  /** Lower-case 0x address. */
  contract: string;
}

/** A batch as `getBatch` returns it. */
export interface ChainBatch {
  exists: boolean;
  merkleRoot: string;
  eventCount: number;
  treeDepth: number;
  prevRoot: string;
  anchoredAt: number;
}

export interface AnchorCall {
  batchNumber: number;
  merkleRoot: string;
  eventCount: number;
  treeDepth: number;
  batchTimestamp: number;
  /** The log checkpoint the batch completes: `anchorCheckpoint` instead of `anchorMerkleRoot`. */
  checkpoint?: { logSize: number; logRoot: string; consistencyProof: string[]; witnessSignatures: string };
  /** On KPPEAnchorScheduled: the sender's place in the slot's committed schedule (`anchorCheckpointInTurn`). */
  turn?: { slot: number; position: number };
}

/** KPPEAnchorScheduled's slot parameters (immutables). */
export interface ScheduleParameters {
  genesis: number;
  slotSeconds: number;
  leaderTimeoutSeconds: number;
  epochSlots: number;
}

/** A batch's checkpoint as `getCheckpoint` returns it (all zero for a batch without one). */
export interface ChainCheckpoint {
  logSize: number;
  logRoot: string;
  firstSequence: number;
}

/** A checkpoint signed by the log signer, as KPPEAnchor's `SignedCheckpoint` takes it. */
export interface LogStatement {
  size: number;
  root: string;
  /** 65 bytes (r || s || v), 0x hex. */
  signature: string;
}

/**
 * Evidence that the log signer signed histories that cannot both be true: two signed
 * checkpoints (`reportEquivocation`), or one against the log anchored at `batchId`
 * (`reportAnchoredEquivocation`); `prefixRoot` and `proof` as the contract documents.
 */
export type EquivocationReport =
  | { older: LogStatement; newer: LogStatement; prefixRoot: string; proof: string[] }
  | { batchId: number; signed: LogStatement; prefixRoot: string; proof: string[] };

/**
 * A contract's refusal, decoded: the custom error's `name` and `args` as the ABI types them
 * (`name` undefined for a revert without a known custom error), and its `text`, `Name(arg, …)`.
 */
export interface ContractRevert {
  name: string | undefined;
  args: readonly unknown[];
  text: string;
}

/** Thrown when a contract refuses a call: `revert` is the decoded custom error, `reason` its text. */
export class ContractRevertedError extends KppeError {
  readonly revert: ContractRevert;
  readonly reason: string;
  constructor(functionName: string, revert: ContractRevert, cause?: unknown, code = "CONTRACT_REVERTED") {
    super(code, `${functionName} reverted: ${revert.text}`, { cause, details: { reason: revert.text } });
    this.revert = revert;
    this.reason = revert.text;
  }
}

/** Thrown when the contract refuses an anchor. */
export class AnchorRevertedError extends ContractRevertedError {
  constructor(revert: ContractRevert, cause?: unknown) {
    super("the anchor", revert, cause, "ANCHOR_REVERTED");
  }
}

interface OpenOptions {
  provider: Provider;
  wallet: Wallet;
  contract: string;
  retry: RetryPolicy;
  onRetry: (message: string) => void;
}

/**
 * One contract on one chain, for a service that writes to it: every read with bounded retries;
 * transactions signed here and sent as raw bytes, so the caller knows a transaction's hash
 * before it is sent and can send the very same bytes again.
 */
export class ContractChain {
  readonly provider: Provider;
  readonly wallet: Wallet;
  readonly contract: Contract;
  readonly target: AnchorTarget;
  private readonly policy: RetryPolicy;
  private readonly onRetry: (message: string) => void;

  protected constructor(options: OpenOptions & { chainId: number; abi: readonly string[] }) {
    this.provider = options.provider;
    this.wallet = options.wallet.connect(options.provider);
    this.target = { chainId: options.chainId, contract: options.contract.toLowerCase() };
    this.contract = new Contract(this.target.contract, options.abi, options.provider);
    this.policy = options.retry;
    this.onRetry = options.onRetry;
  }

  /** The chain id, after checking that some contract is deployed at `contract` (`deployHint` says how to fix it). */
  protected static async checkDeployed(options: OpenOptions, deployHint: string): Promise<number> {
    const { provider, retry, onRetry } = options;
    const { chainId } = await withRetry("eth_chainId", () => provider.getNetwork(), retry, onRetry);
    const contract = options.contract.toLowerCase();
    const code = await withRetry("eth_getCode", () => provider.getCode(contract), retry, onRetry);
    if (code === "0x") throw new KppeError("NO_CONTRACT", `no contract at ${contract} on chain ${chainId}: ${deployHint} or pass the right --contract`);
    return Number(chainId);
  }

  /** Releases the provider (its timers would keep the process alive). */
  close(): void {
    (this.provider as { destroy?: () => void }).destroy?.();
  }

  /** One JSON-RPC call (a read or the send of a signed transaction), retried by the policy. */
  protected rpc<T>(what: string, call: () => Promise<T>): Promise<T> {
    return withRetry(what, call, this.policy, this.onRetry);
  }

  async blockNumber(): Promise<number> {
    return this.rpc("eth_blockNumber", () => this.provider.getBlockNumber());
  }

  /** The fees a new transaction would pay now: twice the latest base fee plus the suggested tip. */
  async currentFees(): Promise<Fees & { baseFee: bigint }> {
    const block = await this.rpc("eth_getBlockByNumber", () => this.provider.getBlock("latest"));
    const baseFee = block?.baseFeePerGas ?? 0n;
    const { maxPriorityFeePerGas } = await this.rpc("eth_maxPriorityFeePerGas", () => this.provider.getFeeData());
    const tip = maxPriorityFeePerGas ?? 1_000_000n;
    return { baseFee, maxPriorityFeePerGas: tip, maxFeePerGas: baseFee * 2n + tip };
  }

  /**
   * The fees of a new transaction under the cap `capWei` per gas (none: no cap): undefined while
   * the base fee is above it, else the current fees with neither fee per gas over the cap.
   */
  async feesUnder(capWei?: bigint): Promise<{ baseFee: bigint; fees: Fees | undefined }> {
    const { baseFee, maxFeePerGas, maxPriorityFeePerGas } = await this.currentFees();
    if (capWei === undefined) return { baseFee, fees: { maxFeePerGas, maxPriorityFeePerGas } };
    if (baseFee > capWei) return { baseFee, fees: undefined };
    const capped = maxFeePerGas < capWei ? maxFeePerGas : capWei;
    return { baseFee, fees: { maxFeePerGas: capped, maxPriorityFeePerGas: maxPriorityFeePerGas < capped ? maxPriorityFeePerGas : capped } };
  }

  async nonce(blockTag: "latest" | "pending"): Promise<number> {
    return this.rpc("eth_getTransactionCount", () => this.provider.getTransactionCount(this.wallet.address, blockTag));
  }

  protected encode(functionName: string, args: readonly unknown[]): string {
    return this.contract.interface.encodeFunctionData(functionName, args);
  }

  /** Thrown by `estimate` when the contract refuses the call. */
  protected revertError(functionName: string, revert: ContractRevert, cause: unknown): Error {
    return new ContractRevertedError(functionName, revert, cause);
  }

  /**
   * Estimates a call's gas, which also runs it: a call the contract would refuse throws
   * (ContractRevertedError, with the decoded custom error) before anything is signed or paid.
   */
  async estimate(functionName: string, args: readonly unknown[]): Promise<bigint> {
    const data = this.encode(functionName, args);
    try {
      return await this.rpc("eth_estimateGas", () => this.provider.estimateGas({ from: this.wallet.address, to: this.target.contract, data }));
    } catch (error) {
      const revert = this.decodeRevert(error);
      if (revert) throw this.revertError(functionName, revert, error);
      throw error;
    }
  }

  /** Signs (does not send) a call to the contract. */
  async sign(functionName: string, args: readonly unknown[], options: Fees & { nonce: number; gasLimit: bigint }): Promise<{ hash: string; raw: string }> {
    const raw = await this.wallet.signTransaction({
      type: 2,
      chainId: this.target.chainId,
      to: this.target.contract,
      data: this.encode(functionName, args),
      nonce: options.nonce,
      gasLimit: options.gasLimit,
      maxFeePerGas: options.maxFeePerGas,
      maxPriorityFeePerGas: options.maxPriorityFeePerGas,
    });
    return { hash: Transaction.from(raw).hash!, raw };
  }

  /**
   * Sends signed bytes. A node that already has them (a resend after a lost reply) is not an
   * error, nor is a nonce already used: reconciliation finds out which transaction took it.
   */
  async broadcast(raw: string): Promise<void> {
    try {
      await this.rpc("eth_sendRawTransaction", () => this.provider.broadcastTransaction(raw));
    } catch (error) {
      if (/already known|known transaction|nonce too low|nonce has already been used|NONCE_EXPIRED|already imported/i.test(`${(error as { code?: string }).code} ${shortMessage(error)}`)) return;
      throw error;
    }
  }

  /** The transaction's outcome once mined, else undefined (pending, dropped or never seen). */
  async mined(hash: string): Promise<MinedTx | undefined> {
    const receipt = await this.rpc("eth_getTransactionReceipt", () => this.provider.getTransactionReceipt(hash));
    if (!receipt) return undefined;
    return { hash, blockNumber: receipt.blockNumber, success: receipt.status === 1 };
  }

  /** True when the node knows the transaction (pending or mined). */
  async known(hash: string): Promise<boolean> {
    return (await this.rpc("eth_getTransactionByHash", () => this.provider.getTransaction(hash))) !== null;
  }

  /**
   * Why a mined transaction reverted: the call replayed at the end of its block, where whatever
   * beat it (usually another write of the same id) has already run.
   */
  async revertReason(functionName: string, args: readonly unknown[], blockNumber: number): Promise<ContractRevert> {
    return this.replayRevert(this.encode(functionName, args), this.wallet.address, blockNumber);
  }

  /** Why a mined transaction with call `data` from `from` reverted: the call replayed at the end of its block. */
  async replayRevert(data: string, from: string, blockNumber: number): Promise<ContractRevert> {
    try {
      await this.provider.call({ from, to: this.target.contract, data, blockTag: blockNumber });
      return { name: undefined, args: [], text: "reverted on chain (replaying it does not revert; out of gas?)" };
    } catch (error) {
      return this.decodeRevert(error) ?? { name: undefined, args: [], text: `reverted on chain (${shortMessage(error)})` };
    }
  }

  /** A call mined and confirmed by a TxMonitor with `options` (see TxMonitor.write). */
  write(functionName: string, args: readonly unknown[], options: TxMonitorOptions & WriteHooks): Promise<MinedTx> {
    return new TxMonitor(this, options).write(functionName, args, options);
  }

  /** The custom error of a failed call, decoded by the contract's ABI; undefined if the failure was not a revert. */
  decodeRevert(error: unknown): ContractRevert | undefined {
    const e = error as { code?: string; data?: string; info?: { error?: { data?: string } } };
    const data = e?.data ?? e?.info?.error?.data;
    if (typeof data === "string" && data.length >= 10) {
      const parsed = this.contract.interface.parseError(data);
      if (parsed) return { name: parsed.name, args: [...parsed.args], text: `${parsed.name}(${parsed.args.map(String).join(", ")})` };
      return { name: undefined, args: [], text: `unknown custom error ${data.slice(0, 10)}` };
    }
    if (e?.code === "CALL_EXCEPTION") return { name: undefined, args: [], text: shortMessage(error) };
    return undefined;
  }
}

/** The function and arguments of an anchoring call. */
function anchorFunction(call: AnchorCall): [string, readonly unknown[]] {
  const base = [call.batchNumber, call.merkleRoot, call.eventCount, call.treeDepth, call.batchTimestamp] as const;
  if (!call.checkpoint) return ["anchorMerkleRoot", base];
  const { logSize, logRoot, consistencyProof, witnessSignatures } = call.checkpoint;
  const args = [...base, logSize, logRoot, consistencyProof, witnessSignatures];
  if (call.turn) return ["anchorCheckpointInTurn", [...args, [call.turn.slot, call.turn.position]]];
  return ["anchorCheckpoint", args];
}

/** Everything the keeper asks of a KPPEAnchor. */
export class AnchorChain extends ContractChain {
  /** Connects and checks that a contract is deployed at `contract`. */
  static async open(options: OpenOptions): Promise<AnchorChain> {
    const chainId = await ContractChain.checkDeployed(options, "deploy KPPEAnchor (npx hardhat ignition deploy ignition/modules/KPPEAnchor.ts)");
    return new AnchorChain({ ...options, chainId, abi: KPPE_ANCHOR_ABI });
  }

  protected override revertError(_functionName: string, revert: ContractRevert, cause: unknown): Error {
    return new AnchorRevertedError(revert, cause);
  }

  async latestBatchId(): Promise<number> {
    return Number(await this.rpc("latestBatchId", () => this.contract.latestBatchId()));
  }

  async latestRoot(): Promise<string> {
    return this.rpc("latestRoot", () => this.contract.latestRoot());
  }

  async totalEventsAnchored(): Promise<number> {
    return Number(await this.rpc("totalEventsAnchored", () => this.contract.totalEventsAnchored()));
  }

  async isAuthorized(): Promise<boolean> {
    return this.rpc("authorizedAnchors", () => this.contract.authorizedAnchors(this.wallet.address));
  }

  async getBatch(batchNumber: number): Promise<ChainBatch> {
    const b = await this.rpc(`getBatch(${batchNumber})`, () => this.contract.getBatch(batchNumber));
    return {
      exists: b.exists,
      merkleRoot: b.merkleRoot,
      eventCount: Number(b.eventCount),
      treeDepth: Number(b.treeDepth),
      prevRoot: b.prevRoot,
      anchoredAt: Number(b.anchoredAt),
    };
  }

  async verifyProofView(batchNumber: number, leaf: string, proof: string[], leafIndex: number): Promise<boolean> {
    return this.rpc("verifyProofView", () => this.contract.verifyProofView(batchNumber, leaf, proof, leafIndex));
  }

  /** Estimates an anchor's gas; a refused anchor throws AnchorRevertedError. */
  estimateAnchor(call: AnchorCall): Promise<bigint> {
    return this.estimate(...anchorFunction(call));
  }

  signAnchor(call: AnchorCall, options: Fees & { nonce: number; gasLimit: bigint }): Promise<{ hash: string; raw: string }> {
    return this.sign(...anchorFunction(call), options);
  }

  /**
   * Whether the contract anchors log checkpoints (KPPEAnchor 2.x). An older deployment keeps
   * taking plain roots, and its receipts say that positions are not proven on chain.
   */
  async anchorsCheckpoints(): Promise<boolean> {
    const version: string = await this.rpc("version", () => this.contract.version());
    return Number(version.split(".")[0]) >= 2;
  }

  /** The number of witness signatures an anchor needs now (0: no witness set in force). */
  async witnessThreshold(): Promise<number> {
    const set = await this.rpc("activeWitnessSet", () => this.contract.activeWitnessSet(this.wallet.address));
    return Number(set.threshold);
  }

  /** The EIP-712 digest the active witness set signs for (`size`, `root`). */
  async checkpointDigest(size: number, root: string): Promise<string> {
    return this.rpc("checkpointDigest", () => this.contract.checkpointDigest(size, root));
  }

  /** The batch id of the first checkpoint on chain, 0 while none is anchored. */
  async firstCheckpointBatchId(): Promise<number> {
    return Number(await this.rpc("firstCheckpointBatchId", () => this.contract.firstCheckpointBatchId()));
  }

  async getCheckpoint(batchNumber: number): Promise<ChainCheckpoint> {
    const c = await this.rpc(`getCheckpoint(${batchNumber})`, () => this.contract.getCheckpoint(batchNumber));
    return { logSize: Number(c.logSize), logRoot: c.logRoot, firstSequence: Number(c.firstSequence) };
  }

  async verifyLogInclusion(batchNumber: number, index: number, eventHash: string, contentHash: string, proof: string[]): Promise<boolean> {
    return this.rpc("verifyLogInclusion", () => this.contract.verifyLogInclusion(batchNumber, index, eventHash, contentHash, proof));
  }

  /** The slot parameters of a KPPEAnchorScheduled; NOT_SCHEDULED for a deployment without turns. */
  async scheduleParameters(): Promise<ScheduleParameters> {
    try {
      const [genesis, slotSeconds, leaderTimeoutSeconds, epochSlots] = await Promise.all([this.contract.GENESIS(), this.contract.SLOT_SECONDS(), this.contract.LEADER_TIMEOUT(), this.contract.EPOCH_SLOTS()]);
      return { genesis: Number(genesis), slotSeconds: Number(slotSeconds), leaderTimeoutSeconds: Number(leaderTimeoutSeconds), epochSlots: Number(epochSlots) };
    } catch (error) {
      if ((error as { code?: string }).code === "CALL_EXCEPTION" || (error as { code?: string }).code === "BAD_DATA") {
        throw new KppeError("NOT_SCHEDULED", `${this.target.contract} is not a KPPEAnchorScheduled (no leader schedule): deploy ignition/modules/KPPEAnchorScheduled.ts, or anchor without --turns`);
      }
      throw error;
    }
  }

  /** The leaders committed for `epoch` (none while none are). */
  async epochLeaders(epoch: number): Promise<string[]> {
    return [...(await this.rpc(`epochLeaders(${epoch})`, () => this.contract.epochLeaders(epoch)))];
  }

  /** The log's on-chain signer (zero address: none set) and whether anchoring is frozen by an equivocation report. */
  async logSigner(): Promise<{ signer: string; frozen: boolean }> {
    const s = await this.rpc("logSigner", () => this.contract.logSigner());
    return { signer: s.signer, frozen: s.frozen };
  }

  /** Sends `report` (anyone may) and waits for one confirmation; a report the contract refuses throws before anything is paid. */
  reportEquivocation(report: EquivocationReport, pollMs?: number): Promise<MinedTx> {
    const statement = (s: LogStatement) => [s.size, s.root, s.signature];
    return "batchId" in report
      ? this.write("reportAnchoredEquivocation", [report.batchId, statement(report.signed), report.prefixRoot, report.proof], { confirmations: 1, pollMs })
      : this.write("reportEquivocation", [statement(report.older), statement(report.newer), report.prefixRoot, report.proof], { confirmations: 1, pollMs });
  }

  /** The unix time of block `blockNumber`. */
  async blockTime(blockNumber: number): Promise<number> {
    const block = await this.rpc("eth_getBlockByNumber", () => this.provider.getBlock(blockNumber));
    if (!block) throw new KppeError("NO_BLOCK", `block ${blockNumber} is not known to the node`);
    return block.timestamp;
  }
}
