// Worker thread of the SQLite store: runs SqliteWriter calls sent by the main thread, in order.
import { parentPort, workerData } from "node:worker_threads";
import { openConnection, SqliteWriter, type WriterMethod } from "./writer.ts";

const writer = new SqliteWriter(openConnection(workerData.location, workerData.busyTimeoutMs));

parentPort!.on("message", ({ id, method, args }: { id: number; method: WriterMethod; args: unknown[] }) => {
  try {
    const result = (writer[method] as (...a: unknown[]) => unknown)(...args);
    parentPort!.postMessage({ id, result });
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error).message });
  }
});
