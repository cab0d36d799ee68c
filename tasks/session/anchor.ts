import { basename } from "node:path";
import { isAddress, parseUnits } from "ethers";
import { resolvePoeSettings } from "../../src/poe/settings.ts";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { consoleLog } from "../../src/runtime/taskLog.ts";
import { DEFAULT_RETRY } from "../../src/runtime/retry.ts";
import { anchorSession, defaultManifestPath } from "../../src/session/anchor.ts";
import { DEFAULT_CHUNK_SIZE } from "../../src/session/chunks.ts";
import { userError, userFacing } from "../errors.ts";
import { openRecorder } from "../anchor/connect.ts";
import type { sessionAnchorTask } from "../index.ts";
import type { TaskArgs } from "../args.ts";

type Args = TaskArgs<typeof sessionAnchorTask>;

/** Lucid's session anchoring: chunk, hash, tree, manifest, registerSession. */
export default function sessionAnchor(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  return userFacing(async () => {
    if (!args.input) throw userError("say what to anchor: --input <file or directory>");
    const chunkSize = args.chunkSize || DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 1024 ** 3) throw userError(`--chunk-size: expected bytes from 1 to ${1024 ** 3}, got ${args.chunkSize}`);
    if (args.owner && !isAddress(args.owner)) throw userError(`--owner: ${JSON.stringify(args.owner)} is not an address (0x followed by 40 hex digits)`);
    if (args.confirmations < 1) throw userError(`--confirmations: expected at least 1, got ${args.confirmations}`);
    const startedAt = parseStartedAt(args.startedAt);
    const poe = resolvePoeSettings();
    const { chain } = await openRecorder(hre, args, DEFAULT_RETRY, consoleLog);
    try {
      const manifest = await anchorSession({
        input: args.input,
        sessionId: args.sessionId || basename(args.input.replace(/[\\/]+$/, "")),
        owner: args.owner || chain.wallet.address,
        startedAt,
        chunkSize,
        manifestPath: args.out || defaultManifestPath(args.input),
        chain,
        confirmations: args.confirmations,
        // The same fee cap and stuck limit as the other ProofRecorder writer, poe:anchor (MAX_FEE_GWEI, STUCK_TX_MS).
        maxFeeWei: parseUnits(String(poe.maxFeeGwei), "gwei"),
        stuckAfterMs: poe.stuckAfterMs,
        log: consoleLog,
      });
      const where = args.rpcUrl ? ["--rpc-url", args.rpcUrl] : hre.globalOptions.network ? ["--network", hre.globalOptions.network] : [];
      const command = ["npx hardhat session:verify", "--manifest", args.out || defaultManifestPath(args.input), "--input", args.input, ...where, "--contract", chain.target.contract];
      console.log(`Check it any time with: ${command.map(shellWord).join(" ")} (session ${manifest.session_key})`);
    } finally {
      chain.close();
    }
  });
}

/** `word` as one shell word: as is when it is plain, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) || word.startsWith("npx hardhat") ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Unix seconds or an ISO 8601 date; empty means now. */
function parseStartedAt(text: string): number {
  if (!text) return Math.floor(Date.now() / 1000);
  const seconds = /^\d+$/.test(text) ? Number(text) : Date.parse(text) / 1000;
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 2 ** 53) throw userError(`--started-at: expected unix seconds or an ISO 8601 date such as 2026-11-23T10:00:00Z, got ${JSON.stringify(text)}`);
  return Math.floor(seconds);
}
