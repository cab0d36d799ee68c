import { readFile, writeFile } from "node:fs/promises";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { receiptFromStore } from "../../src/keeper/receipts.ts";
import type { AnchorReceipt } from "../../src/receipt/format.ts";
import { verifyOnChain } from "../../src/receipt/onchain.ts";
import { verifyReceiptOffline, type CheckResult } from "../../src/receipt/verify.ts";
import { openStore } from "../../src/store/open.ts";
import { reportChecks } from "../checks.ts";
import { userError, userFacing } from "../errors.ts";
import { contractAddress, reachChain } from "./connect.ts";

interface Args {
  eventId: string;
  receipt: string;
  body: string;
  bodyFile: string;
  out: string;
  store: string;
  rpcUrl: string;
  contract: string;
  logKey: string;
  witnessKeys: string;
  threshold: number;
  offline: boolean;
}

export default function verify(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  return userFacing(() => run(args, hre));
}

async function run(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  const receipt = await loadReceipt(args);
  const eventBody = await loadBody(args);
  const logKey = args.logKey || process.env.KPPE_LOG_VERIFIER_KEY || undefined;
  const witnessKeys = (args.witnessKeys || process.env.KPPE_WITNESS_KEYS || "").split(",").map((k) => k.trim()).filter(Boolean);
  const offline = verifyReceiptOffline(receipt, { eventBody, logKey, witnessKeys, threshold: args.threshold || undefined });
  const checks: CheckResult[] = [...offline.checks];
  const { event, batch, anchor } = offline.receipt;
  const when = "block_time" in anchor && anchor.block_time !== null ? ` at ${new Date(anchor.block_time * 1000).toISOString()}` : "";
  console.log(
    `receipt of ${event.event_id}: sequence ${offline.receipt.ledger_entry.fifo_sequence}, batch #${batch.batch_id} (leaf ${batch.leaf_index} of ${batch.event_count}), ` +
      `anchored on chain ${anchor.chain_id}${when} by tx ${anchor.tx_hash}` + ("explorer" in anchor && anchor.explorer ? `\n  ${anchor.explorer}` : ""),
  );
  if (args.offline) {
    checks.push({ name: "on chain", ok: false, skipped: true, detail: "not checked on chain (--offline): nothing shows the batch was anchored" });
  } else {
    const { provider, name, chainId } = await reachChain(hre, args.rpcUrl);
    // The contract comes from the verifier's own configuration, never from the receipt alone.
    const contract = contractAddress(args.contract, chainId);
    try {
      checks.push(...(await verifyOnChain(offline.receipt, provider, { contract, chainId })));
    } catch (error) {
      checks.push({ name: "on chain", ok: false, detail: `could not read the contract through ${name}: ${(error as Error).message.split("\n")[0]}` });
    }
  }
  reportChecks(checks, `${event.event_id} is entry ${offline.receipt.ledger_entry.fifo_sequence} of the log anchored in batch #${batch.batch_id} on chain ${anchor.chain_id}`);
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
