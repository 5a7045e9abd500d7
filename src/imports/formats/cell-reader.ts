/**
 * Reads the amount and date-time cells of an import in the source's
 * configured formats: a spreadsheet's real number or date cell as such, a
 * text cell by the separators and date formats.
 */
import { MoneyFormatError } from '../../shared/money.js';
import { type Instant, TimeFormatError } from '../../shared/time.js';
import { type AmountFormat, amountOfNumber, parseAmountText } from './amount-text.js';
import { DateTextReader } from './date-text.js';

/** A source's format keys (`internalRecords`, `topups`, `smartglocal.report`). */
export interface FileFormats extends AmountFormat {
  dateFormats: readonly string[];
}

/** Files as this program writes them: `1234.56`, ISO 8601. */
export const PLAIN_FORMATS: FileFormats = { thousandsSeparator: 'none', decimalSeparator: '.', dateFormats: [] };

/** A cell: its text, and its typed value when the file had one (XLSX numbers and dates). */
export type TypedCell = number | Date | undefined;

export class CellReader {
  readonly #amounts: AmountFormat;
  readonly #dates: DateTextReader;

  constructor(formats: FileFormats, timezone: string) {
    this.#amounts = { thousandsSeparator: formats.thousandsSeparator, decimalSeparator: formats.decimalSeparator };
    this.#dates = new DateTextReader({ dateFormats: formats.dateFormats, timezone });
  }

  get amountFormat(): AmountFormat {
    return this.#amounts;
  }

  /** Minor units of an amount cell. Throws `MoneyFormatError`. */
  amount(text: string, typed: TypedCell, currency: string): number {
    if (typeof typed === 'number') return amountOfNumber(typed, currency);
    if (typed instanceof Date) throw new MoneyFormatError(`"${text}" is a date, not an amount`);
    return parseAmountText(text, currency, this.#amounts);
  }

  /** The instant of a date-time cell. Throws `TimeFormatError`. */
  instant(text: string, typed: TypedCell): Instant {
    if (typed instanceof Date) {
      if (Number.isNaN(typed.getTime())) throw new TimeFormatError(`"${text}" is not a valid date`);
      return this.#dates.readWallClock(typed);
    }
    return this.#dates.read(text);
  }
}
