import { readFile, stat } from "node:fs/promises";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { consoleLog } from "../../src/runtime/taskLog.ts";
import type { CheckResult } from "../../src/receipt/verify.ts";
import type { SessionManifest } from "../../src/session/manifest.ts";
import { ByteProgress } from "../../src/runtime/progress.ts";
import { checkManifest, checkOnChain, compareChunk, compareInput } from "../../src/session/verify.ts";
import { reportChecks } from "../checks.ts";
import { userError, userFacing } from "../errors.ts";
import { recorderChecks } from "../anchor/connect.ts";
import type { sessionVerifyTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof sessionVerifyTask>;

/** A manifest too large for this is not one we wrote (2^20 chunks is about 600 MB of JSON). */
const MAX_MANIFEST_BYTES = 1024 ** 3;

/** Checks a recording (or one chunk) against its manifest and the session's record on chain. */
export default function sessionVerify(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  return userFacing(async () => {
    if (!args.manifest) throw userError("say which manifest: --manifest <file> (session:anchor wrote it beside the input)");
    if (args.input && args.chunk) throw userError("give --input (the whole recording) or --chunk with --index (one chunk), not both");
    if (args.chunk && args.index < 0) throw userError("--chunk needs --index <n>: which chunk of the manifest it is");
    const manifest = await loadManifest(args.manifest);
    const checks = checkManifest(manifest);
    const manifestOk = checks.every((c) => c.ok);
    if (manifestOk && args.input) {
      const progress = new ByteProgress("Hashing", manifest.total_bytes, consoleLog);
      checks.push(await compareInput(manifest, args.input, (bytes) => progress.advance(bytes)));
      progress.finish();
    }
    if (manifestOk && args.chunk) checks.push(await compareChunk(manifest, args.chunk, args.index));
    if (args.offline) checks.push({ name: "on chain", ok: false, skipped: true, detail: "not checked on chain (--offline): nothing shows the session was registered" });
    else if (manifestOk) checks.push(...(await onChain(manifest, hre, args)));
    const what = args.input ? `${args.input} is` : args.chunk ? `${args.chunk} is chunk ${args.index} of` : "the manifest describes";
    reportChecks(checks, `${what} session ${JSON.stringify(manifest.session_id)}${args.offline ? "" : `, registered on chain ${manifest.anchor?.chain_id}`}`);
    if (checks.every((c) => c.ok || c.skipped) && !args.input && !args.chunk) console.log("(pass --input <file or directory> to check the recording itself)");
  });
}

async function onChain(manifest: SessionManifest, hre: HardhatRuntimeEnvironment, args: Args): Promise<CheckResult[]> {
  const anchor = manifest.anchor;
  if (!anchor) return [{ name: "on chain", ok: false, detail: "the manifest has no anchor section: session:anchor did not finish registering it (run it again, or pass --offline)" }];
  const chunks = args.chunk ? [args.index] : [0, manifest.chunk_count - 1];
  return recorderChecks(hre, { rpcUrl: args.rpcUrl, trusted: args.contract, named: anchor.contract, chainId: anchor.chain_id }, (chain) => checkOnChain(manifest, chain, chunks));
}

async function loadManifest(path: string): Promise<SessionManifest> {
  const size = await stat(path).then(
    (s) => s.size,
    (error: Error) => {
      throw userError(`--manifest: cannot read ${path}: ${error.message}`);
    },
  );
  if (size > MAX_MANIFEST_BYTES) throw userError(`--manifest: ${path} is ${size} bytes, larger than any manifest (at most ${MAX_MANIFEST_BYTES})`);
  try {
    return JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw userError(`--manifest: ${path} is not JSON (${(error as Error).message})`);
  }
}
