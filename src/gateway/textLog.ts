import type { FastifyInstance } from "fastify";

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };

/**
 * A pino destination that writes each record as one line for a person: time, level, message
 * (and an error's message); warnings and worse on stderr. JSON stays available (--log-format json).
 */
export const textLogStream = {
  write(record: string): void {
    const { time, level, msg, err } = JSON.parse(record) as { time: number; level: number; msg?: string; err?: { message?: string } };
    const line = `${new Date(time).toISOString()} ${(LEVELS[level] ?? String(level)).padEnd(5)} ${msg ?? ""}${err?.message ? `: ${err.message}` : ""}\n`;
    (level >= 40 ? process.stderr : process.stdout).write(line);
  },
};

/** One line per answered request, at debug level: `POST /submit 200 0.8 ms` (text logs leave out Fastify's two JSON lines). */
export function logResponses(app: FastifyInstance): void {
  app.addHook("onResponse", async (request, reply) => {
    request.log.debug(`${request.method} ${request.url.slice(0, 200)} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms`);
  });
}
