import { EventEmitter } from "node:events";
import { contentText } from "../hashing/contentText.ts";
import { eventHashUnchecked } from "../hashing/eventHash.ts";
import { sha256Hex } from "../hashing/hashers.ts";
import { AppendConflict, type LedgerStorePort, type LedgerTx } from "./storePort.ts";
import { LedgerError, receiptOf, type EnqueueReceipt, type LedgerEntry, type LedgerHead, type SubmittedEvent } from "./types.ts";

/** Most submissions folded into one transaction (group commit). */
export const MAX_GROUP = 1024;

interface Pending {
  events: SubmittedEvent[];
  /**
   * contentHash of each event. A submission whose first event names the head it expects (a
   * chained client) is hashed when first needed, since it may lose the race for the head and be
   * refused before; any other is hashed on arrival, while an earlier group commits.
   */
  contents: Array<string | undefined>;
  resolve(receipts: EnqueueReceipt[]): void;
  reject(error: Error): void;
  /**
   * Decide in a transaction of its own: its group failed, and it may be the one the store
   * refused; or its refusal on the fast path did not stand (see appendWithoutReading).
   */
  alone?: boolean;
}

interface Applied {
  outcomes: Array<EnqueueReceipt[] | LedgerError>;
  head: LedgerHead;
  /** For each refused submission, the index of the event it was refused at. */
  refusedAt: Map<number, number>;
}

/** Marks a submission to be decided again in the next group (its refusal did not stand). */
const DECIDE_AGAIN = Symbol("decide again");

/** What became of one submission in a group: its receipts, its refusal, or DECIDE_AGAIN. */
type Outcome = EnqueueReceipt[] | LedgerError | typeof DECIDE_AGAIN;

/** sha256 of everything the client sent for an event, as RFC 8785 JSON: equal for a retry, different for a reuse. */
export function contentHash(event: SubmittedEvent): string {
  return sha256Hex(contentText(event));
}

function contentHashOf(event: SubmittedEvent): string {
  try {
    return contentHash(event);
  } catch (error) {
    // data can hold what JSON allows but RFC 8785 does not (a lone surrogate escape).
    throw new LedgerError("ERR_BAD_FORMAT", `event ${JSON.stringify(event.event_id)}: ${(error as Error).message}`, { event_id: event.event_id });
  }
}

/**
 * The FIFO ledger's rules over a store: sequence numbers 1, 2, 3, ... with no gaps, each entry
 * linked to the head it observed, `event_hash` per DESIGN section 3, entries never edited.
 *
 * Submissions are queued and written by one writer loop: everything queued while a transaction
 * commits goes into the next one (group commit), so one fsync serves many clients. Each
 * submission is all-or-nothing on its own; a promise resolves only after its commit.
 */
export class Ledger<Store extends LedgerStorePort = LedgerStorePort> extends EventEmitter<{ appended: [LedgerHead] }> {
  private queue: Pending[] = [];
  private writing = false;
  private readonly now: () => Date;
  private readonly chargeCredits: boolean;
  private readonly othersInFlight: () => boolean;
  /**
   * The head as of this process's last commit, or undefined when unknown (at start, after a
   * failure or a conflict). With it, a group is appended without reading first (`store.append`):
   * if another process appended meanwhile, the store's uniqueness checks refuse the write and
   * the group is decided again in a locked transaction.
   */
  private knownHead: LedgerHead | undefined;
  readonly store: Store;

  /**
   * `chargeCredits`: take one credit per new entry from its source, in the append's transaction.
   * `othersInFlight`: whether other submissions are on their way (the gateway counts its open
   * submit requests); when none are, a lone submission is written at once instead of waiting a
   * turn of the event loop for company. Default: assume there may be.
   */
  constructor(store: Store, options: { now?: () => Date; chargeCredits?: boolean; othersInFlight?: () => boolean } = {}) {
    super();
    this.store = store;
    this.chargeCredits = options.chargeCredits ?? false;
    this.othersInFlight = options.othersInFlight ?? (() => true);
    this.now = options.now ?? (() => new Date());
  }

  /** Appends `events` atomically (all or none) and returns their receipts in order. */
  submit(events: SubmittedEvent[]): Promise<EnqueueReceipt[]> {
    const ids = new Set<string>();
    for (const event of events) {
      if (ids.has(event.event_id)) {
        return Promise.reject(new LedgerError("ERR_DUPLICATE_EVENT", `event_id ${JSON.stringify(event.event_id)} appears twice in one submission`, { event_id: event.event_id }));
      }
      ids.add(event.event_id);
    }
    let contents: Array<string | undefined> = [];
    if (events[0]?.previous_event_hash === null) {
      try {
        contents = events.map(contentHashOf);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ events, contents, resolve, reject });
      void this.drain();
    });
  }

  head(): Promise<LedgerHead> {
    return this.store.head();
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        // Alone: nothing else queued or on its way (the gateway knows whether other clients are active).
        const lone = this.queue.length === 1 && !this.othersInFlight();
        // Unless this submission is alone, let the event loop read every request that has
        // arrived before cutting the group, so that one commit serves them all.
        if (!lone) await new Promise((resolve) => setImmediate(resolve));
        const group = this.queue[0].alone ? this.queue.splice(0, 1) : this.queue.splice(0, this.groupSize());
        let outcomes: Outcome[];
        try {
          const applied = (await this.appendWithoutReading(group, lone)) ?? (await this.store.writeTransaction((tx) => this.apply(tx, group)));
          outcomes = applied.outcomes;
          this.knownHead = applied.head;
        } catch (cause) {
          this.knownHead = undefined;
          // Another process appended between this one's read of the head and its insert: decide again.
          if (cause instanceof AppendConflict) this.queue.unshift(...group);
          else await this.failed(group, cause);
          continue;
        }
        group.forEach((p, i) => {
          const outcome = outcomes[i];
          if (outcome === DECIDE_AGAIN) return;
          if (outcome instanceof LedgerError) p.reject(outcome);
          else p.resolve(outcome);
        });
        this.queue.unshift(...group.filter((_, i) => outcomes[i] === DECIDE_AGAIN).map((p) => ({ ...p, alone: true })));
        const last = outcomes.findLast((o): o is EnqueueReceipt[] => Array.isArray(o) && o.some((r) => !r.duplicate));
        const newest = last?.findLast((r) => !r.duplicate);
        if (newest) this.emit("appended", { fifo_sequence: newest.fifo_sequence, event_hash: newest.event_hash });
      }
    } finally {
      this.writing = false;
    }
  }

  /**
   * The fast path: the group's entries built on the known head, assuming no event id in it is
   * taken, and written with one `store.append` (one round trip, no reads). Undefined when the
   * locked path must decide: no known head, credits to charge, a conflict the store reported, or
   * a refusal that the append cannot confirm. A refusal at a submission's first event for its
   * `previous_event_hash` (a chained client that lost the race for the head) stands once other
   * entries of the group are appended, since that proves the known head was the head; unless its
   * event id is already in the ledger (a retry, owed its receipt), when it is decided again.
   */
  private async appendWithoutReading(group: Pending[], inline: boolean): Promise<{ outcomes: Outcome[]; head: LedgerHead } | undefined> {
    const known = this.knownHead;
    if (!known || this.chargeCredits) return undefined;
    const entries: LedgerEntry[] = [];
    const optimistic: LedgerTx = {
      head: async () => known,
      findByEventIds: async () => new Map(),
      insert: async (written) => void entries.push(...written),
      charge: async () => false,
    };
    const applied = await this.apply(optimistic, group);
    const refused = [...applied.refusedAt];
    const confirmable = entries.length > 0 && refused.every(([i, at]) => at === 0 && (applied.outcomes[i] as LedgerError).code === "ERR_BAD_PREV_HASH");
    if (refused.length > 0 && !confirmable) return undefined;
    if (entries.length > 0) {
      try {
        await this.store.append(entries, { inline });
      } catch (error) {
        if (!(error instanceof AppendConflict)) throw error;
        this.knownHead = undefined;
        return undefined;
      }
    }
    const outcomes: Outcome[] = applied.outcomes;
    const retries = await Promise.all(refused.map(([i]) => this.store.findByEventId(group[i].events[0].event_id)));
    refused.forEach(([i], k) => {
      if (retries[k]) outcomes[i] = DECIDE_AGAIN;
    });
    return { outcomes, head: applied.head };
  }

  /** Submissions up to the first one that must be written alone, at most MAX_GROUP. */
  private groupSize(): number {
    const alone = this.queue.findIndex((p) => p.alone);
    return Math.min(MAX_GROUP, alone === -1 ? this.queue.length : alone);
  }

  /**
   * A transaction that did not commit wrote nothing. When the store is unreachable or busy, every
   * submission in it gets ERR_FIFO_DOWN (retry later). Otherwise the store refused something in
   * it: each submission is tried again in a transaction of its own, so the one it refuses fails
   * alone, and with ERR_INTERNAL (retrying the same content fails the same way), not as temporary.
   */
  private async failed(group: Pending[], cause: unknown): Promise<void> {
    const unavailable = this.store.isUnavailable(cause) || !(await this.store.ping().then(() => true, () => false));
    if (!unavailable && group.length > 1) {
      this.queue.unshift(...group.map((p) => ({ ...p, alone: true })));
      return;
    }
    const reason = (cause as Error)?.message ?? String(cause);
    const error = unavailable
      ? new LedgerError("ERR_FIFO_DOWN", `the ledger store did not commit: ${reason}; nothing was written, retry later`)
      : new LedgerError("ERR_INTERNAL", `the ledger store refused this submission: ${reason}; nothing was written, and the same content will be refused again`);
    error.cause = cause;
    for (const p of group) p.reject(error);
  }

  /** The ledger's rules for one group inside `tx`: each submission's receipts or refusal, and the head after them. */
  private async apply(tx: LedgerTx, group: Pending[]): Promise<Applied> {
    // Both asked at once: a store with one connection answers them in order, without a wait between.
    const [headBefore, existing] = await Promise.all([tx.head(), tx.findByEventIds(group.flatMap((p) => p.events.map((e) => e.event_id)))]);
    let head = headBefore;
    const written = new Map<string, LedgerEntry>();
    const acceptedAt = this.now().toISOString();
    const outcomes: Array<EnqueueReceipt[] | LedgerError> = [];
    const refusedAt = new Map<number, number>();

    for (const pending of group) {
      const receipts: EnqueueReceipt[] = [];
      const entries: LedgerEntry[] = [];
      let running = head;
      let failure: LedgerError | undefined;
      for (const [index, event] of pending.events.entries()) {
        const earlier = existing.get(event.event_id) ?? written.get(event.event_id);
        const link = event.previous_event_hash;
        if (!earlier && link !== null && link !== running.event_hash) {
          failure = new LedgerError(
            "ERR_BAD_PREV_HASH",
            `previous_event_hash ${link} is not the current head; the head is sequence ${running.fifo_sequence} with event_hash ${running.event_hash}`,
            { head: running },
          );
          refusedAt.set(outcomes.length, index);
          break;
        }
        let content: string;
        try {
          content = pending.contents[index] ??= contentHashOf(event);
        } catch (error) {
          failure = error as LedgerError;
          refusedAt.set(outcomes.length, index);
          break;
        }
        if (earlier) {
          if (earlier.content_hash === content) {
            receipts.push(receiptOf(earlier, true));
            continue;
          }
          failure = new LedgerError(
            "ERR_DUPLICATE_EVENT",
            `event_id ${JSON.stringify(event.event_id)} is already in the ledger at sequence ${earlier.fifo_sequence} with different content; choose a new event_id`,
            { event_id: event.event_id, fifo_sequence: earlier.fifo_sequence },
          );
          refusedAt.set(outcomes.length, index);
          break;
        }
        const entry: LedgerEntry = {
          fifo_sequence: running.fifo_sequence + 1,
          version: event.version,
          event_id: event.event_id,
          payload_hash: event.payload_hash,
          source_id: event.source_id,
          local_timestamp: event.local_timestamp,
          previous_event_hash: event.previous_event_hash,
          observed_prev_hash: running.event_hash,
          event_hash: "",
          content_hash: content,
          accepted_at: acceptedAt,
          data: event.data,
        };
        entry.event_hash = eventHashUnchecked(entry);
        entries.push(entry);
        receipts.push(receiptOf(entry));
        running = { fifo_sequence: entry.fifo_sequence, event_hash: entry.event_hash };
      }
      if (!failure && this.chargeCredits) {
        failure = await this.charge(tx, entries);
        if (failure) refusedAt.set(outcomes.length, pending.events.length);
      }
      if (failure) {
        outcomes.push(failure);
        continue;
      }
      if (entries.length > 0) await tx.insert(entries);
      for (const entry of entries) written.set(entry.event_id, entry);
      head = running;
      outcomes.push(receipts);
    }
    return { outcomes, head, refusedAt };
  }

  /** Charges each source for its new entries; all or nothing for the submission. */
  private async charge(tx: LedgerTx, entries: LedgerEntry[]): Promise<LedgerError | undefined> {
    const perSource = new Map<string, number>();
    for (const entry of entries) perSource.set(entry.source_id, (perSource.get(entry.source_id) ?? 0) + 1);
    const charged: Array<[string, number]> = [];
    for (const [source, count] of perSource) {
      if (!(await tx.charge(source, count))) {
        for (const [done, n] of charged) await tx.charge(done, -n);
        return new LedgerError(
          "ERR_NO_TOKEN",
          `source ${JSON.stringify(source)} has fewer than ${count} credits left; nothing was written. Add credits with \`npx hardhat ledger:source --source-id ${source} --add-credits N\``,
          { source_id: source },
        );
      }
      charged.push([source, count]);
    }
    return undefined;
  }
}
