/**
 * The one progress line of long commands (sync, import, reconcile, report):
 * redrawn in place on a terminal's stderr a few times a second, and cleared
 * before the result is printed. Off when stderr is not a terminal (logs and
 * pipes get no carriage returns) and with `--json`.
 */
import type { CliIo } from './context.js';

export class ProgressLine {
  readonly #io: CliIo;
  readonly #enabled: boolean;
  readonly #intervalMs: number;
  readonly #startedAt = performance.now();
  #lastDrawn = Number.NEGATIVE_INFINITY;
  #width = 0;
  #text: (() => string) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(io: CliIo, options: { enabled?: boolean; intervalMs?: number } = {}) {
    this.#io = io;
    this.#enabled = options.enabled ?? Boolean(io.stderrIsTty);
    this.#intervalMs = options.intervalMs ?? 250;
  }

  /** The progress line of a command: on a terminal's stderr, never with `--json`. */
  static of(ctx: { io: CliIo; options: { json: boolean } }): ProgressLine {
    return new ProgressLine(ctx.io, { enabled: Boolean(ctx.io.stderrIsTty) && !ctx.options.json });
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Milliseconds since the line was created (the command's work started). */
  get elapsedMs(): number {
    return performance.now() - this.#startedAt;
  }

  /**
   * Redraws the line unless it was drawn less than the interval ago. The
   * last text is redrawn on a timer too, so elapsed times and rates move
   * while one long step runs.
   */
  update(text: () => string, now = performance.now()): void {
    if (!this.#enabled) return;
    this.#text = text;
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#draw(performance.now()), this.#intervalMs);
      this.#timer.unref();
    }
    this.#draw(now);
  }

  #draw(now: number): void {
    if (!this.#text || now - this.#lastDrawn < this.#intervalMs) return;
    this.#lastDrawn = now;
    const line = this.#text();
    this.#io.stderr(`\r${line.padEnd(this.#width)}`);
    this.#width = line.length;
  }

  /** Removes the line (before the result or an error is printed). */
  clear(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#text = undefined;
    if (!this.#enabled || this.#width === 0) return;
    this.#io.stderr(`\r${' '.repeat(this.#width)}\r`);
    this.#width = 0;
  }

  /** Runs `work` with this line, clearing it however `work` ends. */
  async around<T>(work: (line: ProgressLine) => Promise<T>): Promise<T> {
    try {
      return await work(this);
    } finally {
      this.clear();
    }
  }
}

/** `1,234,567` */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `2 min 05 s`, `14 s` */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${String(seconds % 60).padStart(2, '0')} s` : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * `12,345/s` of `done` items in `elapsedMs`, and `, ETA 14 s` when the
 * total is known (and some work is done to extrapolate from).
 */
export function rateAndEta(done: number, elapsedMs: number, total?: number): string {
  const perSecond = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const rate = `${count(perSecond)}/s`;
  if (total === undefined || done <= 0 || perSecond <= 0) return rate;
  return `${rate}, ETA ${formatDuration(((Math.max(total - done, 0)) / perSecond) * 1000)}`;
}
