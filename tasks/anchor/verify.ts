import { readFile, writeFile } from "node:fs/promises";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { receiptFromStore } from "../../src/receipt/assemble.ts";
import type { AnchorReceipt } from "../../src/receipt/format.ts";
import { verificationLines } from "../../src/receipt/verdict.ts";
import { verifyReceipt, type ReceiptVerifyOptions } from "../../src/receipt/verifyReceipt.ts";
import { openStore } from "../../src/store/open.ts";
import { userError, userFacing } from "../errors.ts";
import { contractAddress, reachChain } from "./connect.ts";
import type { anchorVerifyTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof anchorVerifyTask>;

export default function verify(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  return userFacing(() => run(args, hre));
}

async function run(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  const receipt = await loadReceipt(args);
  const eventBody = await loadBody(args);
  const logKey = args.logKey || process.env.KPPE_LOG_VERIFIER_KEY || undefined;
  const witnessKeys = (args.witnessKeys || process.env.KPPE_WITNESS_KEYS || "").split(",").map((k) => k.trim()).filter(Boolean);
  let chain: ReceiptVerifyOptions["chain"];
  if (!args.offline) {
    const { provider, chainId } = await reachChain(hre, args.rpcUrl);
    // The contract comes from the verifier's own configuration, never from the receipt alone.
    chain = { provider, contract: contractAddress(args.contract, chainId), chainId };
  }
  const result = await verifyReceipt(receipt, { eventBody, logKey, witnessKeys, threshold: args.threshold || undefined, chain });
  for (const line of verificationLines(result)) console.log(line);
  if (result.verdict.status === "not-verified") process.exitCode = 1;
}

async function loadReceipt(args: Args): Promise<AnchorReceipt | string> {
  if (args.receipt && args.eventId) throw userError("give --receipt or --event-id, not both");
  if (args.receipt) {
    try {
      return await readFile(args.receipt, "utf8");
    } catch (error) {
      throw userError(`--receipt: cannot read ${args.receipt}: ${(error as Error).message}`);
    }
  }
  if (!args.eventId) throw userError("say which receipt to check: --receipt <file> or --event-id <id> (with --store)");
  const store = await openStore(args.store);
  try {
    const receipt = await receiptFromStore(store, args.eventId);
    if (!receipt) {
      const entry = await store.findByEventId(args.eventId);
      throw userError(
        entry
          ? `${args.eventId} is at sequence ${entry.fifo_sequence} but not in a confirmed batch yet: run npx hardhat anchor --once (or wait for the keeper)`
          : `no event ${JSON.stringify(args.eventId)} in ${store.location}`,
      );
    }
    if (args.out) {
      await writeFile(args.out, JSON.stringify(receipt, null, 2) + "\n");
      console.log(`receipt written to ${args.out}`);
    }
    return receipt;
  } finally {
    await store.close();
  }
}

async function loadBody(args: Args): Promise<unknown> {
  const text = args.bodyFile ? await readFile(args.bodyFile, "utf8") : args.body;
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw userError(`${args.bodyFile ? "--body-file" : "--body"}: not valid JSON (${(error as Error).message})`);
  }
}
