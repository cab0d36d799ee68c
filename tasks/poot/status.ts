import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { AnchorChain } from "../../src/chain/anchorChain.ts";
import { slotLeaders, type Tally } from "../../src/poot/schedule.ts";
import { DEFAULT_RETRY } from "../../src/runtime/retry.ts";
import { userError, userFacing } from "../errors.ts";
import { contractAddress, reachChain, readOnlyWallet } from "../anchor/connect.ts";
import type { pootStatusTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof pootStatusTask>;

/**
 * `poot:status`: the epoch, its committed leaders (with their credits, from a gateway's recorded
 * tally), each recent slot's leaders as the contract derives them, and who anchored it: in turn
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

      const leaders = await chain.epochLeaders(epoch);
      if (leaders.length === 0) {
        console.log(`no leaders committed for epoch ${epoch} (npx hardhat poot:schedule --commit)`);
        return;
      }
      const tally = await recordedTally(args.gateway, epoch);
      console.log("leader  operator                                    credits  live score");
      leaders.forEach((leader, i) => {
        const t = tally?.find((x) => x.node_id.toLowerCase() === leader.toLowerCase());
        console.log(`${String(i + 1).padStart(6)}  ${leader}  ${t ? String(t.credits).padStart(7) : "      ?"}  ${t ? t.live_score.toFixed(2).padStart(10) : "         ?"}`);
      });
      if (tally) {
        const mine = tally.filter((t) => t.eligible).slice(0, leaders.length).map((t) => t.node_id.toLowerCase());
        if (mine.join() !== leaders.map((l) => l.toLowerCase()).join()) console.log("WARNING: the gateway's recorded tally ranks other leaders than the committed ones (npx hardhat poot:schedule --check)");
      }

      // Who anchored each of the last --slots slots of the epoch up to now.
      const last = Math.min(first + epochSlots - 1, currentSlot);
      const from = Math.max(first, last - args.slots + 1);
      const anchors = await anchorsBetween(chain, genesis + from * slotSeconds, genesis + (last + 1) * slotSeconds);
      for (let slot = from; slot <= last; slot++) {
        const { primary, fallbacks } = slotLeaders(leaders, slot - first);
        const order = [primary, ...fallbacks].map((a) => a.toLowerCase());
        const start = genesis + slot * slotSeconds;
        const here = anchors.filter((a) => a.time >= start && a.time < start + slotSeconds);
        const who = here.map((a) => {
          const position = order.indexOf(a.anchor.toLowerCase());
          const inTurn = position === 0 || (position > 0 && a.time >= start + position * leaderTimeoutSeconds);
          return `batch #${a.batchId} by ${a.anchor} (${position === 0 ? "primary" : position > 0 ? `fallback ${position}` : "no place"}${inTurn ? "" : ", OUT OF TURN"})`;
        });
        console.log(`slot ${slot}: ${primary} leads, then ${fallbacks.join(", ") || "nobody"} | ${who.length ? who.join("; ") : "no anchor"}`);
      }
    } finally {
      chain.close();
    }
  });
}

/** The epoch's recorded tally from a gateway (GET /poot/schedule/<epoch>), if one is given and has it. */
async function recordedTally(gateway: string, epoch: number): Promise<Tally[] | undefined> {
  if (!gateway) return undefined;
  const response = await fetch(`${gateway.replace(/\/$/, "")}/poot/schedule/${epoch}`, { signal: AbortSignal.timeout(30_000) });
  if (response.status === 404) return undefined;
  if (!response.ok) throw userError(`--gateway: /poot/schedule/${epoch} answered ${response.status}`);
  return ((await response.json()) as { tally: Tally[] }).tally;
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
