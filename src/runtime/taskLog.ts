export type LogLevel = "info" | "warn" | "error";

/** Where a long-running task (keeper, anchorers, storage node) says what it does: each line worded for a person. */
export type TaskLog = (level: LogLevel, message: string) => void;

/**
 * The K-PPE log format on the console: `[K-PPE] …`, warnings and errors on stderr. With
 * KPPE_LOG_FORMAT=json, one JSON object per line instead (`time`, `level`, `msg`), as the gateway's
 * `--log-format json` writes them, for a log collector.
 */
export const consoleLog: TaskLog = (level, message) => consoleLogAs(process.env.KPPE_LOG_FORMAT)(level, message);

/** consoleLog in a format given by the task (`json`, else text). */
export function consoleLogAs(format: string | undefined): TaskLog {
  return (level, message) => {
    const line = format === "json" ? JSON.stringify({ time: new Date().toISOString(), level, msg: message }) : `[K-PPE] ${message}`;
    if (level === "info") console.log(line);
    else console.error(line);
  };
}
