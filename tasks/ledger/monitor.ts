import { setTimeout as sleep } from "node:timers/promises";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { AnchorChain } from "../../src/chain/anchorChain.ts";
import { DEFAULT_RETRY } from "../../src/runtime/retry.ts";
import { consoleLog } from "../../src/runtime/taskLog.ts";
import { parseVerifierKey } from "../../src/log/note.ts";
import { LogMonitor, type MonitorAlarm } from "../../src/replication/monitor.ts";
import { userError, userFacing } from "../errors.ts";
import { onStop } from "../stop.ts";
import { anchorWallet, contractAddress, reachChain, readOnlyWallet } from "../anchor/connect.ts";
import type { ledgerMonitorTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof ledgerMonitorTask>;

/** Follows a gateway's checkpoints (and its witnesses', and with --anchors KPPEAnchor's), printing each check and every alarm with its evidence; --report sends a proven one on chain. */
export default async function monitor(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  const key = args.logKey || process.env.KPPE_LOG_VERIFIER_KEY;
  if (!key) throw userError("--log-key: give the log's verifier key (npx hardhat log:key prints it where the log key is)");
  if (!(args.intervalMs >= 100)) throw userError(`--interval-ms: expected at least 100, got ${args.intervalMs}`);
  if (args.report && !args.anchors) throw userError("--report sends the evidence to KPPEAnchor: add --anchors (and --network or --rpc-url)");
  const witnesses = args.witnesses.split(",").map((url) => url.trim()).filter(Boolean);
  for (const url of witnesses) if (!/^https?:\/\/[^\s/]+/.test(url)) throw userError(`--witnesses: ${JSON.stringify(url)} is not an http(s) URL`);
  let chain: AnchorChain | undefined;
  let logSigner: string | undefined;
  if (args.anchors) {
    const { provider, chainId, local } = await reachChain(hre, args.rpcUrl);
    const wallet = args.report ? await anchorWallet(hre, local, consoleLog) : readOnlyWallet();
    chain = await AnchorChain.open({ provider, wallet, contract: contractAddress(args.contract, chainId), retry: DEFAULT_RETRY, onRetry: () => undefined });
    const { signer } = await chain.logSigner();
    if (!/^0x0{40}$/.test(signer)) logSigner = signer;
    else console.log("KPPEAnchor has no log signer (npx hardhat anchor:log-signer): a split view is an alarm here, but no report can be sent");
  }
  const monitor = await userFacing(async () => new LogMonitor({ gatewayUrl: args.gateway, logKey: parseVerifierKey(key), chain, witnesses, logSigner }));
  let stopping = false;
  const removeStop = onStop(() => (stopping = true));
  try {
    do {
      const event = await monitor.check().catch((error: Error) => ({ type: "error" as const, message: error.message }));
      const time = new Date().toISOString();
      if (event.type === "checked") {
        const also = [witnesses.length > 0 ? `${witnesses.length - event.warnings.length} witness(es)` : "", chain ? "the anchored log" : ""].filter(Boolean).join(" and ");
        console.log(`${time} ok: size ${event.size}, root ${event.root}${also ? `, consistent with ${also}` : ""}`);
        for (const warning of event.warnings) console.log(`${time} could not read ${warning}`);
      } else if (event.type === "error") console.log(`${time} could not check: ${event.message}`);
      else {
        console.log(`${time} ALARM: ${event.alarm.reason}\nevidence:\n${event.alarm.evidence.map((e) => e.trim()).join("\n---\n")}`);
        process.exitCode = 1;
        await report(event.alarm, chain, args.report);
        if (args.once) break;
      }
      if (!args.once) await sleep(args.intervalMs);
    } while (!args.once && !stopping);
  } finally {
    removeStop();
    chain?.close();
  }
}

/** Says whether the alarm is proven on chain, and with --report sends it (once: the contract then refuses a second). */
async function report(alarm: MonitorAlarm, chain: AnchorChain | undefined, send: boolean): Promise<void> {
  if (!alarm.report) {
    console.log("not provable on chain: no server showed a consistency proof that binds the contradiction, or a note lacks the log signer's signature (or --anchors was not given)");
    return;
  }
  const what = "batchId" in alarm.report ? `reportAnchoredEquivocation against batch #${alarm.report.batchId}` : "reportEquivocation";
  if (!send || !chain) {
    console.log(`proven: KPPEAnchor's ${what} would freeze anchoring; run with --report to send it`);
    return;
  }
  if ((await chain.logSigner()).frozen) {
    console.log("KPPEAnchor is already frozen by an equivocation report: nothing to send");
    return;
  }
  try {
    const mined = await chain.reportEquivocation(alarm.report);
    console.log(`${what} mined in block ${mined.blockNumber} (${mined.hash}): anchoring on KPPEAnchor ${chain.target.contract} is frozen`);
  } catch (error) {
    console.log(`${what} not sent: ${(error as Error).message}`);
  }
}
