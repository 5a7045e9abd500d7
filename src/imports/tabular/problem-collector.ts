import { InputError, type InputProblem } from '../../shared/errors.js';

/**
 * Collects row-numbered problems while a file streams by: keeps the first
 * `keep` for the message and counts the rest, so a file with a million bad
 * rows does not hold a million messages in memory.
 */
export class ProblemCollector {
  readonly #keep: number;
  readonly #kept: InputProblem[] = [];
  #count = 0;

  constructor(keep = 20) {
    this.#keep = keep;
  }

  add(problem: InputProblem): void {
    this.#count += 1;
    if (this.#kept.length < this.#keep) this.#kept.push(problem);
  }

  /** Counts `count` more problems that come after the ones listed (see `record-reader.ts`: at most the first are listed). */
  addUnlisted(count: number): void {
    this.#count += count;
  }

  get count(): number {
    return this.#count;
  }

  get hasProblems(): boolean {
    return this.#count > 0;
  }

  /** Throws the `InputError` listing the first problems and the total, if there are any. */
  throwIfAny(file: string): void {
    if (this.#count > 0) throw new InputError(file, this.#kept, { total: this.#count, shown: this.#keep });
  }
}
