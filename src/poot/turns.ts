import { KppeTree } from "../merkle/kppeTree.ts";
import type { ScheduleParameters } from "../chain/anchorChain.ts";
import { KppeError } from "../errors.ts";
import { LEADERS_PER_SLOT, scheduleLeaves, scheduleRoot, type SlotLeaders, type Turn } from "./schedule.ts";

/** A keeper's turn now: `turn` when it may anchor, else why not (and `slot`, to say it once per slot). */
export interface TurnNow {
  slot: number;
  turn?: Turn;
  why: string;
}

/** What the keeper asks before anchoring on a KPPEAnchorScheduled. */
export interface TurnSource {
  now(): Promise<TurnNow>;
  /** How long a silent leader has before the next may take over: the keeper's lease lasts that long. */
  readonly leaderTimeoutMs: number;
}

/** What a turn source reads of the chain: the committed root of an epoch. */
export interface ScheduleReader {
  scheduleRoot(epoch: number): Promise<string>;
}

const ZERO = "0x" + "00".repeat(32);

/**
 * This keeper's turns by the epochs' leader schedules (as `poot:schedule --json` prints them),
 * each checked against the root committed on chain before it is used: the primary of a slot may
 * anchor at once, fallback i once i leader timeouts have passed, nobody else. No anchor is sent
 * in the last `marginMs` of a slot, where it would be mined in the next and refused.
 */
export class ScheduleTurns implements TurnSource {
  readonly leaderTimeoutMs: number;
  private readonly epochs = new Map<number, { slots: SlotLeaders[]; tree: KppeTree; checked: boolean }>();
  private readonly parameters: ScheduleParameters;
  private readonly address: string;
  private readonly chain: ScheduleReader;
  private readonly marginMs: number;
  private readonly clock: () => number;

  constructor(
    parameters: ScheduleParameters,
    schedules: Array<{ epoch: number; slots: SlotLeaders[] }>,
    address: string,
    chain: ScheduleReader,
    marginMs = Math.min(2_000, (parameters.slotSeconds * 1000) / 10),
    clock: () => number = Date.now,
  ) {
    [this.parameters, this.address, this.chain, this.marginMs, this.clock] = [parameters, address, chain, marginMs, clock];
    this.leaderTimeoutMs = parameters.leaderTimeoutSeconds * 1000;
    for (const { epoch, slots } of schedules) {
      const first = epoch * parameters.epochSlots;
      if (slots.length !== parameters.epochSlots || slots.some((s, i) => s.slot !== first + i)) {
        throw new KppeError("BAD_SCHEDULE", `the schedule of epoch ${epoch} must list its ${parameters.epochSlots} slots ${first}..${first + parameters.epochSlots - 1} in order (the contract's epoch length)`);
      }
      this.epochs.set(epoch, { slots, tree: KppeTree.fromHex(scheduleLeaves(slots), { maxLeaves: slots.length * LEADERS_PER_SLOT }), checked: false });
    }
  }

  async now(): Promise<TurnNow> {
    const { genesis, slotSeconds, epochSlots } = this.parameters;
    const nowMs = this.clock();
    const slot = Math.floor((nowMs / 1000 - genesis) / slotSeconds);
    if (slot < 0) return { slot, why: `the schedule starts at ${new Date(genesis * 1000).toISOString()}` };
    const epoch = Math.floor(slot / epochSlots);
    const known = this.epochs.get(epoch);
    if (!known) return { slot, why: `no schedule of epoch ${epoch} was given (--schedule)` };
    if (!known.checked) {
      const committed = (await this.chain.scheduleRoot(epoch)).toLowerCase();
      if (committed === ZERO) return { slot, why: `the schedule of epoch ${epoch} is not committed on chain yet` };
      const mine = scheduleRoot(known.slots);
      if (committed !== mine) throw new KppeError("SCHEDULE_MISMATCH", `the schedule given for epoch ${epoch} has root ${mine}, but the contract committed ${committed}: use the published schedule`);
      known.checked = true;
    }
    const index = slot - epoch * epochSlots;
    const leaders = [known.slots[index].primary, ...known.slots[index].fallbacks];
    const position = leaders.findIndex((a) => a.toLowerCase() === this.address.toLowerCase());
    if (position < 0) return { slot, why: `slot ${slot}: ${leaders[0]} leads; this keeper has no place in it` };
    const slotStartMs = (genesis + slot * slotSeconds) * 1000;
    const readyMs = slotStartMs + position * this.leaderTimeoutMs;
    if (nowMs < readyMs) return { slot, why: `slot ${slot}: fallback ${position}, may anchor from ${new Date(readyMs).toISOString()} if ${leaders[0]} is silent` };
    if (nowMs >= slotStartMs + slotSeconds * 1000 - this.marginMs) return { slot, why: `slot ${slot} is ending` };
    const proof = known.tree.proof(index * LEADERS_PER_SLOT + position);
    return { slot, turn: { slot, position, proof }, why: position === 0 ? `slot ${slot}: primary` : `slot ${slot}: fallback ${position}` };
  }
}
