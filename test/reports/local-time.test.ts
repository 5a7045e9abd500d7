import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { excelSerialOfDay, LocalTime } from '../../src/reports/local-time.js';
import { formatLocalDateTime } from '../../src/shared/time.js';

const zones = ['UTC', 'Europe/Bucharest', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns'];
// Milliseconds from 2000 to 2100.
const instants = fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 });

describe('local time for report cells', () => {
  it('agrees with the zone rules for any instant (cached offsets included)', () => {
    for (const zone of zones) {
      const time = new LocalTime(zone);
      fc.assert(
        fc.property(instants, (instant) => {
          const plain = formatLocalDateTime(instant, zone);
          expect(time.plain(instant)).toBe(plain);
          const iso = time.iso(instant);
          expect(iso.slice(0, 19).replace('T', ' ')).toBe(plain);
          expect(Date.parse(iso)).toBe(instant);
          expect(time.day(instant)).toBe(plain.slice(0, 10));
        }),
        { numRuns: 300 },
      );
    }
  });

  it('walks through a daylight-saving change hour by hour', () => {
    const time = new LocalTime('Europe/Bucharest');
    // 2026-10-25: 04:00 EEST becomes 03:00 EET; 03:30 happens twice.
    const first = Date.parse('2026-10-25T00:30:00Z');
    const second = Date.parse('2026-10-25T01:30:00Z');
    expect(time.iso(first)).toBe('2026-10-25T03:30:00+03:00');
    expect(time.iso(second)).toBe('2026-10-25T03:30:00+02:00');
    expect(time.plain(first)).toBe(time.plain(second));
    expect(time.iso(Date.parse('2026-10-31T23:30:00.250Z'))).toBe('2026-11-01T01:30:00.250+02:00');
  });

  it('gives spreadsheet serials of the local wall clock', () => {
    const time = new LocalTime('Europe/Bucharest');
    // 2026-11-01 01:30 local.
    expect(time.excelSerial(Date.parse('2026-10-31T23:30:00Z'))).toBeCloseTo(46_327 + 1.5 / 24, 9);
    expect(excelSerialOfDay('2026-11-01')).toBe(46_327);
    expect(excelSerialOfDay('1970-01-01')).toBe(25_569);
  });
});
