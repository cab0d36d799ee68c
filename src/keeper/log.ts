export type LogLevel = "info" | "warn" | "error";

/** Where the keeper's lines go; each line is already worded for a person. */
export type KeeperLog = (level: LogLevel, message: string) => void;

/** The K-PPE log format on the console: `[K-PPE] …`, warnings and errors on stderr. */
export const consoleLog: KeeperLog = (level, message) => {
  const line = `[K-PPE] ${message}`;
  if (level === "info") console.log(line);
  else console.error(line);
};
