import { getAddress, keccak256, solidityPacked } from "ethers";
import { BASE_MB, COOLDOWN_SLOTS, D_MIN, EPOCH_SLOTS, FALLBACKS, MAX_LEADERS, WINDOW_SLOTS } from "./params.ts";
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
  /** The eligible operators by rank, the first MAX_LEADERS: what is committed on chain (they determine every slot's leaders). */
  leaders: string[];
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

/**
 * The epoch's leader schedule: for each slot, the best-ranked eligible operator that has not led
 * in the last COOLDOWN_SLOTS slots (when all have, the one that led longest ago), then the next
 * FALLBACKS operators by rank. The same proofs, seed and epoch give the same schedule anywhere.
 */
export function leaderSchedule(epoch: number, proofs: TaskProof[], seed: string, context: ProofContext): EpochSchedule {
  if (!/^0x[0-9a-f]{64}$/.test(seed)) throw new Error(`seed: expected 0x and 64 lower-case hex digits (the last anchored log root before the epoch), got ${JSON.stringify(seed)}`);
  const tallied = tallyEpoch(epoch, proofs, seed, context);
  const ranked = tallied.tally.filter((t) => t.eligible).map((t) => t.node_id);
  const slots = rotation(ranked, epoch * EPOCH_SLOTS, EPOCH_SLOTS);
  return { epoch, seed, ...tallied, slots, leaders: ranked.slice(0, MAX_LEADERS) };
}

/**
 * Lucid's rotation over `count` slots from `first`, for operators `ranked` best first: each
 * slot's primary is the best-ranked operator that has not led in the last COOLDOWN_SLOTS slots
 * (when all have, the one that led longest ago), its fallbacks the next FALLBACKS by rank.
 */
export function rotation(ranked: readonly string[], first: number, count: number): SlotLeaders[] {
  const lastLed = new Map<string, number>();
  const slots: SlotLeaders[] = [];
  if (ranked.length === 0) return slots;
  for (let slot = first; slot < first + count; slot++) {
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
  return slots;
}

/**
 * The leaders of slot `index` of an epoch (0-based) from the epoch's committed leaders, as
 * KPPEAnchorScheduled derives them: with the cooldown, the primary is leader `index mod n`, and
 * the fallbacks are the first FALLBACKS of the others in rank order. The same as leaderSchedule's
 * slots (a test checks it), so the contract needs only the ranking.
 */
export function slotLeaders(leaders: readonly string[], index: number): { primary: string; fallbacks: string[] } {
  if (leaders.length === 0) throw new Error("no leaders: nobody leads this epoch");
  const primary = leaders[index % leaders.length];
  return { primary, fallbacks: leaders.filter((l) => l !== primary).slice(0, FALLBACKS) };
}

/** A keeper's place in a slot, as KPPEAnchorScheduled's `Turn` takes it. */
export interface Turn {
  slot: number;
  /** 0: the primary; i: the i-th fallback. */
  position: number;
}
