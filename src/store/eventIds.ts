import type { LedgerEntry } from "../ledger/types.ts";
import { AppendConflict } from "../ledger/storePort.ts";

/**
 * Event ids are indexed by `(fifo_sequence >> EPOCH_BITS, event_id)`, not by `event_id` alone: a
 * new entry's key lands in the current epoch's few hundred index pages, whatever its event id,
 * where a plain unique index on random ids (UUIDv4) writes a random page of the whole index per
 * event (docs/ledger.md, "Event ids"). The price is a lookup that seeks once per epoch (611 at ten
 * million entries), so writers first ask an in-memory filter (EventIdFilter), which answers "not
 * taken" for almost every new id without a query. Changing this constant needs a new index.
 */
export const EPOCH_BITS = 14;

/** What the filter reads from a store: committed entries only, which never change. */
export interface EventIdReads {
  /** The event ids of the entries with `after` < fifo_sequence <= `through`. */
  eventIdsBetween(after: number, through: number): Promise<string[]>;
  /** The entries with any of these event ids, searched through every epoch. */
  entriesWithEventIds(ids: readonly string[]): Promise<LedgerEntry[]>;
}

/** How many sequences one catch-up read covers (an epoch: the index serves it in order). */
const READ_CHUNK = 1 << EPOCH_BITS;
/**
 * Probes per lookup in the first stage, and bits per id per probe: about one false "maybe" in
 * 2,000 ids. Each later stage probes once more, halving its share, so that all of them together
 * stay under one in 1,000 however long the process runs.
 */
const FIRST_PROBES = 11;
const BITS_PER_PROBE = 1.8;
const MIN_CAPACITY = 1 << 16;

/**
 * One Bloom filter of a fixed capacity, blocked: an id's bits all lie in one 512-bit block (one
 * cache line), chosen by the first hash, so adding or testing it costs one memory miss instead of
 * one per probe (reading ten million ids at start took 6 s of misses). A full stage is followed by
 * one twice as large.
 */
class Stage {
  readonly capacity: number;
  readonly probes: number;
  readonly bits: Uint32Array;
  private readonly blocks: number;
  count = 0;

  constructor(capacity: number, probes: number) {
    this.capacity = capacity;
    this.probes = probes;
    this.blocks = Math.ceil((capacity * probes * BITS_PER_PROBE) / 512);
    this.bits = new Uint32Array(this.blocks * 16);
  }

  add(first: number, second: number): void {
    const block = this.block(first);
    for (let i = 0; i < this.probes; i++) {
      const bit = bitInBlock(second, i);
      this.bits[block | (bit >>> 5)] |= 1 << (bit & 31);
    }
    this.count++;
  }

  has(first: number, second: number): boolean {
    const block = this.block(first);
    for (let i = 0; i < this.probes; i++) {
      const bit = bitInBlock(second, i);
      if ((this.bits[block | (bit >>> 5)] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }

  /** The first word of the block that `first` (a 32-bit hash) picks. */
  private block(first: number): number {
    return Math.floor((first / 2 ** 32) * this.blocks) << 4;
  }
}

/**
 * The `i`th bit (0-511) of an id in its block, each mixed anew: an arithmetic progression of
 * positions (double hashing) let ids share whole sets of bits, 30 times the false "maybe"s.
 */
function bitInBlock(second: number, i: number): number {
  return fmix(second + Math.imul(i, 0x9e3779b9)) & 511;
}

/**
 * Two independent 32-bit hashes of a string's UTF-16 code units, two at a time (murmur-style
 * mixing, two seeds), left in `hashA` and `hashB`: no array per call, since a gateway hashes ten
 * million ids as it starts. Not keyed: a client who makes ids collide here gains what
 * resubmitting its own taken ids gives it anyway, one indexed lookup per id.
 */
let hashA = 0;
let hashB = 0;
function hash(id: string): void {
  let a = 0x9747b28c ^ id.length;
  let b = 0x85ebca6b;
  const pairs = id.length & ~1;
  for (let i = 0; i < pairs; i += 2) {
    const c = id.charCodeAt(i) | (id.charCodeAt(i + 1) << 16);
    a = Math.imul(a ^ c, 0x5bd1e995);
    a ^= a >>> 15;
    b = Math.imul(b ^ c, 0xcc9e2d51);
    b = (b << 13) | (b >>> 19);
  }
  if (pairs < id.length) {
    const c = id.charCodeAt(pairs);
    a = Math.imul(a ^ c, 0x5bd1e995);
    b = Math.imul(b ^ c, 0xcc9e2d51);
  }
  hashA = fmix(a);
  hashB = fmix(b);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Which event ids the ledger already holds, for one writer: a Bloom filter over every committed
 * entry's event id through `covered`, read once from the store and then kept up to date from each
 * commit and, when another process appended, from the entries after `covered`. A "no" is certain;
 * a "maybe" (a taken id, or under one in 1,000 new ones) is settled by the store's index.
 *
 * Entries through a committed head never change (a storage node's `discardAfter` aside, which
 * lowers `covered`), so a check against them needs no lock: whoever appends after them is still
 * stopped by the primary key if another writer took the same sequence numbers first.
 */
export class EventIdFilter {
  private stages: Stage[] = [];
  /** Every committed entry through this sequence is in the filter; -1 before the first read. */
  private covered = -1;
  private catchingUp: Promise<void> | undefined;
  private readonly reads: EventIdReads;

  constructor(reads: EventIdReads) {
    this.reads = reads;
  }

  /** The committed entries, among those through `head`, holding any of `ids`. */
  async taken(ids: Iterable<string>, head: number): Promise<Map<string, LedgerEntry>> {
    await this.cover(head);
    const maybe = [...new Set(ids)].filter((id) => this.mightHold(id));
    if (maybe.length === 0) return new Map();
    return new Map((await this.reads.entriesWithEventIds(maybe)).map((entry) => [entry.event_id, entry]));
  }

  /**
   * The committed entry holding `id`, if any: through the filter once this process has read the
   * ledger's ids (a free id then costs no index lookup), else from the index.
   */
  async find(id: string, head: () => Promise<number>): Promise<LedgerEntry | undefined> {
    if (this.covered < 0) return (await this.reads.entriesWithEventIds([id]))[0];
    return (await this.taken([id], await head())).get(id);
  }

  /**
   * The event ids of one write (a transaction's inserts, or one append), checked as a unique
   * index would check them: `insert` before each insert, `committed` after the commit.
   */
  write(): WriteIds {
    return new WriteIds(this);
  }

  /** After `entries` (consecutive, in order) committed. */
  committed(entries: readonly LedgerEntry[]): void {
    if (entries.length === 0 || this.covered < 0) return;
    for (const entry of entries) this.add(entry.event_id);
    if (entries[0].fifo_sequence === this.covered + 1) this.covered = entries[entries.length - 1].fifo_sequence;
  }

  /** After the entries past `sequence` were removed: what comes after is read again. */
  discardedAfter(sequence: number): void {
    this.covered = Math.min(this.covered, sequence);
  }

  /** Reads what the filter lacks through `head`; callers at once share one read. */
  async cover(head: number): Promise<void> {
    while (this.covered < head) {
      this.catchingUp ??= this.readThrough(head).finally(() => (this.catchingUp = undefined));
      await this.catchingUp;
    }
  }

  private async readThrough(head: number): Promise<void> {
    if (this.covered < 0) {
      this.stages = [new Stage(Math.max(MIN_CAPACITY, Math.ceil(head * 1.5)), FIRST_PROBES)];
      this.covered = 0;
    }
    while (this.covered < head) {
      const through = Math.min(head, (Math.floor(this.covered / READ_CHUNK) + 1) * READ_CHUNK);
      for (const id of await this.reads.eventIdsBetween(this.covered, through)) this.add(id);
      this.covered = Math.max(this.covered, through);
    }
  }

  private add(id: string): void {
    let stage = this.stages[this.stages.length - 1];
    if (stage.count >= stage.capacity) this.stages.push((stage = new Stage(stage.capacity * 2, stage.probes + 1)));
    hash(id);
    stage.add(hashA, hashB);
  }

  private mightHold(id: string): boolean {
    hash(id);
    return this.stages.some((stage) => stage.has(hashA, hashB));
  }
}

/**
 * One write's event ids. Every insert is refused (AppendConflict, nothing written) when an id is
 * taken by a committed entry or appears earlier in the same write, whoever calls it: the ledger,
 * which looks its ids up first, and a storage node copying entries, which does not.
 */
class WriteIds {
  private readonly inserted: LedgerEntry[] = [];
  private readonly ids = new Set<string>();
  private readonly filter: EventIdFilter;

  constructor(filter: EventIdFilter) {
    this.filter = filter;
  }

  /** Before inserting `entries`, consecutive, the first of the write right after a committed head. */
  async insert(entries: readonly LedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const added: string[] = [];
    for (const { event_id } of entries) {
      if (this.ids.has(event_id)) throw new AppendConflict(new Error(`event_id ${JSON.stringify(event_id)} appears twice in one write`));
      this.ids.add(event_id);
      added.push(event_id);
    }
    // Only what was committed before this write: its own earlier inserts are not (they are in `ids`).
    const head = (this.inserted[0] ?? entries[0]).fifo_sequence - 1;
    const first = (await this.filter.taken(added, head)).values().next().value;
    if (first) throw new AppendConflict(new Error(`event_id ${JSON.stringify(first.event_id)} is taken at sequence ${first.fifo_sequence}`));
    for (const entry of entries) this.inserted.push(entry);
  }

  committed(): void {
    this.filter.committed(this.inserted);
  }
}
