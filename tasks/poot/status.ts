import { readFile } from "node:fs/promises";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { AnchorChain } from "../../src/chain/anchorChain.ts";
import { scheduleRoot, type EpochSchedule } from "../../src/poot/schedule.ts";
import { DEFAULT_RETRY } from "../../src/runtime/retry.ts";
import { userError, userFacing } from "../errors.ts";
import { contractAddress, reachChain, readOnlyWallet } from "../anchor/connect.ts";

interface Args {
  epoch: number;
  slots: number;
  gateway: string;
  schedule: string;
  contract: string;
  rpcUrl: string;
}

type Recorded = Pick<EpochSchedule, "epoch" | "root" | "tally" | "slots"> & { seed?: string };

/**
 * `poot:status`: the epoch, its ranking and schedule (from a gateway's record or a schedule
 * file), whether the chain committed that schedule, and who anchored each recent slot: in turn
 * (its primary, or fallback i after i leader timeouts) or not.
 */
export default function pootStatus(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  return userFacing(async () => {
    if (!(args.slots >= 1 && args.slots <= 1_000)) throw userError(`--slots: expected 1 to 1000, got ${args.slots}`);
    const { provider, chainId, name } = await reachChain(hre, args.rpcUrl);
    const chain = await AnchorChain.open({ provider, wallet: readOnlyWallet(), contract: contractAddress(args.contract, chainId), retry: DEFAULT_RETRY, onRetry: () => undefined });
    try {
      const { genesis, slotSeconds, leaderTimeoutSeconds, epochSlots } = await chain.scheduleParameters();
      const chainNow = (await provider.getBlock("latest"))!.timestamp;
      const currentSlot = Math.floor((chainNow - genesis) / slotSeconds);
      const epoch = args.epoch >= 0 ? args.epoch : Math.max(0, Math.floor(currentSlot / epochSlots));
      const first = epoch * epochSlots;
      console.log(`KPPEAnchorScheduled ${chain.target.contract} on ${name}: slots of ${slotSeconds} s from ${new Date(genesis * 1000).toISOString()}, leader timeout ${leaderTimeoutSeconds} s, epochs of ${epochSlots} slots`);
      console.log(`epoch ${epoch}: slots ${first}..${first + epochSlots - 1}; the chain is in slot ${currentSlot}`);

      const recorded = await readSchedule(args, epoch);
      const committed = (await chain.scheduleRoot(epoch)).toLowerCase();
      const committedText = /^0x0{64}$/.test(committed) ? "none committed on chain" : `committed root ${committed}`;
      if (!recorded) {
        console.log(`${committedText}; no schedule given (--gateway or --schedule) to show the ranking and turns`);
        return;
      }
      const root = scheduleRoot(recorded.slots);
      console.log(`${committedText}; the schedule given has root ${root}: ${committed === root ? "the same" : "NOT the committed one"}`);
      if (recorded.tally.length > 0) {
        console.log("rank  operator                                    credits  density  live score  eligible");
        for (const t of recorded.tally) console.log(`${String(t.rank).padStart(4)}  ${t.node_id}  ${String(t.credits).padStart(7)}  ${t.density.toFixed(3).padStart(7)}  ${t.live_score.toFixed(2).padStart(10)}  ${t.eligible ? "yes" : "no"}`);
      }

      // Who anchored each of the last --slots slots of the epoch up to now.
      const last = Math.min(first + epochSlots - 1, currentSlot);
      const from = Math.max(first, last - args.slots + 1);
      const anchors = await anchorsBetween(chain, genesis + from * slotSeconds, genesis + (last + 1) * slotSeconds);
      for (let slot = from; slot <= last; slot++) {
        const leaders = recorded.slots[slot - first];
        if (!leaders) continue;
        const order = [leaders.primary, ...leaders.fallbacks].map((a) => a.toLowerCase());
        const start = genesis + slot * slotSeconds;
        const here = anchors.filter((a) => a.time >= start && a.time < start + slotSeconds);
        const who = here.map((a) => {
          const position = order.indexOf(a.anchor.toLowerCase());
          const inTurn = position === 0 || (position > 0 && a.time >= start + position * leaderTimeoutSeconds);
          return `batch #${a.batchId} by ${a.anchor} (${position === 0 ? "primary" : position > 0 ? `fallback ${position}` : "no place"}${inTurn ? "" : ", OUT OF TURN"})`;
        });
        console.log(`slot ${slot}: ${leaders.primary} leads, then ${leaders.fallbacks.join(", ") || "nobody"} | ${who.length ? who.join("; ") : "no anchor"}`);
      }
    } finally {
      chain.close();
    }
  });
}

async function readSchedule(args: Args, epoch: number): Promise<Recorded | undefined> {
  if (args.schedule) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(args.schedule, "utf8"));
    } catch (error) {
      throw userError(`--schedule: cannot read ${args.schedule} as JSON (${(error as Error).message})`);
    }
    const found = (Array.isArray(parsed) ? parsed : [parsed]).find((e: { epoch?: unknown }) => e?.epoch === epoch) as Partial<Recorded> | undefined;
    if (!found) return undefined;
    if (!Array.isArray(found.slots)) throw userError(`--schedule: epoch ${epoch} in ${args.schedule} has no slots`);
    return { epoch, root: found.root ?? "", tally: found.tally ?? [], slots: found.slots };
  }
  if (!args.gateway) return undefined;
  const response = await fetch(`${args.gateway.replace(/\/$/, "")}/poot/schedule/${epoch}`, { signal: AbortSignal.timeout(30_000) });
  if (response.status === 404) return undefined;
  if (!response.ok) throw userError(`--gateway: /poot/schedule/${epoch} answered ${response.status}`);
  return (await response.json()) as Recorded;
}

/** KPPEAnchor's LogCheckpointAnchored events in blocks with `from <= time < to` (found by binary search on block times). */
async function anchorsBetween(chain: AnchorChain, from: number, to: number): Promise<Array<{ batchId: number; anchor: string; time: number }>> {
  const latest = await chain.blockNumber();
  const firstBlockAtOrAfter = async (time: number) => {
    let [low, high] = [0, latest + 1];
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if ((await chain.provider.getBlock(middle))!.timestamp < time) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  const [fromBlock, toBlock] = [await firstBlockAtOrAfter(from), (await firstBlockAtOrAfter(to)) - 1];
  if (toBlock < fromBlock) return [];
  const logs = await chain.contract.queryFilter(chain.contract.filters.LogCheckpointAnchored(), fromBlock, toBlock);
  const times = new Map<number, number>();
  const out = [];
  for (const log of logs) {
    if (!times.has(log.blockNumber)) times.set(log.blockNumber, (await chain.provider.getBlock(log.blockNumber))!.timestamp);
    const parsed = chain.contract.interface.parseLog(log)!;
    out.push({ batchId: Number(parsed.args.batchId), anchor: String(parsed.args.anchor), time: times.get(log.blockNumber)! });
  }
  return out;
}
