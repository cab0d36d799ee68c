/**
 * What a witness keeps, durably: per log origin, the last checkpoint it cosigned. A witness that
 * forgot it after a restart could be made to cosign a fork; so the state is written, in the same
 * store as the node's copy, before a cosignature is returned (C2SP tlog-witness).
 */
export interface WitnessStore {
  /** The last cosigned (size, root) of the log `origin`, if any. */
  lastCosigned(origin: string): Promise<{ size: number; root: string } | undefined>;
  /**
   * Records (`size`, `root`) as the last cosigned checkpoint of `origin`, atomically, only if the
   * stored size is still `fromSize` (0 when none): false, changing nothing, otherwise.
   */
  advance(origin: string, fromSize: number, size: number, root: string): Promise<boolean>;
}

export const WITNESS_MIGRATION = (integer: string) => `
  CREATE TABLE witness_state (
    origin TEXT PRIMARY KEY,
    size ${integer} NOT NULL,
    root TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );`;
