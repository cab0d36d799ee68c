/** How often a task started by npm (npx, npm start) checks that npm is still there. */
const PARENT_CHECK_MS = 1_000;

/**
 * Calls `stop` once, with the reason, on SIGINT or SIGTERM. Started by npm (`npx hardhat …`,
 * `npm start`), a task's process is a grandchild that a SIGTERM to npm never reaches (npm passes it
 * to the shell between them, which exits and leaves the task running): there, the task also stops
 * when its parent goes away. Returns a function that removes the handlers.
 */
export function onStop(stop: (reason: string) => void): () => void {
  let stopped = false;
  const once = (reason: string) => {
    if (stopped) return;
    stopped = true;
    remove();
    stop(reason);
  };
  const onSigint = () => once("SIGINT");
  const onSigterm = () => once("SIGTERM");
  process.on("SIGINT", onSigint).on("SIGTERM", onSigterm);
  const parent = process.ppid;
  const watch =
    process.env.npm_command !== undefined
      ? setInterval(() => {
          if (process.ppid !== parent) once("npm exited");
        }, PARENT_CHECK_MS).unref()
      : undefined;
  function remove() {
    process.off("SIGINT", onSigint).off("SIGTERM", onSigterm);
    clearInterval(watch);
  }
  return remove;
}
