import { whenReachable } from "../src/store/failures.ts";
import { userError } from "./errors.ts";
import { onStop } from "./stop.ts";

/**
 * whenReachable for a task that runs until stopped (ledger:serve, anchor, ledger:replicate): its
 * start (opening the store, a first read of it) waits while the store cannot be reached, saying
 * so, and a stop meanwhile (SIGINT, SIGTERM, npm gone) ends the task instead of leaving it waiting.
 */
export async function startWhenStoreReachable<T>(start: () => Promise<T>, say: (message: string) => void): Promise<T> {
  const stopped = new AbortController();
  const removeStop = onStop((reason) => stopped.abort(userError(`${reason}: stopped while waiting for the store`)));
  try {
    return await whenReachable(start, say, stopped.signal);
  } finally {
    removeStop();
  }
}
