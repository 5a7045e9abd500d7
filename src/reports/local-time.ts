/**
 * Fast instant → local wall-clock conversion for report cells. A report of a
 * million payouts converts a million instants; asking the zone rules for each
 * one is the slow part, and the offset only changes a few times a year. So
 * offsets are cached per UTC hour, and an hour is cached only when its offset
 * is the same at both ends (the hour of a daylight-saving change, or of any
 * odd historical change, is resolved instant by instant).
 */
import { tzOffset } from '@date-fns/tz';
import type { Instant } from '../shared/time.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 86_400_000;
/** Days from Excel's epoch (1899-12-30) to 1970-01-01. */
const EXCEL_EPOCH_OFFSET_DAYS = 25_569;

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

export class LocalTime {
  readonly zone: string;
  readonly #offsets = new Map<number, number>();
  readonly #offsetText = new Map<number, string>();
  #day = Number.NaN;
  #dayText = '';

  constructor(zone: string) {
    this.zone = zone;
  }

  /** Offset of the zone from UTC at `instant`, in milliseconds. */
  offsetMs(instant: Instant): number {
    const hour = Math.floor(instant / HOUR);
    const cached = this.#offsets.get(hour);
    if (cached !== undefined) return cached;
    const start = this.#rawOffset(hour * HOUR);
    const end = this.#rawOffset(hour * HOUR + HOUR - 1);
    if (start === end) {
      if (this.#offsets.size > 100_000) this.#offsets.clear();
      this.#offsets.set(hour, start);
      return start;
    }
    return this.#rawOffset(instant);
  }

  #rawOffset(instant: Instant): number {
    return Math.round(tzOffset(this.zone, new Date(instant)) * MINUTE);
  }

  /** The wall clock in the zone, as milliseconds since 1970 of a UTC clock showing the same time. */
  wallClockMs(instant: Instant): number {
    return instant + this.offsetMs(instant);
  }

  /**
   * The spreadsheet serial of the local wall-clock time (days since
   * 1899-12-30, fraction = time of day). Spreadsheets have no zones: the
   * cell shows exactly this local time, and the header names the zone.
   */
  excelSerial(instant: Instant): number {
    return this.wallClockMs(instant) / DAY + EXCEL_EPOCH_OFFSET_DAYS;
  }

  /** ISO 8601 in the zone with its offset: `2026-11-01T01:30:00+02:00` (milliseconds only when not zero). */
  iso(instant: Instant): string {
    const offset = this.offsetMs(instant);
    let offsetText = this.#offsetText.get(offset);
    if (offsetText === undefined) {
      offsetText = formatOffset(offset);
      this.#offsetText.set(offset, offsetText);
    }
    return `${this.#clock(instant + offset)}${offsetText}`;
  }

  /** `YYYY-MM-DDTHH:MM:SS[.mmm]` of a wall-clock millisecond count; the date part is cached (rows come in time order). */
  #clock(wallMs: number): string {
    const day = Math.floor(wallMs / DAY);
    if (day !== this.#day) {
      this.#day = day;
      this.#dayText = new Date(day * DAY).toISOString().slice(0, 11);
    }
    let rest = wallMs - day * DAY;
    const ms = rest % 1000;
    rest = (rest - ms) / 1000;
    const seconds = rest % 60;
    rest = (rest - seconds) / 60;
    const minutes = rest % 60;
    const hours = (rest - minutes) / 60;
    const clock = `${this.#dayText}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}`;
    return ms === 0 ? clock : `${clock}.${String(ms).padStart(3, '0')}`;
  }

  /** `2026-11-01 01:30:00` in the zone. */
  plain(instant: Instant): string {
    const text = new Date(this.wallClockMs(instant)).toISOString();
    return `${text.slice(0, 10)} ${text.slice(11, 19)}`;
  }

  /** The local day `YYYY-MM-DD` of an instant. */
  day(instant: Instant): string {
    return new Date(this.wallClockMs(instant)).toISOString().slice(0, 10);
  }
}

function formatOffset(offsetMs: number): string {
  if (offsetMs === 0) return 'Z';
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.abs(Math.round(offsetMs / MINUTE));
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Spreadsheet serial of a calendar day `YYYY-MM-DD` (midnight). */
export function excelSerialOfDay(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / DAY + EXCEL_EPOCH_OFFSET_DAYS;
}
