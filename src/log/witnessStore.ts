/**
 * What a witness keeps, durably: per log origin, the last checkpoint it cosigned. A witness that
 * forgot it after a restart could be made to cosign a fork; so the state is written, in the same
 * store as the node's copy, before a cosignature is returned (C2SP tlog-witness).
 */
export interface WitnessStore {
  /** The last cosigned checkpoint of the log `origin`, if any: size, root, and the note with this witness's cosignature (absent for one cosigned before notes were kept). */
  lastCosigned(origin: string): Promise<CosignedCheckpoint | undefined>;
  /**
   * Records `checkpoint` as the last cosigned one of `origin`, atomically, only if the stored
   * size is still `fromSize` (0 when none): false, changing nothing, otherwise.
   */
  advance(origin: string, fromSize: number, checkpoint: Required<CosignedCheckpoint>): Promise<boolean>;
}

export interface CosignedCheckpoint {
  size: number;
  root: string;
  /** The log's signed note followed by this witness's cosignature line: what a monitor compares across witnesses. */
  note?: string;
}

export const WITNESS_MIGRATION = (integer: string) => `
  CREATE TABLE witness_state (
    origin TEXT PRIMARY KEY,
    size ${integer} NOT NULL,
    root TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );`;

/** Keeps the cosigned note, so the witness can show what it vouched for (`GET /checkpoint` on a storage node). */
export const WITNESS_NOTE_MIGRATION = "ALTER TABLE witness_state ADD COLUMN note TEXT;";
