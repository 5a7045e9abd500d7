/**
 * A progress line for long commands, redrawn in place on a terminal's
 * stderr at most a few times a second, and cleared at the end. Off when
 * stderr is not a terminal (logs and pipes get no carriage returns).
 */
import type { CliIo } from './context.js';

export class ProgressLine {
  readonly #io: CliIo;
  readonly #enabled: boolean;
  readonly #intervalMs: number;
  #lastDrawn = 0;
  #width = 0;

  constructor(io: CliIo, options: { enabled?: boolean; intervalMs?: number } = {}) {
    this.#io = io;
    this.#enabled = options.enabled ?? Boolean(io.stderrIsTty);
    this.#intervalMs = options.intervalMs ?? 250;
  }

  /** Redraws the line unless it was drawn less than the interval ago. */
  update(text: () => string, now = performance.now()): void {
    if (!this.#enabled || now - this.#lastDrawn < this.#intervalMs) return;
    this.#lastDrawn = now;
    const line = text();
    this.#io.stderr(`\r${line.padEnd(this.#width)}`);
    this.#width = line.length;
  }

  /** Removes the line (before the result or an error is printed). */
  clear(): void {
    if (!this.#enabled || this.#width === 0) return;
    this.#io.stderr(`\r${' '.repeat(this.#width)}\r`);
    this.#width = 0;
  }
}
