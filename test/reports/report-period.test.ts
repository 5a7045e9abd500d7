import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packName, resolveReportPeriod } from '../../src/reports/report-period.js';
import { UsageError } from '../../src/shared/errors.js';

const HOUR = 3_600_000;

describe('report periods', () => {
  it('cuts a month in the reporting zone: 23:30 UTC on 31 October is November in Bucharest', () => {
    const october = resolveReportPeriod({ month: '2026-10' }, 'Europe/Bucharest');
    expect(october).toMatchObject({ label: '2026-10', firstDay: '2026-10-01', lastDay: '2026-10-31', zone: 'Europe/Bucharest' });
    expect(october.from).toBe(Date.parse('2026-09-30T21:00:00Z'));
    expect(october.to).toBe(Date.parse('2026-10-31T22:00:00Z'));
    const late = Date.parse('2026-10-31T23:30:00Z');
    expect(late >= october.to).toBe(true);
    const november = resolveReportPeriod({ month: '2026-11' }, 'Europe/Bucharest');
    expect(late >= november.from && late < november.to).toBe(true);
    expect(packName(october)).toBe('payouts-2026-10');
  });

  it('includes the daylight-saving day whole: October 2026 in Bucharest is 31 days and one hour', () => {
    const october = resolveReportPeriod({ month: '2026-10' }, 'Europe/Bucharest');
    expect(october.to - october.from).toBe(31 * 24 * HOUR + HOUR);
    const dstDay = resolveReportPeriod({ from: '2026-10-25', to: '2026-10-25' }, 'Europe/Bucharest');
    expect(dstDay.to - dstDay.from).toBe(25 * HOUR);
    expect(dstDay.label).toBe('2026-10-25');
    const spring = resolveReportPeriod({ from: '2026-03-29', to: '2026-03-29' }, 'Europe/Bucharest');
    expect(spring.to - spring.from).toBe(23 * HOUR);
  });

  it('takes --to as the last day included', () => {
    const half = resolveReportPeriod({ from: '2026-10-01', to: '2026-10-15' }, 'UTC');
    expect(half).toMatchObject({ label: '2026-10-01_2026-10-15', from: Date.parse('2026-10-01T00:00:00Z'), to: Date.parse('2026-10-16T00:00:00Z') });
    expect(packName(half)).toBe('payouts-2026-10-01_2026-10-15');
  });

  it('knows the last day of every month', () => {
    expect(resolveReportPeriod({ month: '2028-02' }, 'UTC').lastDay).toBe('2028-02-29');
    expect(resolveReportPeriod({ month: '2026-02' }, 'UTC').lastDay).toBe('2026-02-28');
    expect(resolveReportPeriod({ month: '2026-12' }, 'UTC').lastDay).toBe('2026-12-31');
  });

  it('tiles time: consecutive months share their edge, in any zone', () => {
    const zones = fc.constantFrom('UTC', 'Europe/Bucharest', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu');
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 12 }), zones, (year, month, zone) => {
        const label = `${year}-${String(month).padStart(2, '0')}`;
        const next = month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, '0')}`;
        const a = resolveReportPeriod({ month: label }, zone);
        const b = resolveReportPeriod({ month: next }, zone);
        expect(a.to).toBe(b.from);
        const days = resolveReportPeriod({ from: a.firstDay, to: a.lastDay }, zone);
        expect([days.from, days.to]).toEqual([a.from, a.to]);
      }),
    );
  });

  it.each([
    [{}, /give --month/],
    [{ month: '2026-10', from: '2026-10-01' }, /either --month or --from/],
    [{ from: '2026-10-01' }, /both --from/],
    [{ month: '2026-13' }, /not a month/],
    [{ month: '10-2026' }, /not a month/],
    [{ from: '2026-10-32', to: '2026-10-31' }, /not a valid date/],
    [{ from: '2026-10-15', to: '2026-10-01' }, /ends before it starts/],
  ])('refuses %j with a usage error', (request, message) => {
    expect(() => resolveReportPeriod(request, 'UTC')).toThrow(UsageError);
    expect(() => resolveReportPeriod(request, 'UTC')).toThrow(message);
  });
});
