import { randomInt } from "node:crypto";
import type { LedgerEntry } from "../ledger/types.ts";
import { AppendConflict, type EventIdsLoaded } from "../ledger/storePort.ts";

/**
 * Event ids are indexed by `(fifo_sequence >> EPOCH_BITS, event_id)`, not by `event_id` alone: a
 * new entry's key lands in the current epoch's few hundred index pages, whatever its event id,
 * where a plain unique index on random ids (UUIDv4) writes a random page of the whole index per
 * event (docs/ledger.md, "Event ids"). The price is a lookup that seeks once per epoch (611 at ten
 * million entries), so writers first ask an in-memory filter (EventIdFilter), which answers "not
 * taken" for almost every new id without a query. Changing this constant needs a new index.
 */
export const EPOCH_BITS = 14;

/**
 * What a saved filter covers: the event id of every entry through `covered`, on the chain whose
 * entry `covered` has `coveredHash` as its event_hash (the hash commits to every entry before
 * it, so entries replaced since, by a storage node's discardAfter, are noticed).
 */
export interface SavedFilterHeader {
  covered: number;
  coveredHash: string;
}

/** A filter saved in the store, whole. */
export interface FilterSnapshot extends SavedFilterHeader {
  filter: Uint8Array;
}

/** One part of the saved filter as read back, with its save's header (the same on each part). */
export interface SavedFilterPart extends SavedFilterHeader {
  /** How many parts the save has. */
  parts: number;
  part: number;
  bytes: Uint8Array;
}

/** What the filter reads from a store (committed entries only, which never change) and where it saves itself. */
export interface EventIdStorage {
  /** The event ids of the entries with `after` < fifo_sequence <= `through`. */
  eventIdsBetween(after: number, through: number): Promise<string[]>;
  /** The entries with any of these event ids, searched through every epoch. */
  entriesWithEventIds(ids: readonly string[]): Promise<LedgerEntry[]>;
  /** event_hash of the entry at `sequence`, if there is one. */
  eventHashAt(sequence: number): Promise<string | undefined>;
  /** The saved filter's parts, in order, read in one statement (one save's, never a mix); none if there is none. */
  loadSavedFilter(): Promise<SavedFilterPart[]>;
  /** What the saved filter covers (its header, without its parts), if there is one: whether another process sharing the ledger saved lately. */
  loadSavedFilterHeader(): Promise<SavedFilterHeader | undefined>;
  /** Stores one part of save `generation` in a transaction of its own (a save's parts are not the saved filter until it commits). */
  saveFilterPart(generation: number, part: number, bytes: Uint8Array): Promise<void>;
  /**
   * In one transaction, serialized with any other: makes save `generation` the saved filter if
   * all its parts are stored, and removes every other save's parts. If some are missing (another
   * process's commit removed them), removes the rest of its own and answers false.
   */
  commitSavedFilter(save: { covered: number; coveredHash: string; generation: number; parts: number }): Promise<boolean>;
}

/** The saved filter's tables (replacing the one-row table of the first layout), with each store's column types. */
export const SAVED_FILTER_PARTS_MIGRATION = (bytes: string, time: string) =>
  `DROP TABLE event_id_filter;
   CREATE TABLE event_id_filter (
     slot SMALLINT PRIMARY KEY CHECK (slot = 1),
     covered BIGINT NOT NULL,
     covered_event_hash TEXT NOT NULL,
     generation BIGINT NOT NULL,
     parts INTEGER NOT NULL,
     saved_at ${time} NOT NULL
   );
   CREATE TABLE event_id_filter_parts (
     generation BIGINT NOT NULL,
     part INTEGER NOT NULL,
     bytes ${bytes} NOT NULL,
     PRIMARY KEY (generation, part)
   );`;

/** The saved filter's statements, the same on both stores (`?` placeholders). */
export const SAVED_FILTER_SQL = {
  load: `SELECT f.covered, f.covered_event_hash, f.parts, p.part, p.bytes FROM event_id_filter f
           JOIN event_id_filter_parts p ON p.generation = f.generation ORDER BY p.part`,
  header: "SELECT covered, covered_event_hash FROM event_id_filter WHERE slot = 1",
  savePart: "INSERT INTO event_id_filter_parts (generation, part, bytes) VALUES (?, ?, ?)",
  // commitSavedFilter, in one transaction: countParts decides between commit and dropOthers, or dropOwn.
  countParts: "SELECT count(*) AS stored FROM event_id_filter_parts WHERE generation = ?",
  dropOwn: "DELETE FROM event_id_filter_parts WHERE generation = ?",
  commit: `INSERT INTO event_id_filter (slot, covered, covered_event_hash, generation, parts, saved_at) VALUES (1, ?, ?, ?, ?, ?)
           ON CONFLICT (slot) DO UPDATE SET covered = excluded.covered, covered_event_hash = excluded.covered_event_hash,
             generation = excluded.generation, parts = excluded.parts, saved_at = excluded.saved_at`,
  dropOthers: "DELETE FROM event_id_filter_parts WHERE generation <> ?",
};

/** The saved filter's header as a store's row holds it (SAVED_FILTER_SQL.header), if there is one. */
export function savedFilterHeader(row: Record<string, unknown> | undefined): SavedFilterHeader | undefined {
  return row ? { covered: Number(row.covered), coveredHash: String(row.covered_event_hash) } : undefined;
}

/** A saved filter's parts as a store's rows hold them. */
export function savedFilterParts(rows: ReadonlyArray<Record<string, unknown>>): SavedFilterPart[] {
  return rows.map((row) => ({ ...savedFilterHeader(row)!, parts: Number(row.parts), part: Number(row.part), bytes: row.bytes as Uint8Array }));
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

  /** `bits`: a saved stage's (Stage.words long); a new stage starts with none set. */
  constructor(capacity: number, probes: number, bits?: Uint32Array) {
    this.capacity = capacity;
    this.probes = probes;
    this.blocks = Stage.words(capacity, probes) / 16;
    this.bits = bits ?? new Uint32Array(this.blocks * 16);
  }

  /** The size of a stage's bits, in 32-bit words. */
  static words(capacity: number, probes: number): number {
    return Math.ceil((capacity * probes * BITS_PER_PROBE) / 512) * 16;
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
 * The saved filter's layout, and everything that places an id's bits (hash, fmix, bitInBlock,
 * Stage's block and words): change this number with any of them, or a saved filter would answer
 * "not taken" for taken ids. Written as a float64 in the machine's byte order, so that a filter
 * saved on a machine of the other order does not read as this number and is not used.
 */
const FILTER_FORMAT = 0x4b505045_0001;
/** Most stages a saved filter may have (each doubles the one before). */
const MAX_STAGES = 40;

/**
 * The stages as bytes: a float64 header (format, stage count, then per stage its capacity, probes,
 * count and words), then each stage's words; made a part at a time, each part in a buffer of its
 * own. The whole at ten million ids is 64 MB: copied at once, it held the event loop for about 50
 * ms, and a part that was a view of it carried all of it to SQLite's writer thread (posting a view
 * clones the view's whole buffer), about 100 ms a part. The header is taken now and the bits as
 * each part is made: bits are only ever set (a discard abandons the save), so a part made later
 * holds at least the ids it held when the header was taken.
 */
function savedForm(stages: readonly Stage[]): { byteLength: number; part(start: number, end: number): Uint8Array } {
  const header = new Float64Array(2 + 4 * stages.length);
  header[0] = FILTER_FORMAT;
  header[1] = stages.length;
  stages.forEach((stage, i) => header.set([stage.capacity, stage.probes, stage.count, stage.bits.length], 2 + 4 * i));
  const pieces = [new Uint8Array(header.buffer), ...stages.map(({ bits }) => new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength))];
  const byteLength = pieces.reduce((total, piece) => total + piece.byteLength, 0);
  return {
    byteLength,
    part(start, end) {
      const bytes = new Uint8Array(Math.min(end, byteLength) - start);
      let offset = 0; // where `piece` begins in the whole
      for (const piece of pieces) {
        const from = Math.max(start, offset);
        const to = Math.min(end, offset + piece.byteLength);
        if (from < to) bytes.set(piece.subarray(from - offset, to - offset), from - start);
        offset += piece.byteLength;
      }
      return bytes;
    },
  };
}

/** The stages `savedForm` wrote, or undefined for bytes it did not write (another format, byte order or size). */
function deserialize(bytes: Uint8Array): Stage[] | undefined {
  // `bytes` starts at offset 0 of a buffer of its own (joined makes it so): the stages' words are aligned views of it.
  if (bytes.byteLength < 16) return undefined;
  const [format, count] = new Float64Array(bytes.buffer, 0, 2);
  if (format !== FILTER_FORMAT || !Number.isInteger(count) || count < 1 || count > MAX_STAGES || bytes.byteLength < 8 * (2 + 4 * count)) return undefined;
  const header = new Float64Array(bytes.buffer, 16, 4 * count);
  const stages: Stage[] = [];
  let offset = 8 * (2 + 4 * count);
  for (let i = 0; i < count; i++) {
    const [capacity, probes, added, words] = header.subarray(4 * i, 4 * i + 4);
    const valid = Number.isSafeInteger(capacity) && capacity >= 1 && Number.isInteger(probes) && probes >= 1 && probes <= 64 && Number.isInteger(added) && added >= 0 && added <= capacity;
    if (!valid || words !== Stage.words(capacity, probes) || offset + 4 * words > bytes.byteLength) return undefined;
    const stage = new Stage(capacity, probes, new Uint32Array(bytes.buffer, offset, words));
    stage.count = added;
    stages.push(stage);
    offset += 4 * words;
  }
  return offset === bytes.byteLength ? stages : undefined;
}

/** Ids of the last entries a saved filter covers, read back before it is used: a filter that misses one is not. */
const CHECKED_IDS = 256;
/** A filter is saved again once this many entries, and an eighth of the ledger, were added since its last save. */
const SAVE_EVERY = 1 << 20;
/** When the process closes, a filter is saved once this many entries were added since (fewer are read again in a blink). */
const SAVE_AT_CLOSE = 1 << 16;
/**
 * The size of the parts a filter is saved in, each in a transaction of its own: an append waits
 * for one part at most (docs/benchmarks.md, "the event id filter saved in parts"), and no part
 * nears the largest value either store holds (1 GB).
 */
const PART_BYTES = 1 << 18;
/** Longest a closing store waits for the filter to be saved. */
const CLOSE_WAIT_MS = 10_000;

/**
 * Which event ids the ledger already holds, for one writer: a Bloom filter over every committed
 * entry's event id through `covered`, and then kept up to date from each commit and, when another
 * process appended, from the entries after `covered`. A "no" is certain; a "maybe" (a taken id,
 * or under one in 1,000 new ones) is settled by the store's index.
 *
 * It starts from the filter last saved in the store, when that one still fits the ledger, and
 * reads only the ids after it; else it reads every id (seconds at ten million entries). It saves
 * itself as the ledger grows (SAVE_EVERY) and when the process closes (SAVE_AT_CLOSE).
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
  /** How the first read went; undefined before it. */
  private started: EventIdsLoaded | undefined;
  /** `covered` when the filter was last restored or saved. */
  private savedThrough = 0;
  private saving: Promise<void> | undefined;
  /** Counts discardedAfter calls: a save begun before one must not finish. */
  private discards = 0;
  /** Set once close() returned: no save goes on. */
  private closed = false;
  private readonly storage: EventIdStorage;
  private readonly saveEvery: number;
  private readonly closeWaitMs: number;
  private readonly partBytes: number;

  /** `saveEvery`, `closeWaitMs`, `partBytes`: SAVE_EVERY, CLOSE_WAIT_MS and PART_BYTES unless given (tests). */
  constructor(storage: EventIdStorage, options: { saveEvery?: number; closeWaitMs?: number; partBytes?: number } = {}) {
    this.storage = storage;
    this.saveEvery = options.saveEvery ?? SAVE_EVERY;
    this.closeWaitMs = options.closeWaitMs ?? CLOSE_WAIT_MS;
    this.partBytes = options.partBytes ?? PART_BYTES;
  }

  /** The committed entries, among those through `head`, holding any of `ids`. */
  async taken(ids: Iterable<string>, head: number): Promise<Map<string, LedgerEntry>> {
    await this.cover(head);
    const maybe = [...new Set(ids)].filter((id) => mightHold(this.stages, id));
    if (maybe.length === 0) return new Map();
    return new Map((await this.storage.entriesWithEventIds(maybe)).map((entry) => [entry.event_id, entry]));
  }

  /**
   * The committed entry holding `id`, if any: through the filter once this process has read the
   * ledger's ids (a free id then costs no index lookup), else from the index.
   */
  async find(id: string, head: () => Promise<number>): Promise<LedgerEntry | undefined> {
    if (this.covered < 0) return (await this.storage.entriesWithEventIds([id]))[0];
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
    this.saveIfGrown();
  }

  /** After the entries past `sequence` were removed: what comes after is read again. */
  discardedAfter(sequence: number): void {
    this.covered = Math.min(this.covered, sequence);
    this.savedThrough = Math.min(this.savedThrough, this.covered);
    this.discards++;
  }

  /** Reads what the filter lacks through `head`; callers at once share one read. */
  async cover(head: number): Promise<void> {
    while (this.covered < head) {
      this.catchingUp ??= this.readThrough(head).finally(() => (this.catchingUp = undefined));
      await this.catchingUp;
    }
  }

  /** Covers `head`, and waits for the save that the first read may have begun: a process's start. */
  async prepare(head: number): Promise<EventIdsLoaded> {
    await this.cover(head);
    await this.saving;
    return this.started ?? { restored: 0, read: 0 };
  }

  /**
   * Saves the filter if enough was added since its last save (SAVE_AT_CLOSE), and waits for any
   * save, for CLOSE_WAIT_MS at most: a store that does not answer must not hold a shutdown.
   */
  async close(): Promise<void> {
    const growth = Math.min(SAVE_AT_CLOSE, this.saveEvery);
    if (this.covered - this.savedThrough >= growth) this.save(growth);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.saving, new Promise((resolve) => (timer = setTimeout(resolve, this.closeWaitMs)))]);
    clearTimeout(timer);
    // A save still going writes no further part: the store closes next, and a part queued behind
    // its close would never be written (on SQLite, holding up the file's queue of writes for good).
    this.closed = true;
  }

  private async readThrough(head: number): Promise<void> {
    const first = this.covered < 0;
    if (first) await this.restoreOrStart(head);
    const from = this.covered;
    while (this.covered < head) {
      const through = Math.min(head, (Math.floor(this.covered / READ_CHUNK) + 1) * READ_CHUNK);
      for (const id of await this.storage.eventIdsBetween(this.covered, through)) this.add(id);
      this.covered = Math.max(this.covered, through);
    }
    if (first) this.started = { restored: from, read: this.covered - from };
    this.saveIfGrown();
  }

  /** The saved filter when it fits the ledger through `head`; else an empty one sized for it. */
  private async restoreOrStart(head: number): Promise<void> {
    const saved = joined(await this.storage.loadSavedFilter());
    const stages = saved && saved.covered >= 1 && saved.covered <= head ? deserialize(saved.filter) : undefined;
    if (saved && stages && (await this.fits(saved, stages))) {
      this.stages = stages;
      this.covered = this.savedThrough = saved.covered;
      return;
    }
    this.stages = [new Stage(Math.max(MIN_CAPACITY, Math.ceil(head * 1.5)), FIRST_PROBES)];
    this.covered = 0;
  }

  /**
   * Whether a saved filter fits: its last entry is still on the ledger's chain (the same
   * event_hash), and it answers "maybe" for the ids of the entries just before, which a filter of
   * another format, of fewer entries or with lost bits would not.
   */
  private async fits(saved: FilterSnapshot, stages: Stage[]): Promise<boolean> {
    if ((await this.storage.eventHashAt(saved.covered)) !== saved.coveredHash) return false;
    const recent = await this.storage.eventIdsBetween(Math.max(0, saved.covered - CHECKED_IDS), saved.covered);
    return recent.every((id) => mightHold(stages, id));
  }

  private saveIfGrown(): void {
    const growth = Math.max(this.saveEvery, this.covered / 8);
    if (this.covered - this.savedThrough >= growth) this.save(growth);
  }

  /**
   * Saves the filter in the background, part by part (PART_BYTES), unless the saved one (another
   * process's, when several share the ledger) covers all but fewer than `growth` of the entries
   * this one does. A failed save only means that the next start reads more, and its parts are
   * removed by the next save's commit.
   */
  private save(growth: number): void {
    if (this.saving || this.covered <= 0) return;
    const covered = this.covered;
    const discards = this.discards;
    this.savedThrough = covered; // a failed or skipped save is tried again once as many entries were added
    this.saving = (async () => {
      // Left as it is only when it is of this chain: after a discard it may cover entries since replaced.
      const saved = await this.storage.loadSavedFilterHeader();
      if (saved && covered - saved.covered < growth && (await this.storage.eventHashAt(saved.covered)) === saved.coveredHash) return;
      const coveredHash = await this.storage.eventHashAt(covered);
      // The filter holds every id through `covered` of the chain ending in coveredHash, unless
      // entries were discarded meanwhile; it only gains ids, so saving it as it is now is sound.
      if (coveredHash === undefined || discards !== this.discards) return;
      const form = savedForm(this.stages);
      const generation = randomInt(2 ** 47);
      const size = this.partBytes;
      const parts = Math.ceil(form.byteLength / size);
      const abandoned = () => discards !== this.discards || this.closed;
      for (let part = 0; part < parts; part++) {
        if (abandoned()) return;
        await this.storage.saveFilterPart(generation, part, form.part(part * size, (part + 1) * size));
      }
      if (!abandoned()) await this.storage.commitSavedFilter({ covered, coveredHash, generation, parts });
    })()
      .catch(() => undefined)
      .finally(() => (this.saving = undefined));
  }

  private add(id: string): void {
    let stage = this.stages[this.stages.length - 1];
    if (stage.count >= stage.capacity) this.stages.push((stage = new Stage(stage.capacity * 2, stage.probes + 1)));
    hash(id);
    stage.add(hashA, hashB);
  }
}

/**
 * The saved filter from its parts, or undefined if there is none or its parts do not add up. Its
 * bytes are one copy, at offset 0 of a buffer of its own, which deserialize uses as it is.
 */
function joined(parts: readonly SavedFilterPart[]): FilterSnapshot | undefined {
  if (parts.length === 0 || parts.length !== parts[0].parts || parts.some((p, i) => p.part !== i)) return undefined;
  const filter = new Uint8Array(parts.reduce((total, p) => total + p.bytes.byteLength, 0));
  let offset = 0;
  for (const { bytes } of parts) {
    filter.set(bytes, offset);
    offset += bytes.byteLength;
  }
  return { covered: parts[0].covered, coveredHash: parts[0].coveredHash, filter };
}

function mightHold(stages: readonly Stage[], id: string): boolean {
  hash(id);
  return stages.some((stage) => stage.has(hashA, hashB));
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
