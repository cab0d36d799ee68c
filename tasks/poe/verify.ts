import { readFile } from "node:fs/promises";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { buildOrderProof, verifyOrderProofOffline, verifyOrderProofOnChain, type OrderProof } from "../../src/poe/orderProof.ts";
import type { CheckResult } from "../../src/receipt/verify.ts";
import { openStore } from "../../src/store/open.ts";
import { reportChecks } from "../checks.ts";
import { userError, userFacing } from "../errors.ts";
import { recorderChecks } from "../anchor/connect.ts";
import type { poeVerifyTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof poeVerifyTask>;

/** Checks an order's proof off-chain, then against the root recorded on ProofRecorder. */
export default function poeVerify(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  return userFacing(async () => {
    const proof = await loadProof(args);
    const checks: CheckResult[] = verifyOrderProofOffline(proof);
    if (args.offline) checks.push({ name: "on chain", ok: false, skipped: true, detail: "not checked on chain (--offline): nothing shows the batch was recorded" });
    else checks.push(...(await recorderChecks(hre, { rpcUrl: args.rpcUrl, trusted: args.contract, named: proof.contract, chainId: proof.chain_id }, (chain) => verifyOrderProofOnChain(proof, chain))));
    reportChecks(checks, `order ${proof.order_id} is in PoE batch #${proof.batch_id}, recorded on chain ${proof.chain_id}`);
  });
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
