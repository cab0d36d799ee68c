import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { failpoint } from "../runtime/failpoints.ts";
import { KppeError } from "../errors.ts";
import { ContractRevertedError } from "../chain/anchorChain.ts";
import type { TaskLog } from "../runtime/taskLog.ts";
import type { RecorderChain } from "../chain/recorderChain.ts";
import { TxMonitor, type TxAttempt } from "../chain/txMonitor.ts";
import { listInput } from "./chunks.ts";
import { buildManifest, hashFiles, sessionKey, type SessionManifest } from "./manifest.ts";
import { ByteProgress } from "../runtime/progress.ts";

export interface AnchorSessionOptions {
  /** A file or a directory. */
  input: string;
  sessionId: string;
  owner: string;
  /** Unix seconds. */
  startedAt: number;
  chunkSize: number;
  manifestPath: string;
  chain: RecorderChain;
  confirmations: number;
  /** Fee cap: nothing is sent while the base fee is above it (FEE_CAP), and a replacement never passes it. */
  maxFeeWei?: bigint;
  /** A registration pending this long is replaced with higher fees (default 180 s). */
  stuckAfterMs?: number;
  log: TaskLog;
}

/** Where the manifest goes by default: beside the input (never inside a directory it describes). */
export function defaultManifestPath(input: string): string {
  return `${input.replace(/[\\/]+$/, "")}.manifest.json`;
}

/** Writes through a temporary file and a rename, so a crash never leaves half a file. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

export function writeManifest(path: string, manifest: SessionManifest): Promise<void> {
  return writeAtomically(path, JSON.stringify(manifest, null, 2) + "\n");
}

/**
 * What session:anchor records beside the manifest before each registerSession transaction it
 * sends, to finish after a crash: every attempt (a replacement included), newest last.
 */
interface PendingRegistration {
  session_key: string;
  chain_id: number;
  contract: string;
  manifest_hash: string;
  attempts: TxAttempt[];
}

const pendingPath = (manifestPath: string) => `${manifestPath}.pending.json`;

async function readPending(path: string): Promise<PendingRegistration | undefined> {
  try {
    const pending = JSON.parse(await readFile(path, "utf8")) as PendingRegistration;
    return Array.isArray(pending.attempts) && pending.attempts.length > 0 ? pending : undefined;
  } catch {
    return undefined;
  }
}

function writePending(path: string, pending: PendingRegistration): Promise<void> {
  return writeAtomically(path, JSON.stringify(pending) + "\n");
}

/**
 * Lucid's session anchoring: refuses a session id already registered (unless this run's own
 * registration was sent before a crash: then it finishes it), streams the input through
 * keccak256 chunk by chunk (progress shown), builds the K-PPE tree over the chunk hashes, writes
 * the manifest, then `registerSession` on ProofRecorder and adds where it was registered.
 */
export async function anchorSession(o: AnchorSessionOptions): Promise<SessionManifest> {
  const key = sessionKey(o.sessionId);
  const where = `chain ${o.chain.target.chainId} at ${o.chain.target.contract}`;
  const existing = await o.chain.getSession(key);
  const pending = await readPending(pendingPath(o.manifestPath));
  // This command sent a registration before it stopped: finish that one (mined, pending, dropped or stuck).
  const resuming = pending?.session_key === key && pending.chain_id === o.chain.target.chainId && pending.contract === o.chain.target.contract;
  if (existing.registeredAt !== 0 && !resuming) {
    throw new KppeError(
      "SESSION_EXISTS",
      `session ${JSON.stringify(o.sessionId)} (${key}) is already registered on ${where} since ${new Date(existing.registeredAt * 1000).toISOString()} (manifest hash ${existing.manifestHash}, ${existing.chunkCount} chunks); a session is registered once: choose another --session-id, or check the recording with npx hardhat session:verify`,
    );
  }
  if (!resuming && !(await o.chain.isWriter())) {
    throw new KppeError("NOT_A_WRITER", `${o.chain.wallet.address} is not a writer of ProofRecorder ${o.chain.target.contract}: its owner must call setWriter(${o.chain.wallet.address}, true)`);
  }

  const files = await listInput(o.input);
  const progress = new ByteProgress("Hashing", files.reduce((n, f) => n + f.size, 0), o.log);
  const hashed = await hashFiles(files, o.chunkSize, (bytes) => progress.advance(bytes));
  progress.finish();
  // Resuming: the start time and owner are the ones sent (a default start time is "now").
  const saved = resuming ? (JSON.parse(await readFile(o.manifestPath, "utf8")) as SessionManifest) : undefined;
  const manifest = buildManifest({ sessionId: o.sessionId, owner: saved?.owner ?? o.owner, startedAt: saved?.started_at ?? o.startedAt, chunkSize: o.chunkSize, ...hashed });
  if (resuming && pending.manifest_hash !== manifest.manifest_hash) {
    // The same recording must give the same manifest as the registration already sent.
    throw new KppeError("SESSION_EXISTS", `session ${JSON.stringify(o.sessionId)}: registerSession was sent (TX ${pending.attempts.at(-1)!.hash}) with manifest hash ${pending.manifest_hash}, but ${o.input} now gives ${manifest.manifest_hash}: the recording or the options changed since`);
  }
  await writeManifest(o.manifestPath, manifest);
  o.log("info", `Session ${JSON.stringify(o.sessionId)}: ${manifest.chunk_count} chunks of ${files.length} files, root ${manifest.root}, manifest hash ${manifest.manifest_hash} (manifest at ${o.manifestPath})`);

  const args = [key, manifest.manifest_hash, manifest.started_at, manifest.owner, manifest.root, manifest.chunk_count];
  const attempts = resuming ? pending.attempts : [];
  if (resuming) o.log("info", `Resuming: registerSession was sent before this command last stopped (TX ${attempts.at(-1)!.hash}); finishing it`);
  let mined;
  try {
    mined = await new TxMonitor(o.chain, { confirmations: o.confirmations, maxFeeWei: o.maxFeeWei, stuckAfterMs: o.stuckAfterMs, log: o.log }).write("registerSession", args, {
      attempts,
      // Recorded before it is sent: a crash after this point finishes on the next run.
      record: async (attempt) => {
        attempts.push(attempt);
        await writePending(pendingPath(o.manifestPath), { session_key: key, chain_id: o.chain.target.chainId, contract: o.chain.target.contract, manifest_hash: manifest.manifest_hash, attempts });
        o.log("info", `TX sent: ${attempt.hash} (registerSession)`);
      },
      afterSend: () => failpoint("session-after-broadcast"),
    });
  } catch (error) {
    if (error instanceof ContractRevertedError) throw new KppeError("SESSION_REFUSED", `registerSession reverted: ${error.reason}`, { cause: error });
    throw error;
  }
  failpoint("session-after-send");
  if (!mined.success) throw new KppeError("SESSION_REFUSED", `registerSession reverted on chain: ${(await o.chain.revertReason("registerSession", args, mined.blockNumber)).text}`);
  const registered = await o.chain.getSession(key);
  manifest.anchor = {
    chain_id: o.chain.target.chainId,
    contract: o.chain.target.contract,
    tx_hash: mined.hash,
    block_number: mined.blockNumber,
    registered_at: new Date(registered.registeredAt * 1000).toISOString(),
  };
  await writeManifest(o.manifestPath, manifest);
  await rm(pendingPath(o.manifestPath), { force: true });
  o.log("info", `Session ${JSON.stringify(o.sessionId)} registered on ${where}: TX ${mined.hash} (block ${mined.blockNumber})`);
  return manifest;
}
