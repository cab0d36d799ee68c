import { setTimeout as sleep } from "node:timers/promises";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { AnchorChain } from "../../src/chain/anchorChain.ts";
import { DEFAULT_RETRY } from "../../src/runtime/retry.ts";
import { parseVerifierKey } from "../../src/log/note.ts";
import { LogMonitor } from "../../src/storage/monitor.ts";
import { userError, userFacing } from "../errors.ts";
import { onStop } from "../stop.ts";
import { contractAddress, reachChain, readOnlyWallet } from "../anchor/connect.ts";

interface Args {
  gateway: string;
  logKey: string;
  anchors: boolean;
  contract: string;
  rpcUrl: string;
  intervalMs: number;
  once: boolean;
}

/** Follows a gateway's checkpoints (and, with --anchors, KPPEAnchor's), printing each check and every alarm with its evidence. */
export default async function monitor(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  const key = args.logKey || process.env.KPPE_LOG_VERIFIER_KEY;
  if (!key) throw userError("--log-key: give the log's verifier key (npx hardhat log:key prints it where the log key is)");
  if (!(args.intervalMs >= 100)) throw userError(`--interval-ms: expected at least 100, got ${args.intervalMs}`);
  let chain: AnchorChain | undefined;
  if (args.anchors) {
    const { provider, chainId } = await reachChain(hre, args.rpcUrl);
    chain = await AnchorChain.open({ provider, wallet: readOnlyWallet(), contract: contractAddress(args.contract, chainId), retry: DEFAULT_RETRY, onRetry: () => undefined });
  }
  const monitor = await userFacing(async () => new LogMonitor({ gatewayUrl: args.gateway, logKey: parseVerifierKey(key), chain }));
  let stopping = false;
  const removeStop = onStop(() => (stopping = true));
  try {
    do {
      const event = await monitor.check().catch((error: Error) => ({ type: "error" as const, message: error.message }));
      const time = new Date().toISOString();
      if (event.type === "checked") console.log(`${time} ok: size ${event.size}, root ${event.root}${chain ? ", consistent with the anchored log" : ""}`);
      else if (event.type === "error") console.log(`${time} could not check: ${event.message}`);
      else {
        console.log(`${time} ALARM: ${event.alarm.reason}\nevidence:\n${event.alarm.evidence.map((e) => e.trim()).join("\n---\n")}`);
        process.exitCode = 1;
        if (args.once) break;
      }
      if (!args.once) await sleep(args.intervalMs);
    } while (!args.once && !stopping);
  } finally {
    removeStop();
    chain?.close();
  }
}
