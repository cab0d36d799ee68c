import { cycleAfterStandby } from "../../src/runtime/leaseWait.ts";
import { setTimeout as sleep } from "node:timers/promises";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { consoleLog } from "../../src/runtime/taskLog.ts";
import { PoeAnchorer } from "../../src/poe/anchorer.ts";
import { resolvePoeSettings } from "../../src/poe/settings.ts";
import { openStore } from "../../src/store/open.ts";
import { userError, userFacing } from "../errors.ts";
import { onStop } from "../stop.ts";
import { openRecorder } from "../anchor/connect.ts";
import type { poeAnchorTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof poeAnchorTask>;

const given = (value: number) => (value === 0 ? undefined : value);

/** FlowPay's anchorActiveBatch, as one cycle (--once) or a loop until Ctrl-C. */
export default function poeAnchor(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  return userFacing(async () => {
    const settings = resolvePoeSettings({
      intervalMs: given(args.intervalMs),
      maxAgeMs: given(args.maxAgeMs),
      confirmations: given(args.confirmations),
      leaseTtlMs: given(args.leaseTtlMs),
    });
    const store = await openStore(args.store);
    const { chain, networkName } = await openRecorder(hre, args, settings.retry, consoleLog);
    // Batches record the network by name: a Hardhat network's, else chain-<id> (never an RPC URL, which may hold a key).
    const viaUrl = Boolean(args.rpcUrl || process.env.RPC_URL);
    const anchorer = new PoeAnchorer({ store, chain, settings, log: consoleLog, networkName: viaUrl ? undefined : networkName });
    const stop = new AbortController();
    const removeStop = onStop(() => stop.abort());
    try {
      if (!(await chain.isWriter())) {
        throw userError(`${chain.wallet.address} is not a writer of ProofRecorder ${chain.target.contract}: its owner must call setWriter(${chain.wallet.address}, true)`);
      }
      consoleLog("info", `PoE anchorer started: store ${store.location}, ProofRecorder ${chain.target.contract} on ${networkName} (chain ${chain.target.chainId}), batches close at ${settings.maxOrders} orders or ${settings.maxAgeMs / 60_000} min`);
      do {
        const cycle = args.once ? await cycleAfterStandby(() => anchorer.cycle({ closeNow: args.now }), settings.leaseTtlMs) : await anchorer.cycle({ closeNow: args.now });
        if (cycle.outcome === "standby") consoleLog("info", "Standby: another poe:anchor holds the store's lease");
        else if (cycle.outcome === "done" && cycle.anchored.length === 0) {
          const hint = args.now ? "" : `; the open batch closes at ${settings.maxOrders} orders or ${settings.maxAgeMs / 60_000} min after it opened, or now with --now`;
          consoleLog("info", `No closed PoE batch to anchor${hint}`);
        }
        if (args.once) break;
        await sleep(settings.intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
      } while (!stop.signal.aborted);
      await anchorer.releaseLease();
    } finally {
      removeStop();
      chain.close();
      await store.close();
    }
  });
}
