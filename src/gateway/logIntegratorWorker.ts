// Worker thread of the log service: integrates the ledger into the stored log on a connection of
// its own, so that hashing and writing the log's nodes (about 2 µs an entry) never run on the
// thread that accepts submissions. Answers each message with the integrated size.
import { parentPort, workerData } from "node:worker_threads";
import { openLogStore } from "../store/open.ts";
import { StoredLog } from "../log/storedLog.ts";

const { log: store, close } = await openLogStore(workerData.location as string);
const log = new StoredLog(store);

parentPort!.on("message", async ({ id, close: closing }: { id: number; close?: true }) => {
  if (closing) {
    await close();
    parentPort!.postMessage({ id, size: 0 });
    return;
  }
  try {
    parentPort!.postMessage({ id, size: await log.integrate() });
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error).message });
  }
});
