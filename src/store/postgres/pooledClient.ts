import type pg from "pg";

/**
 * Runs `work` on one connection checked out of `pool`. A checked-out client has no listener of
 * the pool's: without this one, a connection reset while `work` runs is an unhandled 'error'
 * event and ends the process; the failure itself reaches the caller through the query that was
 * running. A connection that errored, or that `work` calls `discard` for (a failed ROLLBACK, a
 * COPY cut short), is closed rather than returned to the pool.
 */
export async function withPooledClient<T>(pool: pg.Pool, work: (client: pg.PoolClient, discard: (reason: Error | true) => void) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | true | undefined;
  const onError = (error: Error) => (broken = error);
  client.on("error", onError);
  try {
    return await work(client, (reason) => (broken ??= reason));
  } finally {
    client.off("error", onError);
    client.release(broken);
  }
}
