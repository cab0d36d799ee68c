import { readFile } from "node:fs/promises";
import { isAddress } from "ethers";
import { EPOCH_SLOTS, SLOT_SECONDS } from "../../src/poot/params.ts";
import { leaderSchedule } from "../../src/poot/schedule.ts";
import type { TaskProof } from "../../src/poot/taskProof.ts";
import { userError, userFacing } from "../errors.ts";

interface Args {
  proofs: string;
  epoch: number;
  seed: string;
  genesis: number;
  deployment: string;
  slots: number;
  json: boolean;
}

/** Recomputes an epoch's ranking and leader schedule from task proofs: the same everywhere. */
export default function pootSchedule(args: Args): Promise<void> {
  return userFacing(async () => {
    if (!args.proofs) throw userError("--proofs: give the JSON file of the window's task proofs (an array)");
    if (!(args.epoch >= 0)) throw userError(`--epoch: expected a whole number >= 0, got ${args.epoch}`);
    if (!isAddress(args.deployment)) throw userError(`--deployment: the KPPEAnchor address the proofs were signed for, got ${JSON.stringify(args.deployment)}`);
    if (!(args.genesis > 0)) throw userError("--genesis: the Unix time at which slot 0 starts (fixed per deployment)");
    let proofs: TaskProof[];
    try {
      proofs = JSON.parse(await readFile(args.proofs, "utf8")) as TaskProof[];
    } catch (error) {
      throw userError(`--proofs: cannot read ${args.proofs} as JSON (${(error as Error).message})`);
    }
    if (!Array.isArray(proofs)) throw userError(`--proofs: ${args.proofs} must hold an array of task proofs`);
    const schedule = leaderSchedule(args.epoch, proofs, args.seed, { deployment: args.deployment, genesis: args.genesis, logRoot: () => undefined });
    if (args.json) {
      console.log(JSON.stringify(schedule, null, 2));
      return;
    }
    const start = args.genesis + args.epoch * EPOCH_SLOTS * SLOT_SECONDS;
    console.log(`epoch ${args.epoch}: slots ${args.epoch * EPOCH_SLOTS}..${(args.epoch + 1) * EPOCH_SLOTS - 1}, from ${new Date(start * 1000).toISOString()}; seed ${args.seed}`);
    console.log(`${schedule.counted} task proofs counted, ${schedule.refused.length} refused${schedule.refused.length ? ` (first: ${schedule.refused[0].reason})` : ""}`);
    console.log("rank  operator                                    credits  density  live score  eligible");
    for (const t of schedule.tally) console.log(`${String(t.rank).padStart(4)}  ${t.node_id}  ${String(t.credits).padStart(7)}  ${t.density.toFixed(3).padStart(7)}  ${t.live_score.toFixed(2).padStart(10)}  ${t.eligible ? "yes" : "no (under D_MIN)"}`);
    for (const slot of schedule.slots.slice(0, args.slots)) console.log(`slot ${slot.slot}: ${slot.primary}, then ${slot.fallbacks.join(", ") || "nobody"} (${slot.reason})`);
    if (schedule.slots.length === 0) console.log("no eligible operator: no schedule for this epoch");
    console.log(`schedule root ${schedule.root}`);
  });
}
