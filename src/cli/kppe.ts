#!/usr/bin/env node
// `kppe`: hash, submit, fetch and verify events and receipts from any folder, without Hardhat.
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { GatewayError } from "../client/errors.ts";
import { GatewayClient } from "../client/gateway.ts";
import { KppeError } from "../errors.ts";
import { clientHash } from "../hashing/canonical.ts";
import { openCheckpoint, parseCheckpoint, parseNote, parseVerifierKey } from "../log/note.ts";
import { MAX_RECEIPT_BYTES } from "../receipt/format.ts";
import { receiptVerification, verificationLines, type ReceiptVerification } from "../receipt/verdict.ts";
import { verifyReceiptOffline } from "../receipt/verify.ts";

/** Exit codes: 0 all asked for was done and verified; 1 a check failed or the gateway refused; 2 bad usage. */
class UsageError extends Error {}

const GATEWAY = { type: "string", default: process.env.KPPE_GATEWAY_URL ?? "http://127.0.0.1:8080" } as const;
const JSON_FLAG = { type: "boolean", default: false } as const;
const HELP = { type: "boolean", short: "h", default: false } as const;

interface Command {
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  hash: {
    usage: `kppe hash <event.json | ->

  Prints the event's client hash (payload_hash): keccak256 of its RFC 8785 canonical JSON.
  --json   print {"payload_hash": ...}`,
    options: { json: JSON_FLAG, help: HELP },
    async run(values, [file]) {
      const payloadHash = clientHash(await readJson(requireArg(file, "the event body file (or - for standard input)"), "event body"));
      print(values.json, { payload_hash: payloadHash }, payloadHash);
      return 0;
    },
  },

  submit: {
    usage: `kppe submit <event.json | -> --source-id <id> [options]

  Hashes the event body and submits it to the gateway; prints the enqueue receipt. A temporary
  failure is retried with the same event id and content, so it never makes two entries.
  --source-id <id>            your event source (required)
  --event-id <id>             default: a random UUID; give one to make the submission repeatable
  --previous-event-hash <h>   the head this event must follow (strict chaining)
  --url <gateway>             default $KPPE_GATEWAY_URL or http://127.0.0.1:8080
  --json                      print the receipt as JSON
  The API key (production gateways) is read from $KPPE_API_KEY, never from the command line.`,
    options: { "source-id": { type: "string" }, "event-id": { type: "string" }, "previous-event-hash": { type: "string" }, url: GATEWAY, json: JSON_FLAG, help: HELP },
    async run(values, [file]) {
      const data = await readJson(requireArg(file, "the event body file (or - for standard input)"), "event body");
      const sourceId = requireArg(values["source-id"] as string | undefined, "--source-id <id>");
      const receipt = await client(values).submit({
        data: data as never,
        sourceId,
        eventId: values["event-id"] as string | undefined,
        previousEventHash: (values["previous-event-hash"] as string | undefined) ?? null,
        // A chosen event id must be repeatable: no timestamp of its own, or a retry would differ.
        localTimestamp: values["event-id"] ? null : undefined,
      });
      print(values.json, receipt, `${receipt.duplicate ? "already in the ledger" : "accepted"}: ${receipt.event_id} is entry ${receipt.fifo_sequence}, event_hash ${receipt.event_hash}`);
      return 0;
    },
  },

  receipt: {
    usage: `kppe receipt <event-id> [options]

  Fetches the event's anchor receipt from the gateway and writes it to --out (or prints it).
  --wait             wait until the event's batch is anchored (up to --timeout-ms)
  --timeout-ms <n>   default 600000
  --out <file>       write the receipt there
  --url <gateway>    default $KPPE_GATEWAY_URL or http://127.0.0.1:8080
  --json             print the gateway's whole answer (entry, log proof, anchor receipt)`,
    options: { wait: { type: "boolean", default: false }, "timeout-ms": { type: "string", default: "600000" }, out: { type: "string" }, url: GATEWAY, json: JSON_FLAG, help: HELP },
    async run(values, [eventId]) {
      const id = requireArg(eventId, "the event id");
      const gateway = client(values);
      if (values.wait) await gateway.waitForAnchor(id, { timeoutMs: positiveInteger(values["timeout-ms"] as string, "--timeout-ms") });
      const lookup = await gateway.getReceipt(id);
      if (!lookup) throw new KppeError("NOT_FOUND", `${gateway.url} has no event ${JSON.stringify(id)}`);
      if (values.out && lookup.anchor_receipt) await writeFile(values.out as string, JSON.stringify(lookup.anchor_receipt, null, 2) + "\n");
      if (values.json) console.log(JSON.stringify(lookup, null, 2));
      else if (!lookup.anchor_receipt) console.log(`${id} is entry ${lookup.fifo_sequence}, not anchored yet (use --wait to wait for it)`);
      else if (values.out) console.log(`anchor receipt of ${id} (entry ${lookup.fifo_sequence}, batch #${lookup.anchor_receipt.batch.batch_id}) written to ${values.out}`);
      else console.log(JSON.stringify(lookup.anchor_receipt, null, 2));
      return lookup.anchor_receipt || !values.out ? 0 : 1;
    },
  },

  verify: {
    usage: `kppe verify <receipt.json> [options]

  Checks a receipt: offline (hashes, the entry's place in the log, the batch proof) and, given an
  RPC URL, on chain against the KPPEAnchor you trust. Each check prints ok, FAIL or skip with why;
  a check that was not made is never counted as passed.
  --body <file>            the event body, when the receipt does not carry it
  --log-key <vkey>         the log's verifier key (default $KPPE_LOG_VERIFIER_KEY)
  --witness-keys <k1,k2>   witness keys to require cosignatures from (default $KPPE_WITNESS_KEYS)
  --threshold <k>          how many of them (default all)
  --rpc-url <url>          check on chain through this JSON-RPC endpoint
  --contract <address>     the KPPEAnchor you trust (default $KPPE_CONTRACT_ADDRESS); never taken from the receipt
  --require-all            exit 1 unless every check was made (nothing skipped)
  --json                   print {verdict, checks, claim, explorer}
  Exit code: 0 when no check failed (and, with --require-all, none was skipped), 1 otherwise.`,
    options: {
      body: { type: "string" },
      "log-key": { type: "string", default: process.env.KPPE_LOG_VERIFIER_KEY },
      "witness-keys": { type: "string", default: process.env.KPPE_WITNESS_KEYS },
      threshold: { type: "string" },
      "rpc-url": { type: "string" },
      contract: { type: "string", default: process.env.KPPE_CONTRACT_ADDRESS },
      "require-all": { type: "boolean", default: false },
      json: JSON_FLAG,
      help: HELP,
    },
    async run(values, [file]) {
      const receiptText = await readText(requireArg(file, "the receipt file"), "receipt", MAX_RECEIPT_BYTES);
      const eventBody = values.body ? await readJson(values.body as string, "--body") : undefined;
      const witnessKeys = ((values["witness-keys"] as string | undefined) ?? "").split(",").map((k) => k.trim()).filter(Boolean);
      const options = { eventBody, logKey: (values["log-key"] as string | undefined) || undefined, witnessKeys, threshold: values.threshold ? positiveInteger(values.threshold as string, "--threshold") : undefined };
      let result: ReceiptVerification;
      if (values["rpc-url"]) {
        const contract = requireArg(values.contract as string | undefined, "--contract <KPPEAnchor address> (or $KPPE_CONTRACT_ADDRESS): the deployment you trust");
        // ethers is loaded only for on-chain checks: offline verification starts faster without it.
        const [{ verifyReceipt }, { rpcProvider }] = await Promise.all([import("../receipt/verifyReceipt.ts"), import("../chain/rpcProvider.ts")]);
        result = await verifyReceipt(receiptText, { ...options, chain: { provider: rpcProvider(values["rpc-url"] as string), contract } });
      } else {
        result = receiptVerification(verifyReceiptOffline(receiptText, options));
      }
      const { verdict } = result;
      if (values.json) console.log(JSON.stringify({ verdict, checks: result.checks, claim: result.claim, explorer: result.explorer }, null, 2));
      else for (const line of verificationLines(result)) console.log(line);
      return verdict.status === "verified" || (verdict.status === "verified-except" && !values["require-all"]) ? 0 : 1;
    },
  },

  checkpoint: {
    usage: `kppe checkpoint [options]

  Fetches the gateway's latest signed checkpoint (log size and root) and, given the log key,
  checks its signature.
  --log-key <vkey>   the log's verifier key (default $KPPE_LOG_VERIFIER_KEY)
  --url <gateway>    default $KPPE_GATEWAY_URL or http://127.0.0.1:8080
  --json             print {origin, size, root, signature_checked, note}`,
    options: { "log-key": { type: "string", default: process.env.KPPE_LOG_VERIFIER_KEY }, url: GATEWAY, json: JSON_FLAG, help: HELP },
    async run(values) {
      const note = await client(values).checkpoint();
      const logKey = values["log-key"] as string | undefined;
      const checkpoint = logKey ? openCheckpoint(note, parseVerifierKey(logKey)) : parseCheckpoint(parseNote(note).text);
      const signed = logKey ? "signature checked" : "signature NOT checked (give --log-key)";
      print(values.json, { ...checkpoint, signature_checked: Boolean(logKey), note }, `${checkpoint.origin}: size ${checkpoint.size}, root ${checkpoint.root} (${signed})`);
      return 0;
    },
  },
};

const MAIN_USAGE = `kppe: tamper-evident events anchored on Base

  kppe hash <event.json>              the event's client hash (payload_hash)
  kppe submit <event.json> --source-id <id>   submit it to a gateway
  kppe receipt <event-id> [--wait]    fetch its anchor receipt
  kppe verify <receipt.json>          verify a receipt offline, or on chain with --rpc-url
  kppe checkpoint                     the gateway's latest signed log checkpoint

  kppe <command> --help               the options of a command`;

function print(json: unknown, value: unknown, line: string): void {
  console.log(json ? JSON.stringify(value, null, 2) : line);
}

function requireArg<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === "") throw new UsageError(`missing ${what}`);
  return value;
}

function positiveInteger(text: string, name: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(text)) throw new UsageError(`${name}: expected a positive integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

function client(values: Record<string, unknown>): GatewayClient {
  return new GatewayClient({ url: values.url as string, apiKey: process.env.KPPE_API_KEY || undefined });
}

async function readText(file: string, what: string, limit = 64 * 1024 * 1024): Promise<string> {
  let text: string;
  try {
    text = file === "-" ? await new Response(process.stdin as unknown as ReadableStream).text() : await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`${what}: cannot read ${file} (${(error as Error).message})`);
  }
  if (text.length > limit) throw new UsageError(`${what}: ${file} is over ${limit} bytes`);
  return text;
}

async function readJson(file: string, what: string): Promise<unknown> {
  const text = await readText(file, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what}: ${file} is not valid JSON (${(error as Error).message})`);
  }
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(MAIN_USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; the commands are ${Object.keys(COMMANDS).join(", ")}`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${command.usage}`);
  }
  if (parsed.values.help) {
    console.log(command.usage);
    return 0;
  }
  return command.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`kppe: ${error.message}`);
      process.exitCode = 2;
    } else if (error instanceof GatewayError || error instanceof KppeError) {
      console.error(`kppe: ${error.message}`);
      process.exitCode = 1;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  },
);
