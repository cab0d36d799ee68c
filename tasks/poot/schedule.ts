import { readFile, rename, writeFile } from "node:fs/promises";
import { isAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { AnchorChain } from "../../src/chain/anchorChain.ts";
import { EPOCH_SLOTS, SLOT_SECONDS, WINDOW_SLOTS } from "../../src/poot/params.ts";
import { leaderSchedule, type EpochSchedule } from "../../src/poot/schedule.ts";
import { challengeSizes, type TaskProof } from "../../src/poot/taskProof.ts";
import { DEFAULT_RETRY } from "../../src/runtime/retry.ts";
import { consoleLog } from "../../src/runtime/taskLog.ts";
import { openStore } from "../../src/store/open.ts";
import { userError, userFacing } from "../errors.ts";
import { anchorWallet, contractAddress, reachChain, readOnlyWallet } from "../anchor/connect.ts";
import type { pootScheduleTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof pootScheduleTask>;

/** Slots asked per GET /poot/proofs (the gateway answers at most 10,000 proofs). */
const PAGE_SLOTS = 240;

/**
 * Recomputes an epoch's ranking and leader schedule from task proofs (a file, or a gateway's
 * /poot/proofs): the same everywhere. With a chain: the deployment, genesis and seed come from
 * KPPEAnchorScheduled, `--check` compares with the committed leaders, `--commit` commits them (owner).
 */
export default function pootSchedule(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  return userFacing(async () => {
    if (!args.proofs === !args.gateway) throw userError("give the window's task proofs: --proofs <file> (a JSON array) or --gateway <url> (its /poot/proofs)");
    if (!(args.epoch >= 0)) throw userError(`--epoch: expected a whole number >= 0, got ${args.epoch}`);
    const onChain = args.check || args.commit || (!args.seed && !!(args.contract || args.rpcUrl || process.env.KPPE_CONTRACT_ADDRESS));
    const chain = onChain ? await openChain(args, hre) : undefined;
    try {
      const deployment = chain ? chain.target.contract : args.deployment;
      if (!isAddress(deployment)) throw userError(`--deployment: the KPPEAnchor address the proofs were signed for, got ${JSON.stringify(args.deployment)} (or give --contract and --rpc-url to read it from the chain)`);
      const genesis = chain ? (await chain.scheduleParameters()).genesis : args.genesis;
      if (!(genesis > 0)) throw userError("--genesis: the Unix time at which slot 0 starts (fixed per deployment; read from the chain with --contract)");
      const seed = args.seed || (chain ? await seedOf(chain, genesis + args.epoch * EPOCH_SLOTS * SLOT_SECONDS) : "");
      const proofs = args.proofs ? await proofsFromFile(args.proofs) : await proofsFromGateway(args.gateway, args.epoch);
      const roots = args.gateway ? await challengeRoots(args.gateway, proofs) : new Map<number, string>();
      const schedule = leaderSchedule(args.epoch, proofs, seed, { deployment, genesis, logRoot: (size) => roots.get(size) });
      if (args.json) console.log(JSON.stringify(schedule, null, 2));
      else print(schedule, genesis, args.slots);
      if (args.out) {
        const { epoch, leaders, tally, slots } = schedule;
        await writeFile(`${args.out}.tmp`, JSON.stringify({ epoch, seed, leaders, tally, slots }, null, 2) + "\n");
        await rename(`${args.out}.tmp`, args.out);
        console.log(`schedule written to ${args.out}`);
      }
      if (args.save) {
        const store = await openStore(args.store);
        try {
          await store.poot.saveSchedule(schedule);
          console.log(`recorded in ${store.location} (work_tally, leader_schedule; GET /poot/schedule/${args.epoch})`);
        } finally {
          await store.close();
        }
      }
      if (chain && (args.check || args.commit)) await checkOrCommit(chain, schedule, args.commit);
    } finally {
      chain?.close();
    }
  });
}

async function openChain(args: Args, hre: HardhatRuntimeEnvironment): Promise<AnchorChain> {
  const { provider, chainId, local } = await reachChain(hre, args.rpcUrl);
  const wallet = args.commit ? await anchorWallet(hre, local, consoleLog) : readOnlyWallet();
  return AnchorChain.open({ provider, wallet, contract: contractAddress(args.contract, chainId), retry: DEFAULT_RETRY, onRetry: () => undefined });
}

/**
 * The seed of the epoch starting at `start`: the log root of the last batch anchored before it.
 * Nobody controls it once the epoch starts, and anyone reads it from the chain.
 */
async function seedOf(chain: AnchorChain, start: number): Promise<string> {
  let [low, high] = [0, await chain.latestBatchId()];
  // Batches are anchored in id order, so anchoredAt grows with the id: the last one before `start`.
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if ((await chain.getBatch(middle)).anchoredAt < start) low = middle;
    else high = middle - 1;
  }
  if (low === 0) throw userError(`no batch was anchored before the epoch starts (${new Date(start * 1000).toISOString()}): there is no seed yet; give --seed only for a dry run`);
  const { logRoot, logSize } = await chain.getCheckpoint(low);
  if (logSize === 0) throw userError(`batch #${low}, the last anchored before the epoch, has no log checkpoint: no seed`);
  return logRoot.toLowerCase();
}

async function proofsFromFile(file: string): Promise<TaskProof[]> {
  let proofs: unknown;
  try {
    proofs = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw userError(`--proofs: cannot read ${file} as JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(proofs)) throw userError(`--proofs: ${file} must hold an array of task proofs`);
  return proofs as TaskProof[];
}

/** The window's proofs from a gateway's GET /poot/proofs, a page of slots at a time. */
async function proofsFromGateway(gateway: string, epoch: number): Promise<TaskProof[]> {
  const base = gateway.replace(/\/$/, "");
  const end = epoch * EPOCH_SLOTS;
  const proofs: TaskProof[] = [];
  for (let from = Math.max(0, end - WINDOW_SLOTS); from < end; from += PAGE_SLOTS) {
    const to = Math.min(end, from + PAGE_SLOTS);
    const response = await fetch(`${base}/poot/proofs?from_slot=${from}&to_slot=${to}`, { signal: AbortSignal.timeout(30_000) });
    const body = (await response.json()) as { proofs?: TaskProof[]; truncated?: boolean; message?: string };
    if (!response.ok || !Array.isArray(body.proofs)) throw userError(`--gateway: ${base}/poot/proofs answered ${response.status}: ${body.message ?? "no proofs"}`);
    if (body.truncated) throw userError(`--gateway: slots ${from}..${to - 1} hold more proofs than one answer; ask the operator for a file (--proofs)`);
    proofs.push(...body.proofs);
  }
  return proofs;
}

/**
 * The log roots the storage challenges were answered against, from the gateway's log (one
 * `/proof/inclusion` per size). Without a gateway those proofs cannot be checked and do not count.
 */
async function challengeRoots(gateway: string, proofs: TaskProof[]): Promise<Map<number, string>> {
  const base = gateway.replace(/\/$/, "");
  const roots = new Map<number, string>();
  for (const size of challengeSizes(proofs)) {
    const response = await fetch(`${base}/proof/inclusion?index=0&size=${size}`, { signal: AbortSignal.timeout(30_000) });
    if (response.ok) roots.set(size, ((await response.json()) as { root: string }).root);
  }
  return roots;
}

function print(schedule: EpochSchedule, genesis: number, slots: number): void {
  const start = genesis + schedule.epoch * EPOCH_SLOTS * SLOT_SECONDS;
  console.log(`epoch ${schedule.epoch}: slots ${schedule.epoch * EPOCH_SLOTS}..${(schedule.epoch + 1) * EPOCH_SLOTS - 1}, from ${new Date(start * 1000).toISOString()}; seed ${schedule.seed}`);
  console.log(`${schedule.counted} task proofs counted, ${schedule.refused.length} refused${schedule.refused.length ? ` (first: ${schedule.refused[0].reason})` : ""}`);
  console.log("rank  operator                                    credits  density  live score  eligible");
  for (const t of schedule.tally) console.log(`${String(t.rank).padStart(4)}  ${t.node_id}  ${String(t.credits).padStart(7)}  ${t.density.toFixed(3).padStart(7)}  ${t.live_score.toFixed(2).padStart(10)}  ${t.eligible ? "yes" : "no (under D_MIN)"}`);
  for (const slot of schedule.slots.slice(0, slots)) console.log(`slot ${slot.slot}: ${slot.primary}, then ${slot.fallbacks.join(", ") || "nobody"} (${slot.reason})`);
  if (schedule.slots.length === 0) console.log("no eligible operator: no schedule for this epoch");
  console.log(`leaders (committed on chain): ${schedule.leaders.join(", ") || "none"}`);
}

/** Compares the recomputed leaders with those committed on chain (exit code 1 when they differ), or commits them. */
async function checkOrCommit(chain: AnchorChain, schedule: EpochSchedule, commit: boolean): Promise<void> {
  const committed = (await chain.epochLeaders(schedule.epoch)).map((a) => a.toLowerCase());
  const mine = schedule.leaders.map((a) => a.toLowerCase());
  if (committed.length === 0) {
    if (!commit) {
      console.log(`epoch ${schedule.epoch}: no leaders committed on chain yet`);
      process.exitCode = 1;
      return;
    }
    if (mine.length === 0) throw userError("no eligible operator: there are no leaders to commit");
    const mined = await chain.write("commitLeaders", [schedule.epoch, schedule.leaders], { confirmations: 1 });
    console.log(`commitLeaders(${schedule.epoch}, [${schedule.leaders.join(", ")}]) mined in block ${mined.blockNumber} (${mined.hash})`);
    return;
  }
  if (committed.join() === mine.join()) console.log(`the leaders committed for epoch ${schedule.epoch} are the recomputed ones`);
  else {
    console.log(`MISMATCH: the chain committed [${committed.join(", ")}] for epoch ${schedule.epoch}, but these task proofs and seed give [${mine.join(", ")}]: the committed schedule is not the one the rules give`);
    process.exitCode = 1;
  }
}
