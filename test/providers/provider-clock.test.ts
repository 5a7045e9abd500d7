import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProviderClock } from '../../src/providers/smart2pay/provider-clock.js';
import { formatProviderTimestamp, parseProviderTimestamp } from '../../src/shared/time.js';

const ZONES = ['UTC', 'Europe/Bucharest', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Asia/Kathmandu'];

describe('provider clock (YYYYMMDDHHMMSS in the provider zone)', () => {
  it('formats and parses exactly like the zone rules, daylight-saving changes included', () => {
    const instants = fc.integer({ min: Date.UTC(2020, 0, 1) / 1000, max: Date.UTC(2030, 0, 1) / 1000 }).map((s) => s * 1000);
    for (const zone of ZONES) {
      const clock = new ProviderClock(zone);
      fc.assert(
        fc.property(instants, (instant) => {
          const text = clock.format(instant);
          expect(text).toBe(formatProviderTimestamp(instant, zone));
          expect(clock.parse(text)).toBe(parseProviderTimestamp(text, zone));
        }),
        { numRuns: 400 },
      );
    }
  });

  it('handles the hours around a daylight-saving change (Europe/Bucharest, 2026)', () => {
    const clock = new ProviderClock('Europe/Bucharest');
    // Spring forward 29 March 2026 at 01:00 UTC (03:00 → 04:00 local); fall back 25 October at 01:00 UTC (04:00 → 03:00).
    for (let t = Date.UTC(2026, 2, 28, 22); t < Date.UTC(2026, 2, 29, 4); t += 60_000) {
      expect(clock.parse(clock.format(t))).toBe(parseProviderTimestamp(formatProviderTimestamp(t, 'Europe/Bucharest'), 'Europe/Bucharest'));
    }
    for (let t = Date.UTC(2026, 9, 24, 22); t < Date.UTC(2026, 9, 25, 4); t += 60_000) {
      expect(clock.format(t)).toBe(formatProviderTimestamp(t, 'Europe/Bucharest'));
      expect(clock.parse(clock.format(t))).toBe(parseProviderTimestamp(clock.format(t), 'Europe/Bucharest'));
    }
  });

  it('the watermark instant of a wall second is the earliest instant showing it: everything before shows an earlier wall clock', () => {
    for (const zone of ZONES) {
      const clock = new ProviderClock(zone);
      fc.assert(
        fc.property(fc.integer({ min: Date.UTC(2020, 0, 1) / 1000, max: Date.UTC(2030, 0, 1) / 1000 }), (instantSec) => {
          const wall = clock.wallSeconds(instantSec * 1000);
          const at = clock.instantOfWallSeconds(wall);
          expect(clock.wallSeconds(at)).toBeGreaterThanOrEqual(wall);
          expect(clock.wallSeconds(at - 1000)).toBeLessThan(wall);
          expect(at).toBeLessThanOrEqual(instantSec * 1000);
        }),
        { numRuns: 300 },
      );
    }
    // In the repeated hour of a fall-back the earlier pass counts.
    const bucharest = new ProviderClock('Europe/Bucharest');
    const wall = bucharest.parseWallSeconds('20261025033000');
    expect(bucharest.instantOfWallSeconds(wall)).toBe(Date.UTC(2026, 9, 25, 0, 30));
    // Far from UTC too: Lord Howe falls back half an hour at 02:00 (+11:00 → +10:30) on 5 April 2026.
    const lordHowe = new ProviderClock('Australia/Lord_Howe');
    expect(lordHowe.instantOfWallSeconds(lordHowe.parseWallSeconds('20260405013001'))).toBe(Date.UTC(2026, 3, 4, 14, 30, 1));
    const sydney = new ProviderClock('Australia/Sydney');
    expect(sydney.instantOfWallSeconds(sydney.parseWallSeconds('20260405023000'))).toBe(Date.UTC(2026, 3, 4, 15, 30));
  });

  it('refuses timestamps that are not valid date-times', () => {
    const clock = new ProviderClock('UTC');
    for (const text of ['2026013112000', '20261301000000', '20260230000000', '2026013124000a', '20260131246000']) {
      expect(() => clock.parse(text)).toThrow(/is not a (valid date and time|YYYYMMDDHHMMSS timestamp)/);
    }
    expect(clock.parse('20260131235959')).toBe(Date.UTC(2026, 0, 31, 23, 59, 59));
  });
});
