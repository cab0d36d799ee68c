import { readFile } from "node:fs/promises";
import { hexlify, randomBytes, Wallet } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { buildOrderProof, verifyOrderProofOffline, verifyOrderProofOnChain, type OrderProof } from "../../src/poe/orderProof.ts";
import type { CheckResult } from "../../src/receipt/verify.ts";
import { DEFAULT_RETRY } from "../../src/keeper/retry.ts";
import { RecorderChain } from "../../src/recorder/chain.ts";
import { openStore } from "../../src/store/open.ts";
import { userError, userFacing } from "../errors.ts";
import { connectProvider } from "../anchor/connect.ts";

interface Args {
  proof: string;
  orderId: string;
  store: string;
  rpcUrl: string;
  offline: boolean;
}

/** Checks an order's proof off-chain, then against the root recorded on ProofRecorder. */
export default function poeVerify(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  return userFacing(async () => {
    const proof = await loadProof(args);
    const checks: CheckResult[] = verifyOrderProofOffline(proof);
    if (args.offline) checks.push({ name: "on chain", ok: true, detail: "skipped (--offline)" });
    else checks.push(...(await onChain(proof, hre, args.rpcUrl)));
    for (const check of checks) console.log(`${check.ok ? "ok  " : "FAIL"}  ${check.name.padEnd(18)} ${check.detail}`);
    const failed = checks.filter((c) => !c.ok);
    if (failed.length > 0) {
      console.log(`NOT VERIFIED: ${failed.map((c) => c.name).join(", ")} failed`);
      process.exitCode = 1;
    } else {
      console.log(`VERIFIED: order ${proof.order_id} is in PoE batch #${proof.batch_id}, recorded on chain ${proof.chain_id}`);
    }
  });
}

async function onChain(proof: OrderProof, hre: HardhatRuntimeEnvironment, rpcUrl: string): Promise<CheckResult[]> {
  const { provider, name } = await connectProvider(hre, rpcUrl);
  let chain: RecorderChain | undefined;
  try {
    // Reads only: any key will do.
    chain = await RecorderChain.open({ provider, wallet: new Wallet(hexlify(randomBytes(32))), contract: proof.contract, retry: DEFAULT_RETRY, onRetry: () => undefined });
    if (chain.target.chainId !== proof.chain_id) {
      return [{ name: "on chain", ok: false, detail: `the proof is for chain ${proof.chain_id}, but ${name} is chain ${chain.target.chainId}: pass that chain's --network or --rpc-url` }];
    }
    return await verifyOrderProofOnChain(proof, chain);
  } catch (error) {
    return [{ name: "on chain", ok: false, detail: `could not read ProofRecorder ${proof.contract} through ${name}: ${(error as Error).message.split("\n")[0]}` }];
  } finally {
    if (chain) chain.close();
    else (provider as { destroy?: () => void }).destroy?.();
  }
}

async function loadProof(args: Args): Promise<OrderProof> {
  if (args.proof && args.orderId) throw userError("give --proof or --order-id, not both");
  if (args.orderId) {
    const store = await openStore(args.store);
    try {
      return await buildOrderProof(store, args.orderId);
    } finally {
      await store.close();
    }
  }
  if (!args.proof) throw userError("say which proof to check: --proof <file> (from poe:order-proof) or --order-id <id> (with --store)");
  let text: string;
  try {
    text = await readFile(args.proof, "utf8");
  } catch (error) {
    throw userError(`--proof: cannot read ${args.proof}: ${(error as Error).message}`);
  }
  let proof: OrderProof;
  try {
    proof = JSON.parse(text);
  } catch (error) {
    throw userError(`--proof: ${args.proof} is not JSON (${(error as Error).message})`);
  }
  if (proof?.format !== "flowpay-order-proof/1") throw userError(`--proof: ${args.proof} is not a FlowPay order proof (format "flowpay-order-proof/1")`);
  return proof;
}
