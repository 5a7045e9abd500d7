import { describe, expect, it } from 'vitest';
import { dayBefore, monthBefore } from '../../src/daemon/production-jobs.js';

describe('report periods of scheduled report jobs', () => {
  it('a daily report at 06:30 local time covers the previous local day', () => {
    // 06:30 in Bucharest on 1 November is 04:30 UTC.
    expect(dayBefore(Date.parse('2026-11-01T04:30:00Z'), 'Europe/Bucharest')).toBe('2026-10-31');
    // 00:30 local on 1 March is still 28 February in UTC: the local day decides.
    expect(dayBefore(Date.parse('2026-02-28T22:30:00Z'), 'Europe/Bucharest')).toBe('2026-02-28');
    expect(dayBefore(Date.parse('2026-01-01T05:00:00Z'), 'UTC')).toBe('2025-12-31');
  });

  it('a monthly report on the 1st covers the previous local month, across years', () => {
    expect(monthBefore(Date.parse('2026-11-01T05:00:00Z'), 'Europe/Bucharest')).toBe('2026-10');
    expect(monthBefore(Date.parse('2026-01-01T05:00:00Z'), 'UTC')).toBe('2025-12');
    // 23:30 UTC on 31 October is already 1 November in Bucharest.
    expect(monthBefore(Date.parse('2026-10-31T23:30:00Z'), 'Europe/Bucharest')).toBe('2026-10');
    expect(monthBefore(Date.parse('2026-10-31T23:30:00Z'), 'UTC')).toBe('2026-09');
  });
});
