import { KppeError } from "../errors.ts";
import type { ChainCheckpoint } from "../chain/anchorChain.ts";
import { openCheckpoint, type Checkpoint, type NoteVerifier } from "../log/note.ts";
import { verifyConsistency } from "../log/rfc9162.ts";

/** What a monitor reads of KPPEAnchor (AnchorChain has it). */
export interface CheckpointReader {
  latestBatchId(): Promise<number>;
  getCheckpoint(batchId: number): Promise<ChainCheckpoint>;
}

export interface MonitorAlarm {
  /** The size of the checkpoint the alarm is about (0 when it could not be read). */
  size: number;
  reason: string;
  /** The two signed checkpoints (or a signed checkpoint and the anchored one) that cannot both be true. */
  evidence: string[];
}

export type MonitorEvent = { type: "checked"; size: number; root: string } | { type: "alarm"; alarm: MonitorAlarm };

/** A further condition on a checkpoint before it is accepted: a reason to refuse it, or undefined. */
export type CheckpointCondition = (checkpoint: Checkpoint) => Promise<string | undefined>;

/**
 * Follows a log's checkpoints as a reader would, trusting none of them: each must be signed by the
 * log key, never smaller than the last one seen, never a second root for a size, consistent with
 * the last one (RFC 9162, proof from the gateway), and consistent with the latest checkpoint
 * anchored on KPPEAnchor. Anything else is a split view or a rewritten history: an alarm that
 * carries both signed statements as evidence.
 */
export class LogMonitor {
  private readonly gatewayUrl: string;
  private readonly logKey: NoteVerifier;
  private readonly chain: CheckpointReader | undefined;
  private readonly signal: () => AbortSignal | undefined;
  private last: { checkpoint: Checkpoint; note: string } | undefined;

  /** `signal`: aborts a look in progress (a storage node that stops). */
  constructor(options: { gatewayUrl: string; logKey: NoteVerifier; chain?: CheckpointReader; signal?: () => AbortSignal }) {
    this.gatewayUrl = options.gatewayUrl.replace(/\/$/, "");
    this.logKey = options.logKey;
    this.chain = options.chain;
    this.signal = options.signal ?? (() => undefined);
  }

  /**
   * One look: the gateway's latest checkpoint against what was seen before and what is anchored,
   * and, when given, `condition` (a storage node's own copy). Only a checkpoint that passes every
   * check becomes the one later ones must extend.
   */
  async check(condition?: CheckpointCondition): Promise<MonitorEvent> {
    const note = await this.fetchText("/checkpoint");
    let checkpoint: Checkpoint;
    try {
      checkpoint = openCheckpoint(note, this.logKey);
    } catch (error) {
      return this.alarm(0, `the gateway's checkpoint does not verify with the log key: ${(error as Error).message}`, [note]);
    }
    const alarm = (reason: string, evidence: string[]) => this.alarm(checkpoint.size, reason, evidence);
    const last = this.last;
    if (last && checkpoint.size < last.checkpoint.size) {
      return alarm(`the log went back from size ${last.checkpoint.size} to ${checkpoint.size}`, [last.note, note]);
    }
    if (last && checkpoint.size === last.checkpoint.size && checkpoint.root !== last.checkpoint.root) {
      return alarm(`the log key signed two roots for size ${checkpoint.size}`, [last.note, note]);
    }
    if (last && checkpoint.size > last.checkpoint.size && !(await this.consistent(last.checkpoint, checkpoint))) {
      return alarm(`the checkpoint at size ${checkpoint.size} does not extend the one seen at size ${last.checkpoint.size}`, [last.note, note]);
    }
    if (this.chain) {
      const latest = await this.chain.latestBatchId();
      const anchored = latest > 0 ? await this.chain.getCheckpoint(latest) : undefined;
      if (anchored && anchored.logSize > 0) {
        const onChain = { origin: checkpoint.origin, size: anchored.logSize, root: anchored.logRoot.toLowerCase(), extensions: [] };
        const chainNote = `anchored on chain: batch ${latest}, log size ${anchored.logSize}, log root ${onChain.root}`;
        const ok =
          onChain.size <= checkpoint.size
            ? onChain.size === checkpoint.size
              ? onChain.root === checkpoint.root
              : await this.consistent(onChain, checkpoint)
            : false;
        if (!ok) return alarm(`the gateway's checkpoint at size ${checkpoint.size} is not an extension of the log anchored on chain (size ${anchored.logSize})`, [chainNote, note]);
      }
    }
    const refused = await condition?.(checkpoint);
    if (refused) return alarm(refused, [note]);
    this.last = { checkpoint, note };
    return { type: "checked", size: checkpoint.size, root: checkpoint.root };
  }

  private alarm(size: number, reason: string, evidence: string[]): MonitorEvent {
    return { type: "alarm", alarm: { size, reason, evidence } };
  }

  private async consistent(from: Checkpoint, to: Checkpoint): Promise<boolean> {
    const body = JSON.parse(await this.fetchText(`/proof/consistency?from=${from.size}&to=${to.size}`)) as { proof?: string[] };
    try {
      return verifyConsistency({ size1: from.size, size2: to.size, root1: from.root, root2: to.root, proof: body.proof ?? [] });
    } catch {
      return false;
    }
  }

  private async fetchText(path: string): Promise<string> {
    const abort = this.signal();
    const response = await fetch(this.gatewayUrl + path, { signal: abort ? AbortSignal.any([abort, AbortSignal.timeout(10_000)]) : AbortSignal.timeout(10_000) });
    const text = await response.text();
    if (!response.ok && !path.startsWith("/proof/")) throw new KppeError("GATEWAY_ERROR", `${this.gatewayUrl}${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return response.ok ? text : "{}";
  }
}
