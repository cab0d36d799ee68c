import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { getAddress } from "ethers";
import { KppeError } from "../errors.ts";
import { EPOCH_SLOTS, SLOT_SECONDS } from "./params.ts";
import type { Tally } from "./schedule.ts";

/** One operator's part of a month: its credits and the amount, in the token's smallest unit. */
export interface PayoutShare {
  operator: string;
  credits: number;
  amount: bigint;
}

/** A month's distribution as PayoutRouterV0 takes it, with each operator's claim proof. */
export interface MonthlyDistribution {
  /** yyyymm */
  month: number;
  total: string;
  root: string;
  /** The epochs whose work_tally the credits were summed over. */
  epochs: [number, number];
  shares: Array<{ operator: string; credits: number; amount: string; proof: string[] }>;
}

/** `"2026-11"` as the router's month number 202611. */
export function monthNumber(month: string): number {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!match) throw new KppeError("BAD_MONTH", `month ${JSON.stringify(month)}: expected YYYY-MM, e.g. 2026-11`);
  return Number(match[1]) * 100 + Number(match[2]);
}

/** The epochs that start within `month` (UTC) on a deployment whose slot 0 starts at `genesis`: first and last, inclusive. */
export function epochsOfMonth(month: number, genesis: number): [number, number] {
  const [year, m] = [Math.floor(month / 100), month % 100];
  const start = Date.UTC(year, m - 1, 1) / 1000;
  const end = Date.UTC(year, m, 1) / 1000;
  const epochSeconds = EPOCH_SLOTS * SLOT_SECONDS;
  const first = Math.max(0, Math.ceil((start - genesis) / epochSeconds));
  const last = Math.ceil((end - genesis) / epochSeconds) - 1;
  if (last < first) throw new KppeError("NO_EPOCHS", `no epoch of this deployment starts in ${year}-${String(m).padStart(2, "0")}`);
  return [first, last];
}

/**
 * Splits `total` among operators in proportion to their credits, to the smallest unit: each gets
 * floor(total x credits / sum), and what that leaves (fewer units than operators) goes one unit
 * each to the largest remainders, ties by address. The amounts always add up to `total`.
 */
export function monthlyShares(credits: ReadonlyMap<string, number>, total: bigint): PayoutShare[] {
  const working = [...credits].filter(([, c]) => c > 0).map(([operator, c]) => ({ operator: getAddress(operator), credits: c }));
  if (working.length === 0) throw new KppeError("NO_CREDITS", "no operator has credits this month: nothing to distribute");
  if (total <= 0n) throw new KppeError("BAD_AMOUNT", "the month's amount must be positive");
  const sum = BigInt(working.reduce((s, w) => s + w.credits, 0));
  const shares = working.map((w) => {
    const exact = total * BigInt(w.credits);
    return { operator: w.operator, credits: w.credits, amount: exact / sum, remainder: exact % sum };
  });
  let left = total - shares.reduce((s, x) => s + x.amount, 0n);
  const byRemainder = [...shares].sort((a, b) => (b.remainder > a.remainder ? 1 : b.remainder < a.remainder ? -1 : a.operator.toLowerCase() < b.operator.toLowerCase() ? -1 : 1));
  for (const share of byRemainder) {
    if (left === 0n) break;
    share.amount += 1n;
    left -= 1n;
  }
  return shares.map(({ operator, credits: c, amount }) => ({ operator, credits: c, amount })).sort((a, b) => (a.operator.toLowerCase() < b.operator.toLowerCase() ? -1 : 1));
}

/** Each operator's credits summed over the epochs' tallies (Lucid's work_tally). */
export function creditsOf(tallies: readonly Tally[][]): Map<string, number> {
  const credits = new Map<string, number>();
  for (const tally of tallies) for (const t of tally) credits.set(getAddress(t.node_id), (credits.get(getAddress(t.node_id)) ?? 0) + t.credits);
  return credits;
}

/** The month's distribution: the OpenZeppelin standard Merkle tree over (month, operator, amount), as PayoutRouterV0 checks claims. */
export function distribution(month: number, epochs: [number, number], shares: PayoutShare[]): MonthlyDistribution {
  const tree = StandardMerkleTree.of(
    shares.map((s) => [month, s.operator, s.amount]),
    ["uint256", "address", "uint256"],
  );
  const total = shares.reduce((s, x) => s + x.amount, 0n);
  return {
    month,
    total: total.toString(),
    root: tree.root,
    epochs,
    shares: shares.map((s, i) => ({ operator: s.operator, credits: s.credits, amount: s.amount.toString(), proof: tree.getProof(i) })),
  };
}
