import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { AnchorChain } from "../../src/chain/anchorChain.ts";
import { DEFAULT_RETRY } from "../../src/runtime/retry.ts";
import { leaseName, pendingEvents } from "../../src/keeper/keeper.ts";
import { openStore } from "../../src/store/open.ts";
import { userFacing } from "../errors.ts";
import { contractAddress, reachChain, readOnlyWallet } from "./connect.ts";
import type { anchorStatusTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof anchorStatusTask>;

export default function status(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  return userFacing(() => run(args, hre));
}

async function run(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  const { provider, name, chainId } = await reachChain(hre, args.rpcUrl);
  const address = contractAddress(args.contract, chainId).toLowerCase();
  // Read through the same chain access the keeper uses (retries, decoded errors), with a key that signs nothing.
  const anchor = await AnchorChain.open({ provider, wallet: readOnlyWallet(), contract: address, retry: DEFAULT_RETRY, onRetry: () => undefined });
  const target = { chainId, contract: address };
  const store = await openStore(args.store);
  try {
    const [stats, open, head, pending, lease, latestBatchId, latestRoot, total] = await Promise.all([
      store.anchoring.stats(target),
      store.anchoring.openBatches(target),
      store.head(),
      pendingEvents(store, target),
      store.anchoring.leaseHolder(leaseName(target)),
      anchor.latestBatchId(),
      anchor.latestRoot(),
      anchor.totalEventsAnchored(),
    ]);
    const last = stats.lastConfirmed;
    const onChain = last ? await anchor.getBatch(last.batchNumber) : undefined;
    const rows: Array<[string, string, string]> = [
      ["latest batch id", last ? String(last.batchNumber) : "none", String(latestBatchId)],
      ["latest root", last?.merkleRoot ?? "none", latestRoot],
      ["events anchored", String(stats.eventsConfirmed), String(total)],
      ["last batch on chain", last ? `#${last.batchNumber} in block ${last.blockNumber}` : "none", onChain ? (onChain.exists && onChain.merkleRoot === last!.merkleRoot ? "present, same root" : "MISSING or different") : "-"],
    ];
    console.log(`KPPEAnchor ${address} on ${name} (chain ${chainId}); ledger ${store.location}`);
    console.log(`${"".padEnd(22)}${"keeper (store)".padEnd(68)}chain`);
    for (const [label, keeper, chain] of rows) console.log(`${label.padEnd(22)}${keeper.padEnd(68)}${chain}`);
    console.log(`ledger head: sequence ${head.fifo_sequence}; pending (not in a batch): ${pending}`);
    console.log(`batches: ${Object.entries(stats.batches).map(([s, n]) => `${s} ${n}`).join(", ")}`);
    for (const batch of open) console.log(`  in flight: #${batch.batchNumber} ${batch.status} sequences ${batch.firstSequence}..${batch.lastSequence} tx ${batch.txHash ?? "-"}${batch.error ? ` (${batch.error})` : ""}`);
    console.log(lease && lease.expiresAt > Date.now() ? `lease: held by ${lease.holder} until ${new Date(lease.expiresAt).toISOString()}` : "lease: free (no keeper running)");
    if (last && Number(latestBatchId) < last.batchNumber) console.log("WARNING: the chain is behind the store: a reorg, or the wrong contract/network? The keeper re-anchors missing batches.");
  } finally {
    anchor.close();
    await store.close();
  }
}
