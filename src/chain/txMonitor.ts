import { setTimeout as sleep } from "node:timers/promises";
import { formatUnits, Transaction } from "ethers";
import { KppeError } from "../errors.ts";

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface MinedTx {
  hash: string;
  blockNumber: number;
  success: boolean;
}

/** What the monitor asks of a contract's chain (ContractChain has it). */
export interface TxChain {
  estimate(functionName: string, args: readonly unknown[]): Promise<bigint>;
  feesUnder(capWei?: bigint): Promise<{ baseFee: bigint; fees: Fees | undefined }>;
  currentFees(): Promise<Fees>;
  nonce(blockTag: "latest" | "pending"): Promise<number>;
  sign(functionName: string, args: readonly unknown[], options: Fees & { nonce: number; gasLimit: bigint }): Promise<{ hash: string; raw: string }>;
  broadcast(raw: string): Promise<void>;
  mined(hash: string): Promise<MinedTx | undefined>;
  known(hash: string): Promise<boolean>;
  blockNumber(): Promise<number>;
}

/** One signed transaction of a write. Recorded before it is sent, so a crash cannot lose it. */
export interface TxAttempt {
  hash: string;
  /** The signed transaction, to send again after a crash or a dropped reply. */
  raw: string;
  nonce: number;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  /** ISO time it was signed; a pending attempt older than the stuck limit is replaced. */
  sentAt: string;
}

/** The attempt that the signed bytes `raw` are (hash, nonce and fees read from them), dated `sentAt`. */
export function attemptOf(raw: string, sentAt = new Date().toISOString()): TxAttempt {
  const tx = Transaction.from(raw);
  return { hash: tx.hash!, raw, nonce: tx.nonce, maxFeePerGas: String(tx.maxFeePerGas ?? 0n), maxPriorityFeePerGas: String(tx.maxPriorityFeePerGas ?? 0n), sentAt };
}

/** Polls without a new block, while waiting for confirmations, before a chain is said to look stalled. */
const STALLED_CHAIN_POLLS = 15;
const FEE_BUMP_NUMERATOR = 5n; // replacements pay 5/4 of the previous fees (nodes want at least +10%)
const FEE_BUMP_DENOMINATOR = 4n;

/** The fees of a replacement for `last`: 5/4 of its fees, and never less than the current ones. */
export function replacementFees(last: TxAttempt, current: Fees): Fees {
  const bump = (value: string) => (BigInt(value) * FEE_BUMP_NUMERATOR) / FEE_BUMP_DENOMINATOR + 1n;
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  const maxFeePerGas = max(bump(last.maxFeePerGas), current.maxFeePerGas);
  const tip = max(bump(last.maxPriorityFeePerGas), current.maxPriorityFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas: tip < maxFeePerGas ? tip : maxFeePerGas };
}

/**
 * What a write none of whose attempts is mined needs: `renonce` (its nonce went to another
 * transaction: sign again with a new one), `rebroadcast` (the node forgot the last attempt: send
 * the same bytes), `replace` (pending past the stuck limit: same nonce, higher fees), `wait`, or
 * `mined` (one was mined after all; look again).
 */
export type PendingAction = "mined" | "renonce" | "rebroadcast" | "replace" | "wait";

/** Stuck after 3 minutes by default (STUCK_TX_MS): about 90 Base blocks. */
export const DEFAULT_STUCK_AFTER_MS = 180_000;

export interface TxMonitorOptions {
  /** Blocks, the transaction's own included, before a write counts as done. */
  confirmations: number;
  /** A pending attempt older than this is replaced with higher fees (default DEFAULT_STUCK_AFTER_MS). */
  stuckAfterMs?: number;
  pollMs?: number;
  /** Fee cap per gas: nothing new is sent above it (FEE_CAP), and a replacement never passes it. */
  maxFeeWei?: bigint;
  log?: (level: "info" | "warn", message: string) => void;
}

/** A write's own: `attempts` already made (resuming), `record` (write-ahead) and `afterSend` for each attempt. */
export interface WriteHooks {
  attempts?: readonly TxAttempt[];
  record?: (attempt: TxAttempt) => Promise<void>;
  afterSend?: () => void;
}

/**
 * The life of a transaction, the same for the keeper, the FlowPay anchorer and session anchoring:
 * signed here and recorded before it is sent (write-ahead); sent again as the same bytes when the
 * node forgets it; replaced (same nonce, higher fees, under the fee cap) when it is stuck; signed
 * again with a new nonce when another transaction took its nonce; and confirmed only once its
 * block is deep enough and still holds it (a reorg sends it back to the start).
 */
export class TxMonitor {
  readonly chain: TxChain;
  readonly options: TxMonitorOptions;

  constructor(chain: TxChain, options: TxMonitorOptions) {
    this.chain = chain;
    this.options = options;
  }

  private get pollMs(): number {
    return this.options.pollMs ?? 500;
  }

  private log(level: "info" | "warn", message: string): void {
    this.options.log?.(level, message);
  }

  /** The mined attempt among `attempts`: a successful one first, else a reverted one. */
  async findMined(attempts: readonly TxAttempt[]): Promise<MinedTx | undefined> {
    let reverted: MinedTx | undefined;
    for (const attempt of [...attempts].reverse()) {
      const mined = await this.chain.mined(attempt.hash);
      if (mined?.success) return mined;
      reverted ??= mined;
    }
    return reverted;
  }

  /** What the write needs next, when none of `attempts` (the last one is the newest) is mined. */
  async pendingAction(attempts: readonly TxAttempt[]): Promise<PendingAction> {
    const last = attempts[attempts.length - 1];
    if ((await this.chain.nonce("latest")) > last.nonce) {
      // A block may have taken one of the attempts since the caller looked: look again before deciding.
      return (await this.findMined(attempts)) ? "mined" : "renonce";
    }
    if (!(await this.chain.known(last.hash))) return "rebroadcast";
    return Date.now() - Date.parse(last.sentAt) > (this.options.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS) ? "replace" : "wait";
  }

  /**
   * Sends `attempt`'s signed bytes again (the node forgot them). A node that holds another
   * transaction of the same nonce at higher fees refuses them as underpriced: then that one is
   * waited for (mined, the nonce is used and the write signs anew; dropped, these bytes go again).
   */
  async resend(attempt: TxAttempt, what: string): Promise<void> {
    this.log("warn", `WARNING: TX ${attempt.hash} (${what}) is unknown to the node -- sending the same signed transaction again`);
    try {
      await this.chain.broadcast(attempt.raw);
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      if (code !== "REPLACEMENT_UNDERPRICED" && !/underpriced/i.test(message ?? "")) throw error;
      this.log("warn", `WARNING: the node holds another transaction with nonce ${attempt.nonce} at higher fees; waiting for it to be mined or dropped`);
    }
  }

  /**
   * Waits until the block holding `mined` has `confirmations` blocks; false if the transaction
   * left the chain meanwhile (a reorg). `onPoll` runs between looks (say, to renew a lease);
   * `onStall` is told once when no block comes for 15 polls.
   */
  async awaitConfirmations(mined: MinedTx, hooks: { onPoll?: () => Promise<void>; onStall?: (message: string) => void } = {}): Promise<boolean> {
    const { confirmations } = this.options;
    let lastBlock = -1;
    let lastBlockAt = Date.now();
    let warned = false;
    while (true) {
      const block = await this.chain.blockNumber();
      const depth = block - mined.blockNumber + 1;
      if (depth >= confirmations) {
        const again = await this.chain.mined(mined.hash);
        return again !== undefined && again.blockNumber === mined.blockNumber;
      }
      if (block !== lastBlock) [lastBlock, lastBlockAt] = [block, Date.now()];
      else if (!warned && Date.now() - lastBlockAt >= STALLED_CHAIN_POLLS * this.pollMs) {
        // A chain that mines only on transactions (npx hardhat node, automine) never adds the
        // blocks that confirmations count: say so once, and what to do.
        warned = true;
        hooks.onStall?.(
          `no new block for ${Math.round((Date.now() - lastBlockAt) / 1000)} s while waiting for ${confirmations} confirmation(s) (have ${depth}): ` +
            "this chain seems to mine only on transactions (a local automining node); run with --confirmations 1 (CONFIRMATIONS=1) there, or send it transactions",
        );
      }
      await hooks.onPoll?.();
      await sleep(this.pollMs);
    }
  }

  /**
   * Gets a call mined and confirmed, starting from `attempts` already made (a resumed write) or
   * from nothing: estimates (a refused call throws ContractRevertedError before anything is paid),
   * signs under the fee cap (above it: FEE_CAP, nothing sent), gives each attempt to `record`
   * before it is sent, then drives it as the class says. Returns the mined transaction, which may
   * have reverted (the caller explains it with `revertReason`).
   */
  async write(functionName: string, args: readonly unknown[], hooks: WriteHooks = {}): Promise<MinedTx> {
    const attempts = [...(hooks.attempts ?? [])];
    // A replacement keeps the gas limit it replaces: estimating again could fail only because
    // the attempt it replaces has just been mined.
    const send = async (nonce: number | undefined, fees: Fees | undefined, gasLimit?: bigint) => {
      gasLimit ??= ((await this.chain.estimate(functionName, args)) * 6n) / 5n;
      if (!fees) {
        const { baseFee, fees: capped } = await this.chain.feesUnder(this.options.maxFeeWei);
        if (!capped) {
          throw new KppeError("FEE_CAP", `${functionName} not sent: the base fee ${formatUnits(baseFee, "gwei")} gwei is above the fee cap of ${formatUnits(this.options.maxFeeWei!, "gwei")} gwei; it is tried again when fees fall`);
        }
        fees = capped;
      }
      nonce ??= await this.chain.nonce("pending");
      const attempt = attemptOf((await this.chain.sign(functionName, args, { ...fees, nonce, gasLimit })).raw);
      await hooks.record?.(attempt);
      attempts.push(attempt);
      await this.chain.broadcast(attempt.raw);
      hooks.afterSend?.();
    };
    if (attempts.length === 0) await send(undefined, undefined);
    let capWarned = false;
    while (true) {
      const mined = await this.findMined(attempts);
      if (mined) {
        if (!mined.success || (await this.awaitConfirmations(mined, { onStall: (m) => this.log("warn", `WARNING: ${m}`) }))) return mined;
        continue; // reorged out while waiting: look again
      }
      const last = attempts[attempts.length - 1];
      const action = await this.pendingAction(attempts);
      if (action === "renonce") {
        this.log("warn", `WARNING: nonce ${last.nonce} of ${functionName} was used by another transaction -- sending again with a new nonce`);
        await send(undefined, undefined);
      } else if (action === "rebroadcast") {
        await this.resend(last, functionName);
      } else if (action === "replace") {
        const fees = replacementFees(last, await this.chain.currentFees());
        const age = Math.round((Date.now() - Date.parse(last.sentAt)) / 1000);
        if (this.options.maxFeeWei !== undefined && fees.maxFeePerGas > this.options.maxFeeWei) {
          // It is already sent: waiting for it is safe; replacing it would pass the cap.
          if (!capWarned) this.log("warn", `WARNING: TX ${last.hash} (${functionName}) pending for ${age}s; replacing it needs ${formatUnits(fees.maxFeePerGas, "gwei")} gwei, above the fee cap of ${formatUnits(this.options.maxFeeWei, "gwei")} gwei -- waiting for it as it is`);
          capWarned = true;
        } else {
          await send(last.nonce, fees, Transaction.from(last.raw).gasLimit);
          this.log("warn", `WARNING: TX ${last.hash} (${functionName}) pending for ${age}s -- replaced by ${attempts.at(-1)!.hash} at ${formatUnits(fees.maxFeePerGas, "gwei")} gwei (same nonce ${last.nonce})`);
        }
      }
      if (action !== "mined") await sleep(this.pollMs);
    }
  }
}
