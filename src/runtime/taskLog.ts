export type LogLevel = "info" | "warn" | "error";

/** Where a long-running task (keeper, anchorers, storage node) says what it does: each line worded for a person. */
export type TaskLog = (level: LogLevel, message: string) => void;

/** The K-PPE log format on the console: `[K-PPE] …`, warnings and errors on stderr. */
export const consoleLog: TaskLog = (level, message) => {
  const line = `[K-PPE] ${message}`;
  if (level === "info") console.log(line);
  else console.error(line);
};
