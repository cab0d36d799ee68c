import type { KeeperLog } from "../keeper/log.ts";
import { progressBar } from "../keeper/progress.ts";

const MiB = 1024 * 1024;

/**
 * Progress through a number of bytes. On a terminal it redraws one bar on stderr (at most ten
 * times a second); otherwise it logs a line at each tenth, which a log file can follow as well.
 */
export class ByteProgress {
  private readonly label: string;
  private readonly total: number;
  private readonly log: KeeperLog;
  private readonly tty: boolean;
  private readonly started = Date.now();
  private done = 0;
  private lastDraw = 0;
  private lastTenth = 0;

  constructor(label: string, total: number, log: KeeperLog, tty = Boolean(process.stderr.isTTY)) {
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
