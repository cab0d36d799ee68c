import type { EpochSchedule, SlotLeaders, Tally } from "../poot/schedule.ts";
import type { TaskProof } from "../poot/taskProof.ts";
import type { SqlDatabase } from "./sqlPoeStore.ts";

/** Lucid's PoOT tables, next to the ledger: checked task proofs, and each epoch's tally and leader schedule. */
export interface PootStore {
  /** Stores a task proof that was checked; false (nothing written) when its node, slot and type already has one. */
  addTaskProof(proof: TaskProof): Promise<boolean>;
  /** Stored task proofs with `fromSlot <= slot < toSlot`, by slot, node and type; at most `limit`. */
  taskProofs(fromSlot: number, toSlot: number, limit: number): Promise<TaskProof[]>;
  /** Records an epoch's tally (`work_tally`) and schedule (`leader_schedule`), replacing what was recorded for it. */
  saveSchedule(schedule: Pick<EpochSchedule, "epoch" | "seed" | "leaders" | "tally" | "slots">): Promise<void>;
  /** The recorded tally and schedule of `epoch`, if any. */
  schedule(epoch: number): Promise<Pick<EpochSchedule, "epoch" | "seed" | "leaders" | "tally" | "slots"> | undefined>;
}

/** Both backends' tables; `integer` and `real` are the backend's types for 64-bit integers and doubles. */
export const POOT_MIGRATION = (integer: string, real: string) => `
  CREATE TABLE task_proofs (
    slot ${integer} NOT NULL,
    node_id TEXT NOT NULL,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    signature TEXT NOT NULL,
    time ${integer} NOT NULL,
    PRIMARY KEY (slot, node_id, type)
  );
  CREATE TABLE poot_epochs (
    epoch ${integer} PRIMARY KEY,
    seed TEXT NOT NULL,
    leaders TEXT NOT NULL,
    computed_at TEXT NOT NULL
  );
  CREATE TABLE work_tally (
    epoch ${integer} NOT NULL,
    node_id TEXT NOT NULL,
    credits ${integer} NOT NULL,
    density ${real} NOT NULL,
    live_score ${real} NOT NULL,
    eligible BOOLEAN NOT NULL,
    rank ${integer} NOT NULL,
    PRIMARY KEY (epoch, node_id)
  );
  CREATE TABLE leader_schedule (
    epoch ${integer} NOT NULL,
    slot ${integer} PRIMARY KEY,
    primary_node TEXT NOT NULL,
    fallbacks TEXT NOT NULL,
    reason TEXT NOT NULL
  );`;

type Row = Record<string, unknown>;

/** The PoOT tables through portable SQL, as FlowPay's (SqlPoeStore). */
export class SqlPootStore implements PootStore {
  private readonly db: SqlDatabase;

  constructor(db: SqlDatabase) {
    this.db = db;
  }

  async addTaskProof(proof: TaskProof): Promise<boolean> {
    const inserted = await this.db.query(
      "INSERT INTO task_proofs (slot, node_id, type, value, signature, time) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (slot, node_id, type) DO NOTHING RETURNING slot",
      [proof.slot, proof.node_id.toLowerCase(), proof.type, JSON.stringify(proof.value), proof.signature, proof.time],
    );
    return inserted.length === 1;
  }

  async taskProofs(fromSlot: number, toSlot: number, limit: number): Promise<TaskProof[]> {
    const rows = await this.db.query("SELECT * FROM task_proofs WHERE slot >= ? AND slot < ? ORDER BY slot, node_id, type LIMIT ?", [fromSlot, toSlot, limit]);
    return rows.map((r) => ({ slot: Number(r.slot), node_id: String(r.node_id), type: String(r.type) as TaskProof["type"], value: JSON.parse(String(r.value)), time: Number(r.time), signature: String(r.signature) }));
  }

  saveSchedule(schedule: Pick<EpochSchedule, "epoch" | "seed" | "leaders" | "tally" | "slots">): Promise<void> {
    return this.db.transaction(async (q) => {
      for (const table of ["poot_epochs", "work_tally", "leader_schedule"]) await q.query(`DELETE FROM ${table} WHERE epoch = ?`, [schedule.epoch]);
      await q.query("INSERT INTO poot_epochs (epoch, seed, leaders, computed_at) VALUES (?, ?, ?, ?)", [schedule.epoch, schedule.seed, JSON.stringify(schedule.leaders), new Date().toISOString()]);
      for (const t of schedule.tally) {
        await q.query("INSERT INTO work_tally (epoch, node_id, credits, density, live_score, eligible, rank) VALUES (?, ?, ?, ?, ?, ?, ?)", [schedule.epoch, t.node_id, t.credits, t.density, t.live_score, t.eligible ? 1 : 0, t.rank]);
      }
      for (const s of schedule.slots) {
        await q.query("INSERT INTO leader_schedule (epoch, slot, primary_node, fallbacks, reason) VALUES (?, ?, ?, ?, ?)", [schedule.epoch, s.slot, s.primary, JSON.stringify(s.fallbacks), s.reason]);
      }
    });
  }

  async schedule(epoch: number): Promise<Pick<EpochSchedule, "epoch" | "seed" | "leaders" | "tally" | "slots"> | undefined> {
    const [head] = await this.db.query("SELECT * FROM poot_epochs WHERE epoch = ?", [epoch]);
    if (!head) return undefined;
    const tally = (await this.db.query("SELECT * FROM work_tally WHERE epoch = ? ORDER BY rank", [epoch])).map(tallyFromRow);
    const slots = (await this.db.query("SELECT * FROM leader_schedule WHERE epoch = ? ORDER BY slot", [epoch])).map(slotFromRow);
    return { epoch, seed: String(head.seed), leaders: JSON.parse(String(head.leaders)) as string[], tally, slots };
  }
}

const tallyFromRow = (r: Row): Tally => ({ node_id: String(r.node_id), credits: Number(r.credits), density: Number(r.density), live_score: Number(r.live_score), eligible: r.eligible === true || Number(r.eligible) === 1, rank: Number(r.rank) });
const slotFromRow = (r: Row): SlotLeaders => ({ slot: Number(r.slot), primary: String(r.primary_node), fallbacks: JSON.parse(String(r.fallbacks)) as string[], reason: String(r.reason) });
