import { describe, expect, it } from 'vitest';
import { formatHumanTime, localizeTimes, zoneAbbreviation } from '../../src/shared/human-time.js';

describe('times in human output', () => {
  const winter = Date.parse('2026-11-27T11:46:34.000Z');
  const summer = Date.parse('2026-07-01T12:00:00.000Z');

  it('shows the wall clock in the zone with its abbreviation, or its offset when it has none', () => {
    expect(formatHumanTime(winter, 'Europe/Bucharest')).toBe('2026-11-27 13:46 EET');
    expect(formatHumanTime(summer, 'Europe/Bucharest')).toBe('2026-07-01 15:00 EEST');
    expect(formatHumanTime(winter, 'America/New_York')).toBe('2026-11-27 06:46 EST');
    expect(formatHumanTime(winter, 'UTC')).toBe('2026-11-27 11:46 UTC');
    expect(formatHumanTime(winter, 'Asia/Kolkata')).toBe('2026-11-27 17:16 UTC+05:30');
    expect(zoneAbbreviation(summer, 'Europe/Berlin')).toBe('CEST');
  });

  it('rewrites the UTC instants of a stored text, and nothing else', () => {
    expect(localizeTimes('A-1 (12.00 EUR, created 2026-11-27T11:46:34.000Z) has no payout; 2026-11-27 stays', 'Europe/Bucharest')).toBe(
      'A-1 (12.00 EUR, created 2026-11-27 13:46 EET) has no payout; 2026-11-27 stays',
    );
    expect(localizeTimes('between 2026-07-01T12:00:00Z and 2026-11-27T11:46:34.000Z', 'Europe/Bucharest')).toBe(
      'between 2026-07-01 15:00 EEST and 2026-11-27 13:46 EET',
    );
  });
});
