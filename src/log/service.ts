import { Worker } from "node:worker_threads";
import type { LogStore } from "./store.ts";
import { StoredLog } from "./storedLog.ts";
import { generateSignerKey, parseSignerKey, signCheckpoint, verifierKeyOf, type NoteSigner } from "./note.ts";

/** How often the log follows the ledger when nothing nudges it. */
export const INTEGRATE_INTERVAL_MS = 1_000;
/** After an append, how long integration waits for more (so a burst integrates once). */
export const INTEGRATE_DEBOUNCE_MS = 50;

export interface SignedCheckpoint {
  size: number;
  root: string;
  /** The C2SP signed note: origin, size, base64 root, and the log key's signature. */
  note: string;
}

/**
 * The log as a service runs it: integration that follows the ledger off the submit path (a
 * timer, and a nudge after appends), and checkpoints signed with the log key.
 */
export class LogService {
  readonly log: StoredLog;
  readonly signer: NoteSigner;
  /** The key verifiers are given (C2SP verifier-key encoding). */
  readonly verifierKey: string;
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private latest: SignedCheckpoint | undefined;
  private readonly onError: (error: unknown) => void;
  /** The store's location, for integrating on a worker thread with a connection of its own. */
  private readonly location: string | undefined;
  private worker: { thread: Worker; call(message: { close?: true }): Promise<number> } | undefined;

  /**
   * `location`: the store as `openStore` takes it (a SQLite file, a postgres:// URL). With it,
   * integration runs on a worker thread; without (an in-memory store, tests), on this one.
   */
  constructor(store: LogStore, options: { signerKey: string; onError?: (error: unknown) => void; location?: string }) {
    this.log = new StoredLog(store);
    this.signer = parseSignerKey(options.signerKey);
    this.verifierKey = verifierKeyOf(this.signer);
    this.onError = options.onError ?? (() => undefined);
    this.location = options.location && options.location !== ":memory:" ? options.location : undefined;
  }

  /** The integrator's worker thread, started on first use. */
  private integrator() {
    if (this.worker || !this.location) return this.worker;
    const thread = new Worker(new URL("./integratorWorker.ts", import.meta.url), { workerData: { location: this.location }, execArgv: [...process.execArgv, "--no-warnings"] });
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
    this.timer ??= setInterval(() => this.nudge(0), intervalMs);
    this.timer.unref();
    this.nudge(0);
  }

  /** Integrates soon (after `delayMs`, so a burst of appends is integrated once). */
  nudge(delayMs = INTEGRATE_DEBOUNCE_MS): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.integrate().catch(this.onError);
    }, delayMs);
    this.pending.unref();
  }

  /** Brings the log up to the ledger's head; one run at a time in this process. */
  integrate(): Promise<number> {
    const worker = this.integrator();
    this.running ??= (worker ? worker.call({}) : this.log.integrate()).finally(() => (this.running = undefined));
    return this.running;
  }

  /** The signed checkpoint at the integrated size (signed once per size). */
  async checkpoint(): Promise<SignedCheckpoint> {
    const size = await this.log.size();
    if (this.latest?.size === size) return this.latest;
    const root = await this.log.root(size);
    this.latest = { size, root, note: signCheckpoint(size, root, this.signer) };
    return this.latest;
  }

  /** Signs the checkpoint (`size`, `root`): for receipts, whose batch's root the caller has from the chain. */
  readonly sign = (size: number, root: string): string => signCheckpoint(size, root, this.signer);

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.pending);
    this.timer = this.pending = undefined;
    await this.running?.catch(() => undefined);
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
