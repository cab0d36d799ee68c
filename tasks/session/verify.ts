import { readFile, stat } from "node:fs/promises";
import { hexlify, randomBytes, Wallet } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { consoleLog } from "../../src/keeper/log.ts";
import { DEFAULT_RETRY } from "../../src/keeper/retry.ts";
import type { CheckResult } from "../../src/receipt/verify.ts";
import { RecorderChain } from "../../src/recorder/chain.ts";
import type { SessionManifest } from "../../src/session/manifest.ts";
import { ByteProgress } from "../../src/session/progress.ts";
import { checkManifest, checkOnChain, compareChunk, compareInput } from "../../src/session/verify.ts";
import { userError, userFacing } from "../errors.ts";
import { connectProvider } from "../anchor/connect.ts";

interface Args {
  manifest: string;
  input: string;
  chunk: string;
  index: number;
  rpcUrl: string;
  offline: boolean;
}

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
    if (args.offline) checks.push({ name: "on chain", ok: true, detail: "skipped (--offline)" });
    else if (manifestOk) checks.push(...(await onChain(manifest, hre, args)));
    for (const check of checks) console.log(`${check.ok ? "ok  " : "FAIL"}  ${check.name.padEnd(18)} ${check.detail}`);
    const failed = checks.filter((c) => !c.ok);
    if (failed.length > 0) {
      console.log(`NOT VERIFIED: ${failed.map((c) => c.name).join(", ")} failed`);
      process.exitCode = 1;
    } else {
      const what = args.input ? `${args.input} is` : args.chunk ? `${args.chunk} is chunk ${args.index} of` : "the manifest describes";
      console.log(`VERIFIED: ${what} session ${JSON.stringify(manifest.session_id)}${args.offline ? "" : `, registered on chain ${manifest.anchor?.chain_id}`}`);
      if (!args.input && !args.chunk) console.log("(pass --input <file or directory> to check the recording itself)");
    }
  });
}

async function onChain(manifest: SessionManifest, hre: HardhatRuntimeEnvironment, args: Args): Promise<CheckResult[]> {
  if (!manifest.anchor) return [{ name: "on chain", ok: false, detail: "the manifest has no anchor section: session:anchor did not finish registering it (run it again, or pass --offline)" }];
  const { provider, name } = await connectProvider(hre, args.rpcUrl);
  let chain: RecorderChain | undefined;
  try {
    // Reads only: any key will do.
    chain = await RecorderChain.open({ provider, wallet: new Wallet(hexlify(randomBytes(32))), contract: manifest.anchor.contract, retry: DEFAULT_RETRY, onRetry: () => undefined });
    if (chain.target.chainId !== manifest.anchor.chain_id) {
      return [{ name: "on chain", ok: false, detail: `the session is registered on chain ${manifest.anchor.chain_id}, but ${name} is chain ${chain.target.chainId}: pass that chain's --network or --rpc-url` }];
    }
    return await checkOnChain(manifest, chain, args.chunk ? [args.index] : [0, manifest.chunk_count - 1]);
  } catch (error) {
    return [{ name: "on chain", ok: false, detail: `could not read ProofRecorder ${manifest.anchor.contract} through ${name}: ${(error as Error).message.split("\n")[0]}` }];
  } finally {
    if (chain) chain.close();
    else (provider as { destroy?: () => void }).destroy?.();
  }
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
