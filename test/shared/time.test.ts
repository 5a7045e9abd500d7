import { TZDate } from '@date-fns/tz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dayRangePeriod,
  formatLocalDateTime,
  formatProviderTimestamp,
  monthPeriod,
  parseDateTime,
  parseProviderTimestamp,
  TimeFormatError,
  wallClockToInstant,
} from '../../src/shared/time.js';

const zones = fc.constantFrom('UTC', 'Europe/Bucharest', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe');
// Whole seconds between 2000 and 2100: what YYYYMMDDHHMMSS can carry.
const instants = fc.integer({ min: 946_684_800, max: 4_102_444_800 }).map((s) => s * 1000);

describe('provider timestamps', () => {
  it('round-trip YYYYMMDDHHMMSS ↔ UTC instant in any zone', () => {
    fc.assert(
      fc.property(instants, zones, (instant, zone) => {
        const text = formatProviderTimestamp(instant, zone);
        expect(text).toMatch(/^\d{14}$/);
        const back = parseProviderTimestamp(text, zone);
        // In the repeated hour of a fall-back night two instants share a wall
        // clock; both must print the same text.
        expect(formatProviderTimestamp(back, zone)).toBe(text);
        if (zone === 'UTC' || zone === 'Asia/Kolkata') expect(back).toBe(instant);
      }),
    );
  });

  it('reads zone-less provider times in the configured zone', () => {
    expect(parseProviderTimestamp('20181016133234', 'UTC')).toBe(Date.parse('2018-10-16T13:32:34Z'));
    expect(parseProviderTimestamp('20181016133234', 'Europe/Bucharest')).toBe(Date.parse('2018-10-16T10:32:34Z'));
  });

  it.each(['2018101613323', '20181332000000', '20180230120000', '2018-10-16 13:32', 'abc'])('rejects %j', (text) => {
    expect(() => parseProviderTimestamp(text, 'UTC')).toThrow(TimeFormatError);
  });
});

describe('date-times from files and the command line', () => {
  it('takes zoned ISO 8601 as is and zone-less text as wall-clock time in the zone', () => {
    expect(parseDateTime('2026-10-31T23:30:00Z', 'Europe/Bucharest')).toBe(Date.parse('2026-10-31T23:30:00Z'));
    expect(parseDateTime('2026-10-31T23:30:00+0200', 'UTC')).toBe(Date.parse('2026-10-31T21:30:00Z'));
    expect(parseDateTime('2026-10-31 23:30:00', 'Europe/Bucharest')).toBe(Date.parse('2026-10-31T21:30:00Z'));
    expect(parseDateTime('2026-07-01', 'Europe/Bucharest')).toBe(Date.parse('2026-06-30T21:00:00Z'));
    expect(parseDateTime('2026-07-01 10:00:00.250', 'UTC')).toBe(Date.parse('2026-07-01T10:00:00.250Z'));
  });

  it('round-trips local text in any zone outside the repeated hour', () => {
    fc.assert(
      fc.property(instants, zones, (instant, zone) => {
        const text = formatLocalDateTime(instant, zone);
        expect(formatLocalDateTime(parseDateTime(text, zone), zone)).toBe(text);
      }),
    );
  });

  it.each(['31/10/2026', '2026-13-01', '2026-02-30 10:00:00', 'yesterday'])('rejects %j', (text) => {
    expect(() => parseDateTime(text, 'UTC')).toThrow(TimeFormatError);
  });
});

describe('report periods', () => {
  it('cuts a month in the reporting zone: 23:30 UTC on 31 October is November in Bucharest', () => {
    const october = monthPeriod('2026-10', 'Europe/Bucharest');
    const november = monthPeriod('2026-11', 'Europe/Bucharest');
    const lateOctoberUtc = Date.parse('2026-10-31T23:30:00Z');
    expect(lateOctoberUtc >= october.to).toBe(true);
    expect(lateOctoberUtc >= november.from && lateOctoberUtc < november.to).toBe(true);
    expect(october.to).toBe(november.from);
  });

  it('includes daylight-saving days: October has one hour more, March one hour less', () => {
    const october = monthPeriod('2026-10', 'Europe/Bucharest');
    const march = monthPeriod('2026-03', 'Europe/Bucharest');
    expect((october.to - october.from) / 3_600_000).toBe(31 * 24 + 1);
    expect((march.to - march.from) / 3_600_000).toBe(31 * 24 - 1);
    const fallBackDay = dayRangePeriod('2026-10-25', '2026-10-25', 'Europe/Bucharest');
    expect((fallBackDay.to - fallBackDay.from) / 3_600_000).toBe(25);
  });

  it('consecutive months tile time with no gap and no overlap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 2090 }), fc.integer({ min: 1, max: 12 }), zones, (year, month, zone) => {
        const label = `${year}-${String(month).padStart(2, '0')}`;
        const nextLabel = month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, '0')}`;
        expect(monthPeriod(label, zone).to).toBe(monthPeriod(nextLabel, zone).from);
      }),
    );
  });

  it('rejects malformed months and backwards ranges', () => {
    expect(() => monthPeriod('2026-13', 'UTC')).toThrow(TimeFormatError);
    expect(() => monthPeriod('October', 'UTC')).toThrow(TimeFormatError);
    expect(() => dayRangePeriod('2026-10-05', '2026-10-01', 'UTC')).toThrow(TimeFormatError);
  });
});

describe('wallClockToInstant hour cache', () => {
  it('agrees with a direct zone lookup every 37 minutes through a year with transitions', () => {
    for (const zone of ['Europe/Bucharest', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata']) {
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 37 * 60_000 + 7_000) {
        const d = new Date(t);
        const w = {
          year: d.getUTCFullYear(),
          month: d.getUTCMonth() + 1,
          day: d.getUTCDate(),
          hour: d.getUTCHours(),
          minute: d.getUTCMinutes(),
          second: d.getUTCSeconds(),
          millisecond: 0,
        };
        const direct = new TZDate(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, 0, zone).getTime();
        expect(wallClockToInstant(w, zone), `${zone} ${d.toISOString()}`).toBe(direct);
      }
    }
  });
});
