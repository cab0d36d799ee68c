import type { TaskLog } from "./taskLog.ts";

/** A 30-character bar for `fraction` (0 to 1), as both progress displays draw it on a terminal. */
export function progressBar(fraction: number): string {
  const width = 30;
  const filled = Math.round(fraction * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}

/**
 * Progress through a backlog of batches. On a terminal it redraws one bar on stderr; otherwise
 * (a log file, CI) it logs one line per batch, which a person can follow as well.
 */
export class BacklogProgress {
  private readonly log: TaskLog;
  private readonly tty: boolean;
  private readonly totalBatches: number;
  private readonly totalEvents: number;
  private readonly started = Date.now();
  private batches = 0;
  private events = 0;

  constructor(log: TaskLog, totalEvents: number, maxEventsPerBatch: number, tty = Boolean(process.stderr.isTTY)) {
    this.log = log;
    this.tty = tty;
    this.totalEvents = totalEvents;
    this.totalBatches = Math.ceil(totalEvents / maxEventsPerBatch);
    this.log("info", `Backlog: ${totalEvents.toLocaleString("en-US")} events in ${this.totalBatches} batches`);
  }

  batchDone(events: number): void {
    this.batches++;
    this.events += events;
    const fraction = Math.min(1, this.events / this.totalEvents);
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = fraction > 0 ? Math.round((elapsed / fraction) * (1 - fraction)) : 0;
    const text = `${this.batches}/${this.totalBatches} batches | ${this.events.toLocaleString("en-US")}/${this.totalEvents.toLocaleString("en-US")} events (${(fraction * 100).toFixed(0)}%) | ${Math.round(this.events / Math.max(elapsed, 0.001))} events/s | ~${eta}s left`;
    if (this.tty) {
      process.stderr.write(`\r[K-PPE] ${progressBar(fraction)} ${text}`);
      if (this.batches >= this.totalBatches) process.stderr.write("\n");
    } else {
      this.log("info", `Backlog progress: ${text}`);
    }
  }

  /** Ends the bar early (a paused or abandoned cycle) so the next line starts clean. */
  stop(): void {
    if (this.tty && this.batches < this.totalBatches) process.stderr.write("\n");
  }
}

const MiB = 1024 * 1024;

/**
 * Progress through a number of bytes. On a terminal it redraws one bar on stderr (at most ten
 * times a second); otherwise it logs a line at each tenth, which a log file can follow as well.
 */
export class ByteProgress {
  private readonly label: string;
  private readonly total: number;
  private readonly log: TaskLog;
  private readonly tty: boolean;
  private readonly started = Date.now();
  private done = 0;
  private lastDraw = 0;
  private lastTenth = 0;

  constructor(label: string, total: number, log: TaskLog, tty = Boolean(process.stderr.isTTY)) {
    this.label = label;
    this.total = total;
    this.log = log;
    this.tty = tty;
  }

  advance(bytes: number): void {
    this.done += bytes;
    const fraction = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    if (this.tty) {
      if (Date.now() - this.lastDraw < 100 && fraction < 1) return;
      this.lastDraw = Date.now();
      process.stderr.write(`\r${this.label} ${progressBar(fraction)} ${this.text(fraction)}`);
    } else if (Math.floor(fraction * 10) > this.lastTenth) {
      this.lastTenth = Math.floor(fraction * 10);
      this.log("info", `${this.label}: ${this.text(fraction)}`);
    }
  }

  /** Ends the bar so the next line starts clean. */
  finish(): void {
    if (this.tty) process.stderr.write("\n");
  }

  private text(fraction: number): string {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    return `${(this.done / MiB).toFixed(1)}/${(this.total / MiB).toFixed(1)} MiB (${(fraction * 100).toFixed(0)}%) | ${(this.done / MiB / seconds).toFixed(1)} MiB/s`;
  }
}
