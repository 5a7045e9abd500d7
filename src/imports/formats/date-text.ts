/**
 * Date-times as people's files carry them: `21.10.2026 14:03`,
 * `10/21/2026 2:03 PM`, a spreadsheet's real date cell. Formats are date-fns
 * format strings (`dd.MM.yyyy HH:mm`), tried all of them: a text two formats
 * read differently (`03/04/2026` as `dd/MM/yyyy` and `MM/dd/yyyy`) is an
 * error naming both readings, never a guess. ISO 8601 (with a zone, or
 * `YYYY-MM-DD[ HH:MM[:SS]]`) is always read as well.
 *
 * date-fns parses into a zone-less wall clock (UTCDate: no daylight-saving
 * gap of the machine's own zone can shift it); the wall clock is then read
 * in the configured zone by `wallClockToInstant` (@date-fns/tz). A format
 * with an offset token (`XXX`, `xx`, `O`) gives the instant itself.
 */
import { UTCDate } from '@date-fns/utc';
import { format as formatDate } from 'date-fns/format';
import { parse } from 'date-fns/parse';
import { type Instant, instantToWallClock, parseDateTime, TimeFormatError, wallClockToInstant } from '../../shared/time.js';

export interface DateFormatOptions {
  /** date-fns format strings; empty: ISO 8601 and `YYYY-MM-DD HH:MM:SS` only. */
  dateFormats: readonly string[];
  /** Zone of date-times that carry no offset. */
  timezone: string;
}

const inUtc = (value: Date | number | string): UTCDate => new UTCDate(value);

/** True when the format has an offset token outside quoted text (`'T'`). */
function carriesOffset(format: string): boolean {
  return /[XxO]/.test(format.replace(/'[^']*'/g, ''));
}

interface Reading {
  /** `ISO 8601` or the format string. */
  by: string;
  instant: Instant;
  /** The wall clock read, for messages: `2026-04-03 00:00`. */
  shown: string;
}

const CACHE_LIMIT = 50_000;

export class DateTextReader {
  readonly #formats: readonly { text: string; offset: boolean }[];
  readonly #zone: string;
  /** Exports repeat date-times (minutes, days): each distinct text is parsed once. */
  readonly #cache = new Map<string, Instant | string>();

  constructor(options: DateFormatOptions) {
    this.#formats = options.dateFormats.map((text) => ({ text, offset: carriesOffset(text) }));
    this.#zone = options.timezone;
  }

  /** The instant of a date-time cell. Throws `TimeFormatError` saying what was expected (or both readings). */
  read(text: string): Instant {
    const trimmed = text.trim();
    if (this.#formats.length === 0) return parseDateTime(trimmed, this.#zone);
    let known = this.#cache.get(trimmed);
    if (known === undefined) {
      known = this.#readUncached(trimmed);
      if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
      this.#cache.set(trimmed, known);
    }
    if (typeof known === 'string') throw new TimeFormatError(known);
    return known;
  }

  /** A spreadsheet date cell: exceljs gives its wall clock as a UTC Date; it is read in the zone. */
  readWallClock(date: Date): Instant {
    return wallClockToInstant(wallClockOf(date), this.#zone);
  }

  #readUncached(text: string): Instant | string {
    const readings: Reading[] = [];
    try {
      const instant = parseDateTime(text, this.#zone);
      readings.push({ by: 'ISO 8601', instant, shown: text });
    } catch {
      // Not ISO 8601: the formats may read it.
    }
    for (const format of this.#formats) {
      const parsed = parse(text, format.text, 0, { in: inUtc });
      const time = parsed.getTime();
      if (Number.isNaN(time)) continue;
      const instant = format.offset ? time : wallClockToInstant(wallClockOf(parsed), this.#zone);
      readings.push({ by: format.text, instant, shown: formatDate(parsed, 'yyyy-MM-dd HH:mm:ss') });
    }
    const first = readings[0];
    if (!first) {
      return `"${text}" matches none of the date formats ${this.#formats.map((f) => `"${f.text}"`).join(', ')} (nor ISO 8601)`;
    }
    const other = readings.find((r) => r.instant !== first.instant);
    if (other) {
      return `"${text}" is ambiguous: "${first.by}" reads ${first.shown}, "${other.by}" reads ${other.shown}; keep one of these dateFormats`;
    }
    return first.instant;
  }
}

/** The fields of a zone-less wall clock held as a UTC date (date-fns' UTCDate, exceljs' date cells). */
function wallClockOf(date: Date) {
  return instantToWallClock(date.getTime(), 'UTC');
}

const SAMPLE = new UTCDate(2026, 9, 21, 14, 3, 5);

/**
 * Why a configured date format cannot read files (null when it can): it must
 * be a date-fns format that reads back what it writes, with a year, month
 * and day (a missing year would silently become 1970).
 */
export function dateFormatProblem(format: string): string | null {
  let read: Date;
  try {
    read = parse(formatDate(SAMPLE, format), format, 0, { in: inUtc });
  } catch (error) {
    return `is not a date-fns format (${(error as Error).message})`;
  }
  if (Number.isNaN(read.getTime())) return 'is a date-fns format that cannot be read back';
  if (read.getUTCFullYear() !== 2026 || read.getUTCMonth() !== 9 || read.getUTCDate() !== 21) {
    return 'must contain a year, a month and a day, e.g. "dd.MM.yyyy HH:mm"';
  }
  return null;
}
