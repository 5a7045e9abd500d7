/**
 * Times as people read them in human output: wall clock in the configured
 * zone with its abbreviation, `2026-11-27 13:46 EET` (`--json` keeps UTC
 * ISO 8601). One function for every command, so no output mixes the two.
 */
import { TZDate, tzName } from '@date-fns/tz';
import { format } from 'date-fns/format';
import type { Instant } from './time.js';

const LETTERS = /^[A-Z]{2,5}$/;
const britishNames = new Map<string, Intl.DateTimeFormat>();

/**
 * The zone's short name at an instant: a letter abbreviation where the
 * locale data has one (`EET`, `CEST`, `EST`; en-US knows the American ones,
 * en-GB the European ones), else the offset from UTC (`UTC+05:30`).
 */
export function zoneAbbreviation(instant: Instant, zone: string): string {
  const date = new Date(instant);
  const american = tzName(zone, date, 'short');
  if (LETTERS.test(american)) return american;
  let british = britishNames.get(zone);
  if (!british) {
    british = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'short' });
    britishNames.set(zone, british);
  }
  const name = british.formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? '';
  if (LETTERS.test(name)) return name;
  return `UTC${format(new TZDate(instant, zone), 'xxx')}`;
}

/** `2026-11-27 13:46 EET`: the wall clock in `zone`, to the minute, with the zone's abbreviation. */
export function formatHumanTime(instant: Instant, zone: string): string {
  return `${format(new TZDate(instant, zone), 'yyyy-MM-dd HH:mm')} ${zoneAbbreviation(instant, zone)}`;
}

const ISO_UTC = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z\b/g;

/**
 * Text stored with UTC instants in it (an exception's summary, written once
 * for every reader) with each instant shown as `formatHumanTime`.
 */
export function localizeTimes(text: string, zone: string): string {
  return text.replace(ISO_UTC, (iso) => formatHumanTime(Date.parse(iso), zone));
}
