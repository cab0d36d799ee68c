import { readFile } from "node:fs/promises";
import { eventBody } from "../../src/client/gateway.ts";
import type { JsonValue } from "../../src/hashing/canonical.ts";
import { userError, userFacing } from "../errors.ts";
import { gatewayJson } from "./http.ts";
import type { ledgerSubmitTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof ledgerSubmitTask>;

/** The production profile needs an API key: taken from KPPE_API_KEY so it never sits in shell history. */
function authHeader(): Record<string, string> {
  return process.env.KPPE_API_KEY ? { authorization: `Bearer ${process.env.KPPE_API_KEY}` } : {};
}

export default function submit(args: Args): Promise<void> {
  return userFacing(() => run(args));
}

async function run(args: Args): Promise<void> {
  if (Boolean(args.body) === Boolean(args.file)) throw userError("give the event body with exactly one of --body '<json>' or --file <path>");
  const text = args.body || (await readFile(args.file, "utf8").catch((cause) => Promise.reject(userError(`--file: cannot read ${args.file} (${cause.message})`))));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw userError(`${args.file ? args.file : "--body"}: not valid JSON (${(cause as Error).message})`);
  }
  // Built as the kppe client builds it. With a chosen event id the submission must be repeatable
  // (a safe retry returns the original receipt), so it carries no timestamp of its own.
  const event = eventBody({
    data: body as JsonValue,
    sourceId: args.sourceId,
    eventId: args.eventId || undefined,
    localTimestamp: args.eventId ? null : undefined,
    previousEventHash: args.previousEventHash || null,
  });
  const receipt = await gatewayJson(`${args.url}/submit`, { method: "POST", headers: { "content-type": "application/json", ...authHeader() }, body: JSON.stringify(event) });
  console.log(JSON.stringify(receipt, null, 2));
}
