// node:sqlite, loaded without its "ExperimentalWarning: SQLite is an experimental feature" (Node
// 22): every command that opened a SQLite file printed it, and there is nothing a user can do
// about it (the toolchain chose node:sqlite over a native addon: docs/toolchain.md). Only that
// one warning is dropped, and only while the module loads; the import is dynamic because a
// static import of a built-in is loaded before any of our code runs.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning: string | Error, ...rest: unknown[]) {
  const message = typeof warning === "string" ? warning : warning.message;
  if (message.startsWith("SQLite is an experimental feature")) return;
  return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
} as typeof process.emitWarning;
const sqlite = await import("node:sqlite");
process.emitWarning = emitWarning;

export const DatabaseSync = sqlite.DatabaseSync;
export type DatabaseSync = InstanceType<typeof sqlite.DatabaseSync>;
export type { SQLInputValue, StatementSync } from "node:sqlite";
