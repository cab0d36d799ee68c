import { getAddress, keccak256, solidityPacked } from "ethers";
import { KppeTree } from "../merkle/kppeTree.ts";
import { BASE_MB, COOLDOWN_SLOTS, D_MIN, EPOCH_SLOTS, FALLBACKS, WINDOW_SLOTS } from "./params.ts";
import { refuseTaskProof, type ProofContext, type TaskProof } from "./taskProof.ts";

/** One operator's standing for an epoch (Lucid's `work_tally`). */
export interface Tally {
  node_id: string;
  /** W = max(S, ceil(B / 5 MB)): sessions relayed, or bandwidth in base units, whichever is more. */
  credits: number;
  /** Share of the window's slots in which it did some proven work. */
  density: number;
  /** credits x density: what ranks operators. */
  live_score: number;
  eligible: boolean;
  /** 1 = first; ties are broken by keccak256(seed, node_id), lowest first. */
  rank: number;
}

export interface SlotLeaders {
  slot: number;
  primary: string;
  /** In order: fallback i may anchor once i leader timeouts of the slot have passed. */
  fallbacks: string[];
  /** Why this primary: its rank, and the cooldown of those ranked above it. */
  reason: string;
}

export interface EpochSchedule {
  epoch: number;
  seed: string;
  /** Task proofs counted, and those refused with why. */
  counted: number;
  refused: Array<{ proof: TaskProof; reason: string }>;
  tally: Tally[];
  slots: SlotLeaders[];
  /** The K-PPE tree root over the slots' leaders (scheduleLeaves): what is committed on chain. */
  root: string;
}

/** An operator's tie-break: keccak256(seed || address), recomputable by anyone. */
export function tieBreak(seed: string, nodeId: string): string {
  return keccak256(solidityPacked(["bytes32", "address"], [seed, getAddress(nodeId)]));
}

/**
 * The ranking of an epoch from the task proofs of the window before it: each proof checked
 * (refuseTaskProof), one per node, slot and type (a replay does not count twice), then credits,
 * density and live score per node; below D_MIN not eligible.
 */
export function tallyEpoch(epoch: number, proofs: TaskProof[], seed: string, context: ProofContext): Pick<EpochSchedule, "counted" | "refused" | "tally"> {
  const start = epoch * EPOCH_SLOTS;
  const refused: EpochSchedule["refused"] = [];
  const seen = new Set<string>();
  const perNode = new Map<string, { sessions: number; bytes: number; slots: Set<number> }>();
  let counted = 0;
  for (const proof of proofs) {
    if (proof.slot < start - WINDOW_SLOTS || proof.slot >= start) {
      refused.push({ proof, reason: `slot ${proof.slot} is outside the window of epoch ${epoch} (slots ${start - WINDOW_SLOTS}..${start - 1})` });
      continue;
    }
    const reason = refuseTaskProof(proof, context);
    if (reason) {
      refused.push({ proof, reason });
      continue;
    }
    const node = getAddress(proof.node_id);
    const key = `${node}/${proof.slot}/${proof.type}`;
    if (seen.has(key)) {
      refused.push({ proof, reason: `a second ${proof.type} proof of ${node} for slot ${proof.slot} (one per node, slot and type)` });
      continue;
    }
    seen.add(key);
    counted++;
    const totals = perNode.get(node) ?? { sessions: 0, bytes: 0, slots: new Set<number>() };
    if (proof.type === "relay_bandwidth") {
      totals.sessions += proof.value.sessions as number;
      totals.bytes += proof.value.bytes as number;
    }
    totals.slots.add(proof.slot);
    perNode.set(node, totals);
  }
  const tally = [...perNode.entries()].map(([node_id, t]) => {
    const credits = Math.max(t.sessions, Math.ceil(t.bytes / (BASE_MB * 1024 * 1024)));
    const density = t.slots.size / WINDOW_SLOTS;
    return { node_id, credits, density, live_score: credits * density, eligible: density >= D_MIN, rank: 0 };
  });
  tally.sort((a, b) => Number(b.eligible) - Number(a.eligible) || b.live_score - a.live_score || (tieBreak(seed, a.node_id) < tieBreak(seed, b.node_id) ? -1 : 1));
  tally.forEach((t, i) => (t.rank = i + 1));
  return { counted, refused, tally };
}

/** Leaves per slot in the committed tree: the primary and FALLBACKS ordered fallbacks. */
export const LEADERS_PER_SLOT = 1 + FALLBACKS;
const NO_LEADER = "0x" + "00".repeat(20);

/** The committed leaf of `leader` at `position` of `slot` (0 the primary, i the i-th fallback): keccak256(abi.encodePacked(uint64, uint8, address)). */
export function turnLeaf(slot: number, position: number, leader: string): string {
  return keccak256(solidityPacked(["uint64", "uint8", "address"], [slot, position, leader]));
}

/** The committed leaves of an epoch: LEADERS_PER_SLOT per slot, slot by slot (the zero address where a slot has fewer). */
export function scheduleLeaves(slots: readonly SlotLeaders[]): string[] {
  return slots.flatMap((s) => Array.from({ length: LEADERS_PER_SLOT }, (_, position) => turnLeaf(s.slot, position, [s.primary, ...s.fallbacks][position] ?? NO_LEADER)));
}

/** The K-PPE tree root over an epoch's committed leaves: what KPPEAnchorScheduled's `commitSchedule` takes. */
export function scheduleRoot(slots: readonly SlotLeaders[]): string {
  return slots.length === 0 ? "0x" + "00".repeat(32) : KppeTree.fromHex(scheduleLeaves(slots), { maxLeaves: slots.length * LEADERS_PER_SLOT }).root;
}

/**
 * The epoch's leader schedule: for each slot, the best-ranked eligible operator that has not led
 * in the last COOLDOWN_SLOTS slots (when all have, the one that led longest ago), then the next
 * FALLBACKS operators by rank. The same proofs, seed and epoch give the same schedule anywhere.
 */
export function leaderSchedule(epoch: number, proofs: TaskProof[], seed: string, context: ProofContext): EpochSchedule {
  if (!/^0x[0-9a-f]{64}$/.test(seed)) throw new Error(`seed: expected 0x and 64 lower-case hex digits (the last anchored log root before the epoch), got ${JSON.stringify(seed)}`);
  const tallied = tallyEpoch(epoch, proofs, seed, context);
  const ranked = tallied.tally.filter((t) => t.eligible).map((t) => t.node_id);
  const lastLed = new Map<string, number>();
  const slots: SlotLeaders[] = [];
  if (ranked.length > 0) {
    for (let slot = epoch * EPOCH_SLOTS; slot < (epoch + 1) * EPOCH_SLOTS; slot++) {
      const cooled = ranked.find((node) => !(slot - (lastLed.get(node) ?? -Infinity) <= COOLDOWN_SLOTS));
      const primary = cooled ?? [...ranked].sort((a, b) => (lastLed.get(a) ?? -Infinity) - (lastLed.get(b) ?? -Infinity))[0];
      const rank = ranked.indexOf(primary) + 1;
      lastLed.set(primary, slot);
      slots.push({
        slot,
        primary,
        fallbacks: ranked.filter((n) => n !== primary).slice(0, FALLBACKS),
        reason: cooled ? `rank ${rank}${rank > 1 ? `; ranks 1-${rank - 1} led within ${COOLDOWN_SLOTS} slots` : ""}` : `every operator led within ${COOLDOWN_SLOTS} slots: the one that led longest ago (rank ${rank})`,
      });
    }
  }
  return { epoch, seed, ...tallied, slots, root: scheduleRoot(slots) };
}

/** A keeper's place in an epoch's schedule, as KPPEAnchorScheduled's `Turn` takes it (its leaf's K-PPE proof). */
export interface Turn {
  slot: number;
  /** 0: the primary; i: the i-th fallback. */
  position: number;
  proof: string[];
}

/** The turn of `leader` in `slot` of `schedule` (the epoch's slots in order, as committed); undefined when it has none. */
export function turnOf(schedule: Pick<EpochSchedule, "slots">, slot: number, leader: string): Turn | undefined {
  const index = schedule.slots.findIndex((s) => s.slot === slot);
  if (index < 0) throw new Error(`slot ${slot} is not in this schedule (slots ${schedule.slots[0]?.slot ?? "none"}..${schedule.slots.at(-1)?.slot ?? ""})`);
  const { primary, fallbacks } = schedule.slots[index];
  const position = [primary, ...fallbacks].findIndex((a) => a.toLowerCase() === leader.toLowerCase());
  if (position < 0) return undefined;
  const tree = KppeTree.fromHex(scheduleLeaves(schedule.slots), { maxLeaves: schedule.slots.length * LEADERS_PER_SLOT });
  return { slot, position, proof: tree.proof(index * LEADERS_PER_SLOT + position) };
}
