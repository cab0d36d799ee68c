import type { ScheduleParameters } from "../chain/anchorChain.ts";
import { slotLeaders, type Turn } from "./schedule.ts";

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

/** What a turn source reads of the chain: the leaders committed for an epoch. */
export interface LeaderReader {
  epochLeaders(epoch: number): Promise<string[]>;
}

/**
 * This keeper's turns by the leaders committed on KPPEAnchorScheduled for each epoch: the
 * primary of a slot may anchor at once, fallback i once i leader timeouts have passed, nobody
 * else. No anchor is sent in the last `marginMs` of a slot, where it would be mined in the next
 * and refused.
 */
export class ScheduleTurns implements TurnSource {
  readonly leaderTimeoutMs: number;
  private readonly parameters: ScheduleParameters;
  private readonly address: string;
  private readonly chain: LeaderReader;
  private readonly marginMs: number;
  private readonly clock: () => number;
  /** Committed leaders by epoch (once committed they never change). */
  private readonly leaders = new Map<number, string[]>();

  constructor(parameters: ScheduleParameters, address: string, chain: LeaderReader, options: { marginMs?: number; clock?: () => number } = {}) {
    this.parameters = parameters;
    this.address = address.toLowerCase();
    this.chain = chain;
    this.marginMs = options.marginMs ?? Math.min(2_000, (parameters.slotSeconds * 1000) / 10);
    this.clock = options.clock ?? Date.now;
    this.leaderTimeoutMs = parameters.leaderTimeoutSeconds * 1000;
  }

  async now(): Promise<TurnNow> {
    const { genesis, slotSeconds, epochSlots } = this.parameters;
    const nowMs = this.clock();
    const slot = Math.floor((nowMs / 1000 - genesis) / slotSeconds);
    if (slot < 0) return { slot, why: `the schedule starts at ${new Date(genesis * 1000).toISOString()}` };
    const epoch = Math.floor(slot / epochSlots);
    let leaders = this.leaders.get(epoch);
    if (!leaders) {
      leaders = (await this.chain.epochLeaders(epoch)).map((a) => a.toLowerCase());
      if (leaders.length === 0) return { slot, why: `no leaders are committed for epoch ${epoch} yet (npx hardhat poot:schedule --commit)` };
      this.leaders.set(epoch, leaders);
    }
    const { primary, fallbacks } = slotLeaders(leaders, slot - epoch * epochSlots);
    const position = [primary, ...fallbacks].indexOf(this.address);
    if (position < 0) return { slot, why: `slot ${slot}: ${primary} leads; this keeper has no place in it` };
    const slotStartMs = (genesis + slot * slotSeconds) * 1000;
    const readyMs = slotStartMs + position * this.leaderTimeoutMs;
    if (nowMs < readyMs) return { slot, why: `slot ${slot}: fallback ${position}, may anchor from ${new Date(readyMs).toISOString()} if ${primary} is silent` };
    if (nowMs >= slotStartMs + slotSeconds * 1000 - this.marginMs) return { slot, why: `slot ${slot} is ending` };
    return { slot, turn: { slot, position }, why: position === 0 ? `slot ${slot}: primary` : `slot ${slot}: fallback ${position}` };
  }
}
