import { Worker } from "node:worker_threads";
import type { LogStore } from "./store.ts";
import { StoredLog } from "./storedLog.ts";
import { openCosigned } from "./cosignature.ts";
import { generateSignerKey, parseSignerKey, parseVerifierKey, signCheckpoint, toBase64, verifierKeyOf, type NoteSigner, type NoteVerifier } from "./note.ts";
import { hex32ToBytes } from "../hashing/hex.ts";
import { addLogSignature, logSignerWallet } from "./logSigner.ts";
import type { Wallet } from "ethers";

/** How often the log follows the ledger when nothing nudges it. */
export const INTEGRATE_INTERVAL_MS = 1_000;
/**
 * Entries waiting that start integration at once rather than at the next interval: each
 * integration is a write transaction and an fsync beside the ledger's, and at a lone client's
 * rate integrating 50 ms after each append cost it 10-15% of its submits (docs/benchmarks.md).
 */
export const INTEGRATE_BATCH = 4_096;
/** How long a witness may take to answer `add-checkpoint`. */
export const WITNESS_TIMEOUT_MS = 10_000;

/** A witness the log asks for cosignatures, and how it answered last. */
export interface WitnessStatus {
  url: string;
  name: string;
  /** The size of the last checkpoint it cosigned (0: none yet). */
  cosignedSize: number;
  /** Why the last request did not give a cosignature, or null. */
  lastError: string | null;
}

export interface SignedCheckpoint {
  size: number;
  root: string;
  /** The C2SP signed note: origin, size, base64 root, and the log key's signature. */
  note: string;
}

/** How long a proof route trusts the integrated size it read (the log only grows). */
const SIZE_FRESH_MS = 100;

/**
 * The log as a service runs it: integration that follows the ledger off the submit path (a
 * timer, and a nudge after appends), and checkpoints signed with the log key.
 */
export class LogService {
  readonly log: StoredLog;
  readonly signer: NoteSigner;
  /** The key verifiers are given (C2SP verifier-key encoding). */
  readonly verifierKey: string;
  /** The log's on-chain signer (derived from the log key): KPPEAnchor's `setLogSigner` takes its address. */
  readonly evmSigner: Wallet;
  private readonly verifier: NoteVerifier;
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  /** The log size the last integration reached. */
  private integrated = 0;
  private running: Promise<number> | undefined;
  private latest: SignedCheckpoint | undefined;
  private readonly onError: (error: unknown) => void;
  /** The worker thread to integrate on, with a connection of its own to the store at `location`. */
  private readonly integration: { location: string; workerUrl: URL } | undefined;
  private worker: { thread: Worker; call(message: { close?: true }): Promise<number> } | undefined;
  private readonly witnesses: Array<WitnessStatus & { verifier: NoteVerifier }>;
  /** Cosignature lines collected for the checkpoint of `size`, by witness URL. */
  private cosignatures: { size: number; lines: Map<string, string> } = { size: -1, lines: new Map() };
  private cosigning: Promise<void> | undefined;
  private lastCosigned: { size: number; note: string } | undefined;
  /** The integrated size as last read, and when: proof routes take it for up to SIZE_FRESH_MS. */
  private knownSize: { size: number; at: number } | undefined;

  /**
   * `integrateOn`: the store as `openStore` takes it (a SQLite file, a postgres:// URL) and the
   * worker entry that opens it and integrates (src/gateway/logIntegratorWorker.ts). With it,
   * integration runs on a worker thread; without (an in-memory store, tests), on this one.
   */
  constructor(store: LogStore, options: { signerKey: string; onError?: (error: unknown) => void; integrateOn?: { location: string; workerUrl: URL }; cacheProofNodes?: boolean; witnesses?: Array<{ url: string; key: string }> }) {
    // The gateway's own log is never rewound, so the nodes its proofs read can be kept (65,536 at most, about 8 MiB).
    this.log = new StoredLog(store, { cacheNodes: options.cacheProofNodes ? 65_536 : 0 });
    this.signer = parseSignerKey(options.signerKey);
    this.verifierKey = verifierKeyOf(this.signer);
    this.verifier = parseVerifierKey(this.verifierKey);
    this.evmSigner = logSignerWallet(this.signer);
    this.onError = options.onError ?? (() => undefined);
    this.integration = options.integrateOn && options.integrateOn.location !== ":memory:" ? options.integrateOn : undefined;
    this.witnesses = (options.witnesses ?? []).map((w) => {
      const verifier = parseVerifierKey(w.key);
      return { url: w.url.replace(/\/$/, ""), name: verifier.name, verifier, cosignedSize: 0, lastError: null };
    });
  }

  /**
   * The log's integrated size, read at most every SIZE_FRESH_MS unless it is below `needed` (a
   * size the caller asks about): the log only grows, so a size a moment old is a size the log
   * has, and a size beyond it is refused only after a fresh read.
   */
  async integratedSize(needed = 0): Promise<number> {
    const now = performance.now();
    if (this.knownSize && now - this.knownSize.at < SIZE_FRESH_MS && this.knownSize.size >= needed) return this.knownSize.size;
    const size = await this.log.size();
    this.knownSize = { size, at: now };
    return size;
  }

  /** The integrator's worker thread, started on first use. */
  private integrator() {
    if (this.worker || !this.integration) return this.worker;
    const thread = new Worker(this.integration.workerUrl, { workerData: { location: this.integration.location } });
    thread.unref();
    const pending = new Map<number, { resolve(size: number): void; reject(error: Error): void }>();
    let next = 0;
    thread.on("message", ({ id, size, error }: { id: number; size?: number; error?: string }) => {
      const call = pending.get(id)!;
      pending.delete(id);
      if (error === undefined) call.resolve(size!);
      else call.reject(new Error(error));
    });
    thread.on("error", (error) => {
      for (const call of pending.values()) call.reject(error);
      pending.clear();
      this.worker = undefined; // the next integration starts a new one
    });
    this.worker = {
      thread,
      call: (message) =>
        new Promise((resolve, reject) => {
          const id = next++;
          pending.set(id, { resolve, reject });
          thread.postMessage({ id, ...message });
        }),
    };
    return this.worker;
  }

  /** Follows the ledger until stop(). */
  start(intervalMs = INTEGRATE_INTERVAL_MS): void {
    this.timer ??= setInterval(() => this.nudge(), intervalMs);
    this.timer.unref();
    this.nudge();
  }

  /** The ledger appended up to `head`: integrates at once when INTEGRATE_BATCH entries wait (else the interval does). */
  appended(head: number): void {
    if (head - this.integrated >= INTEGRATE_BATCH) this.nudge();
  }

  /** Integrates on the next turn of the event loop (nudges meanwhile join it). */
  nudge(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.integrate().catch(this.onError);
    });
    this.pending.unref();
  }

  /** Brings the log up to the ledger's head; one run at a time in this process. Then asks the witnesses to cosign. */
  integrate(): Promise<number> {
    const worker = this.integrator();
    this.running ??= (worker ? worker.call({}) : this.log.integrate()).finally(() => (this.running = undefined));
    void this.running.then((size) => {
      this.integrated = Math.max(this.integrated, size);
      // A witness that has not cosigned the latest size (behind, or refusing) is asked again at every integration.
      if (size > 0 && this.witnesses.some((w) => w.cosignedSize < size || this.cosignatures.size < size) && !this.cosigning) {
        this.cosigning = this.cosignLatest()
          .catch(this.onError)
          .finally(() => (this.cosigning = undefined));
      }
    }, () => undefined);
    return this.running;
  }

  /**
   * Asks every witness to cosign the latest checkpoint (C2SP tlog-witness `add-checkpoint`,
   * from the last size it cosigned, with the consistency proof), keeps the cosignatures that
   * verify with its key, and says in `witnessStatus()` which witnesses are behind or refusing.
   */
  async cosignLatest(): Promise<void> {
    const checkpoint = await this.checkpoint();
    const lines = this.cosignatures.size === checkpoint.size ? this.cosignatures.lines : new Map<string, string>();
    await Promise.all(
      this.witnesses.map(async (witness) => {
        if (lines.has(witness.url)) return;
        try {
          for (let attempt = 0; attempt < 2; attempt++) {
            const old = witness.cosignedSize;
            if (old > checkpoint.size) throw new Error(`it cosigned size ${old}, beyond this log's ${checkpoint.size}`);
            const proof = old > 0 && old < checkpoint.size ? await this.log.consistencyProof(old, checkpoint.size) : [];
            const body = `old ${old}\n${proof.map((h) => toBase64(hex32ToBytes(h)) + "\n").join("")}\n${checkpoint.note}`;
            const response = await fetch(`${witness.url}/add-checkpoint`, { method: "POST", headers: { "content-type": "text/plain" }, body, signal: AbortSignal.timeout(WITNESS_TIMEOUT_MS) });
            const answer = await response.text();
            if (response.status === 409 && response.headers.get("content-type")?.startsWith("text/x.tlog.size")) {
              witness.cosignedSize = Number(answer.trim()); // its last cosigned size: ask again from there
              continue;
            }
            if (response.status !== 200) throw new Error(`${response.status} ${answer.trim().slice(0, 300)}`);
            openCosigned(checkpoint.note + answer, this.verifier, [witness.verifier], 1);
            lines.set(witness.url, answer);
            witness.cosignedSize = checkpoint.size;
            witness.lastError = null;
            return;
          }
          throw new Error("its last cosigned size kept changing");
        } catch (error) {
          witness.lastError = (error as Error).message;
        }
      }),
    );
    if (checkpoint.size >= this.cosignatures.size) this.cosignatures = { size: checkpoint.size, lines };
  }

  /** The latest checkpoint with the witnesses' cosignatures collected for it (none if they have not cosigned it). */
  async cosignedCheckpoint(): Promise<string> {
    return this.withCosignatures(await this.checkpoint());
  }

  /** The latest checkpoint with cosignatures, if any witness has cosigned one (its size and note). */
  latestCosigned(): { size: number; note: string } | undefined {
    const latest = this.latest;
    if (!latest || this.cosignatures.size !== latest.size || this.cosignatures.lines.size === 0) return this.lastCosigned;
    this.lastCosigned = { size: latest.size, note: this.withCosignatures(latest) };
    return this.lastCosigned;
  }

  /** The checkpoint's note followed by the cosignature lines collected for its size. */
  private withCosignatures(checkpoint: SignedCheckpoint): string {
    return checkpoint.note + (this.cosignatures.size === checkpoint.size ? [...this.cosignatures.lines.values()].join("") : "");
  }

  /** Each configured witness: what it last cosigned, how far behind the latest checkpoint, and why it refused. */
  witnessStatus(): Array<WitnessStatus & { behind: number }> {
    const size = this.latest?.size ?? 0;
    return this.witnesses.map(({ url, name, cosignedSize, lastError }) => ({ url, name, cosignedSize, behind: Math.max(0, size - cosignedSize), lastError }));
  }

  /**
   * The signed checkpoint at the integrated size (signed once per size): the log key's Ed25519
   * signature and the log signer's EIP-712 one, so a split view is evidence KPPEAnchor acts on.
   */
  async checkpoint(): Promise<SignedCheckpoint> {
    const size = await this.log.size();
    if (this.latest?.size === size) return this.latest;
    const root = await this.log.root(size);
    this.latest = { size, root, note: addLogSignature(signCheckpoint(size, root, this.signer), this.evmSigner) };
    return this.latest;
  }

  /** Signs the checkpoint (`size`, `root`): for receipts, whose batch's root the caller has from the chain. */
  readonly sign = (size: number, root: string): string => signCheckpoint(size, root, this.signer);

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.pending);
    this.timer = this.pending = undefined;
    await this.running?.catch(() => undefined);
    await this.cosigning;
    if (this.worker) {
      await this.worker.call({ close: true }).catch(() => undefined);
      await this.worker.thread.terminate();
      this.worker = undefined;
    }
  }
}

/** A throwaway log key for a local run: checkpoints it signs verify only with the key printed at start. */
export function ephemeralLogKey(): string {
  return generateSignerKey(`kppe.local/ephemeral-${Math.random().toString(16).slice(2, 10)}`);
}
