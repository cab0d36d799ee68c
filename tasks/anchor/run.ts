import { cycleAfterStandby } from "../../src/runtime/leaseWait.ts";
import { ScheduleTurns } from "../../src/poot/turns.ts";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { serveHealth } from "../../src/gateway/keeperHealth.ts";
import { Keeper } from "../../src/keeper/keeper.ts";
import { receiptFileWriter } from "../../src/keeper/receiptFiles.ts";
import { consoleLog } from "../../src/runtime/taskLog.ts";
import { resolveSettings } from "../../src/keeper/settings.ts";
import { openStore } from "../../src/store/open.ts";
import { userError, userFacing } from "../errors.ts";
import { onStop } from "../stop.ts";
import { startWhenStoreReachable } from "../storeWait.ts";
import { openChain } from "./connect.ts";
import type { anchorTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof anchorTask>;

/** How long `--once` may take by default before it gives up, saying what it was waiting for. */
const ONCE_TIMEOUT_MS = 600_000;

/** 0 means "not given": the environment variable or the default applies. */
const given = (value: number) => (value === 0 ? undefined : value);

export default function anchor(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  return userFacing(() => run(args, hre));
}

async function run(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  const settings = resolveSettings({
    intervalMs: given(args.intervalMs),
    maxEventsPerBatch: given(args.maxEventsPerBatch),
    confirmations: given(args.confirmations),
    maxFeeGwei: given(args.maxFeeGwei),
    stuckAfterMs: given(args.stuckTxMs),
    leaseTtlMs: given(args.leaseTtlMs),
  });
  const log = consoleLog;
  // A keeper that runs until stopped waits for its store; --once (a bounded run) fails at once.
  const store = args.once ? await openStore(args.store) : await startWhenStoreReachable(() => openStore(args.store), (m) => log("warn", m));
  try {
    const { chain, networkName } = await openChain(hre, args, settings.retry, log);
    if (!(await chain.isAuthorized())) {
      throw userError(`${chain.wallet.address} is not an authorized anchor of ${chain.target.contract}: the owner must call setAuthorized(${chain.wallet.address}, true)`);
    }
    const witnesses = (args.witnesses || process.env.KPPE_KEEPER_WITNESSES || "").split(",").map((u) => u.trim()).filter(Boolean);
    const bad = witnesses.find((u) => !/^https?:\/\/\S+$/.test(u));
    if (bad !== undefined) throw userError(`--witnesses: ${JSON.stringify(bad)} is not an http(s) URL`);
    const onConfirming = args.receiptsDir ? receiptFileWriter(args.receiptsDir, log) : undefined;
    const turns = args.turns ? new ScheduleTurns(await chain.scheduleParameters(), chain.wallet.address, chain) : undefined;
    const keeper = new Keeper({ store, chain, settings, log, networkName, witnesses, onConfirming, turns });
    keeper.logStart();
    if (args.once) {
      // Bounded: a cycle waits for the chain (confirmations, a lease, fees); past the timeout it
      // stops and says what it was at. Everything done so far is recorded: the next run continues.
      const timeoutMs = args.timeoutMs || Number(process.env.ANCHOR_ONCE_TIMEOUT_MS ?? ONCE_TIMEOUT_MS);
      if (!(timeoutMs >= 1_000)) throw userError(`--timeout-ms: expected at least 1000, got ${timeoutMs}`);
      const timer = setTimeout(() => {
        log("error", `ERROR: --once gave up after ${Math.round(timeoutMs / 1000)} s: ${keeper.status().message ?? "the cycle was still waiting for the chain"}. Everything done so far is recorded; the next run continues from there`);
        void keeper.releaseLease().finally(() => process.exit(1));
      }, timeoutMs);
      try {
        await runOnce(keeper, settings.leaseTtlMs);
      } finally {
        clearTimeout(timer);
      }
      return;
    }
    const health = args.healthPort > 0 ? await serveHealth(keeper, { host: args.healthHost, port: args.healthPort }) : undefined;
    if (health) log("info", `Health on ${health.url}/health and ${health.url}/kpe/health`);
    const stop = (signal: string) => {
      log("info", `${signal}: finishing the current step, then stopping`);
      keeper.stop();
    };
    const removeStop = onStop(stop);
    await keeper.run();
    removeStop();
    await health?.close();
  } finally {
    await store.close();
  }
}

/** One cycle, after waiting (once) for a crashed keeper's lease to expire. */
async function runOnce(keeper: Keeper, leaseTtlMs: number): Promise<void> {
  const summary = await cycleAfterStandby(() => keeper.cycle(), leaseTtlMs);
  await keeper.releaseLease();
  if (summary.outcome === "failed") throw userError(`the cycle ended with a failed batch: ${keeper.status().message}`);
  if (summary.outcome === "paused") throw userError(`anchoring is paused: ${keeper.status().message}`);
  if (summary.outcome === "standby") throw userError(`another keeper holds the lease: ${keeper.status().message}`);
}
