import { KppeError } from "../errors.ts";
import type { ChainCheckpoint, EquivocationReport, LogStatement } from "../chain/anchorChain.ts";
import { logSignatureOf } from "../log/logSigner.ts";
import { openCheckpoint, type Checkpoint, type NoteVerifier } from "../log/note.ts";
import { verifyConsistency } from "../log/rfc9162.ts";

/** The most a monitor reads of one answer. */
const MAX_ANSWER_BYTES = 256 * 1024;

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
  /**
   * The same, as KPPEAnchor takes it (`reportEquivocation`, `reportAnchoredEquivocation`): present
   * when the contradiction is proven (two roots for one size, or a consistency proof that binds
   * another prefix root) and both notes carry the log signer's signature.
   */
  report?: EquivocationReport;
}

export type MonitorEvent = { type: "checked"; size: number; root: string; warnings: string[] } | { type: "alarm"; alarm: MonitorAlarm };

/** A further condition on a checkpoint before it is accepted: a reason to refuse it, or undefined. */
export type CheckpointCondition = (checkpoint: Checkpoint) => Promise<string | undefined>;

/** A checkpoint as one party showed it: the gateway, a witness, or the chain (no note, a batch id). */
interface View {
  name: string;
  /** A server holding this view's history (serves /proof/consistency over it); none for the chain. */
  url?: string;
  checkpoint: Checkpoint;
  note: string;
  batchId?: number;
}

/** How two views relate: one extends the other, they contradict (with the proof, when there is one), or no server could show either. */
type Relation = { type: "consistent" } | { type: "contradiction"; prefixRoot: string; proof: string[] } | { type: "unknown" };

/**
 * Follows a log's checkpoints as a reader would, trusting none of them: each must be signed by the
 * log key, never smaller than the last one seen, never a second root for a size, consistent with
 * the last one (RFC 9162), with what each witness cosigned, and with the latest checkpoint
 * anchored on KPPEAnchor. Anything else is a split view or a rewritten history: an alarm that
 * carries both signed statements as evidence and, when the contradiction is proven, the report
 * KPPEAnchor freezes anchoring on.
 */
export class LogMonitor {
  private readonly gatewayUrl: string;
  private readonly witnessUrls: string[];
  private readonly logKey: NoteVerifier;
  private readonly chain: CheckpointReader | undefined;
  private readonly logSigner: string | undefined;
  private readonly signal: () => AbortSignal | undefined;
  private last: View | undefined;

  /**
   * `witnesses`: storage nodes run as witnesses, whose `/checkpoint` is what they last cosigned.
   * `logSigner`: the log's on-chain signer address, to turn a proven contradiction into a report.
   * `signal`: aborts a look in progress (a storage node that stops).
   */
  constructor(options: { gatewayUrl: string; logKey: NoteVerifier; chain?: CheckpointReader; witnesses?: string[]; logSigner?: string; signal?: () => AbortSignal }) {
    this.gatewayUrl = options.gatewayUrl.replace(/\/$/, "");
    this.witnessUrls = (options.witnesses ?? []).map((url) => url.replace(/\/$/, ""));
    this.logKey = options.logKey;
    this.chain = options.chain;
    this.logSigner = options.logSigner;
    this.signal = options.signal ?? (() => undefined);
  }

  /**
   * One look: the gateway's latest checkpoint against what was seen before, what each witness
   * cosigned and what is anchored, and, when given, `condition` (a storage node's own copy). Only
   * a checkpoint that passes every check becomes the one later ones must extend. A witness that
   * cannot be read is a warning, not an alarm.
   */
  async check(condition?: CheckpointCondition): Promise<MonitorEvent> {
    const note = await this.fetchText(this.gatewayUrl, "/checkpoint");
    let checkpoint: Checkpoint;
    try {
      checkpoint = openCheckpoint(note, this.logKey);
    } catch (error) {
      return this.alarm(0, `the gateway's checkpoint does not verify with the log key: ${(error as Error).message}`, [note]);
    }
    const gateway: View = { name: "the gateway", url: this.gatewayUrl, checkpoint, note };
    const last = this.last;
    if (last) {
      const goingBack = checkpoint.size < last.checkpoint.size;
      const reason = goingBack
        ? `the log went back from size ${last.checkpoint.size} to ${checkpoint.size}`
        : checkpoint.size === last.checkpoint.size
          ? `the log key signed two roots for size ${checkpoint.size}`
          : `the checkpoint at size ${checkpoint.size} does not extend the one seen at size ${last.checkpoint.size}`;
      const problem = await this.contradiction(last, gateway, reason, { goingBack });
      if (problem) return problem;
    }
    const warnings: string[] = [];
    const views = [gateway];
    for (const url of this.witnessUrls) {
      try {
        const witnessNote = await this.fetchText(url, "/checkpoint");
        views.push({ name: `witness ${url}`, url, checkpoint: openCheckpoint(witnessNote, this.logKey), note: witnessNote });
      } catch (error) {
        warnings.push(`witness ${url}: ${(error as Error).message}`);
      }
    }
    const anchored = await this.anchoredView(checkpoint.origin);
    if (anchored) views.push(anchored);
    // Every view must be a prefix of the largest one (consistency is transitive).
    const largest = views.reduce((a, b) => (b.checkpoint.size > a.checkpoint.size ? b : a));
    for (const view of views) {
      if (view === largest) continue;
      const signed = view === anchored ? largest : view;
      const reason =
        anchored && (view === anchored || largest === anchored)
          ? `${signed.name}'s checkpoint at size ${signed.checkpoint.size} is not an extension of the log anchored on chain (size ${anchored.checkpoint.size})`
          : `split view: ${view.name} holds size ${view.checkpoint.size} with root ${view.checkpoint.root}, ${largest.name} holds size ${largest.checkpoint.size}, whose first ${view.checkpoint.size} entries differ`;
      const problem = await this.contradiction(view, largest, reason);
      if (problem) return problem;
    }
    const refused = await condition?.(checkpoint);
    if (refused) return this.alarm(checkpoint.size, refused, [note]);
    this.last = gateway;
    return { type: "checked", size: checkpoint.size, root: checkpoint.root, warnings };
  }

  /** The latest checkpoint anchored on chain, as a view with no note of its own. */
  private async anchoredView(origin: string): Promise<View | undefined> {
    if (!this.chain) return undefined;
    const batchId = await this.chain.latestBatchId();
    const anchored = batchId > 0 ? await this.chain.getCheckpoint(batchId) : undefined;
    if (!anchored || anchored.logSize === 0) return undefined;
    const root = anchored.logRoot.toLowerCase();
    return { name: "the chain", checkpoint: { origin, size: anchored.logSize, root, extensions: [] }, note: `anchored on chain: batch ${batchId}, log size ${anchored.logSize}, log root ${root}`, batchId };
  }

  /**
   * An alarm when `a` and `b` cannot both be true (or, with `goingBack`, whenever the log
   * shrank), carrying the report for KPPEAnchor when the contradiction is proven; else undefined.
   */
  private async contradiction(a: View, b: View, reason: string, options: { goingBack?: boolean } = {}): Promise<MonitorEvent | undefined> {
    const [smaller, larger] = a.checkpoint.size <= b.checkpoint.size ? [a, b] : [b, a];
    const relation = await this.relate(smaller, larger);
    if (relation.type === "consistent" && !options.goingBack) return undefined;
    const event = this.alarm(b.checkpoint.size, reason, [a.note, b.note]);
    if (relation.type === "contradiction") event.alarm.report = this.report(smaller, larger, relation);
    return event;
  }

  /** Whether `larger`'s log extends `smaller`'s: asked of every server that may hold `larger`'s history, its own first. */
  private async relate(smaller: View, larger: View): Promise<Relation> {
    const [s, l] = [smaller.checkpoint, larger.checkpoint];
    if (s.size === l.size) return s.root === l.root ? { type: "consistent" } : { type: "contradiction", prefixRoot: l.root, proof: [] };
    const servers = [...new Set([larger.url, this.gatewayUrl, ...this.witnessUrls].filter((u): u is string => !!u))];
    for (const url of servers) {
      const answer = await this.fetchJson(url, `/proof/consistency?from=${s.size}&to=${l.size}`);
      const { root1, root2, proof } = answer as { root1?: unknown; root2?: unknown; proof?: unknown };
      if (typeof root1 !== "string" || root2 !== l.root || !Array.isArray(proof) || !proof.every((h) => typeof h === "string")) continue;
      let binds = false;
      try {
        binds = verifyConsistency({ size1: s.size, size2: l.size, root1, root2: l.root, proof });
      } catch {
        // malformed: this server shows nothing
      }
      if (!binds) continue;
      return root1.toLowerCase() === s.root ? { type: "consistent" } : { type: "contradiction", prefixRoot: root1.toLowerCase(), proof };
    }
    return { type: "unknown" };
  }

  /** The proven contradiction as KPPEAnchor takes it, when both sides are signed by the log signer (or anchored). */
  private report(smaller: View, larger: View, relation: Extract<Relation, { type: "contradiction" }>): EquivocationReport | undefined {
    if (!this.logSigner) return undefined;
    const statement = (view: View): LogStatement | undefined => {
      const signature = logSignatureOf(view.note, this.logSigner!);
      return signature ? { size: view.checkpoint.size, root: view.checkpoint.root, signature } : undefined;
    };
    const { prefixRoot, proof } = relation;
    if (smaller.batchId !== undefined || larger.batchId !== undefined) {
      const [anchored, other] = smaller.batchId !== undefined ? [smaller, larger] : [larger, smaller];
      const signed = statement(other);
      return signed && { batchId: anchored.batchId!, signed, prefixRoot, proof };
    }
    const [older, newer] = [statement(smaller), statement(larger)];
    return older && newer && { older, newer, prefixRoot, proof };
  }

  private alarm(size: number, reason: string, evidence: string[]): Extract<MonitorEvent, { type: "alarm" }> {
    return { type: "alarm", alarm: { size, reason, evidence } };
  }

  private async fetchJson(base: string, path: string): Promise<unknown> {
    try {
      return JSON.parse(await this.fetchText(base, path));
    } catch {
      return {};
    }
  }

  /** `base + path` as text, within 10 s and MAX_ANSWER_BYTES (a proof or a note is a few KiB). */
  private async fetchText(base: string, path: string): Promise<string> {
    const abort = this.signal();
    const response = await fetch(base + path, { signal: abort ? AbortSignal.any([abort, AbortSignal.timeout(10_000)]) : AbortSignal.timeout(10_000) });
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of (response.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > MAX_ANSWER_BYTES) {
        await response.body?.cancel();
        throw new KppeError("ANSWER_TOO_LARGE", `${base}${path} answered more than ${MAX_ANSWER_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    if (!response.ok) throw new KppeError("GATEWAY_ERROR", `${base}${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return text;
  }
}
