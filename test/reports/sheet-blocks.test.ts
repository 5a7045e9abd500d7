import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describePeriodWords, packTitle, resolveReportPeriod } from '../../src/reports/report-period.js';
import { type BlockRow, layoutBlocks, shownChars, widthFor } from '../../src/reports/sections/sheet-blocks.js';

describe('Summary blocks laid out for reading and printing', () => {
  it('sizes each column from what its cells show, amounts and dates whole', () => {
    const layout = layoutBlocks([
      { rows: [[{ text: 'Payouts, October 2026, Europe/Bucharest', title: true }], [{ text: 'Note', bold: true }, { text: 'a long note that runs on to the right'.repeat(5), spill: true }]] },
      {
        rows: [
          [{ text: 'Currency', header: true }, { text: `Opening as of (Europe/Bucharest)`, header: true }, { text: 'Amount', header: true }],
          [{ text: 'EUR' }, { at: 0 }, { money: 153_919_285, currency: 'EUR' }],
          [{ text: 'KWD' }, null, { money: 114_844_870, currency: 'KWD' }],
        ],
      },
    ]);
    expect(shownChars({ money: 153_919_285, currency: 'EUR' })).toBe('1,539,192.85 EUR'.length);
    expect(shownChars({ money: -114_844_870, currency: 'KWD' })).toBe('-114,844.870 KWD'.length);
    expect(shownChars({ money: 987_654_321, currency: 'JPY' })).toBe('987,654,321 JPY'.length);
    const [a, b, c] = layout.widths as [number, number, number];
    expect(a).toBe(widthFor('Currency'.length * 1.1)); // bold; the title and the note spill and do not widen
    expect(b).toBe(widthFor(Math.max(19, '(Europe/Bucharest)'.length * 1.1))); // a heading wraps at spaces: its longest word counts
    expect(c).toBe(widthFor('1,539,192.85 EUR'.length));
    expect(layout.rows).toHaveLength(6); // one empty row between the blocks
    expect(layout.heights[3]).toBeGreaterThan(15); // the wrapped heading takes two lines
    expect(layout.rowBreaks).toEqual([]);
  });

  it('breaks pages only between blocks, never inside one that fits on a page', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 12 }), (sizes) => {
        const blocks = sizes.map((n, b) => ({ rows: Array.from({ length: n }, (_, i): BlockRow => [{ text: `block ${b} row ${i}` }, { int: i }]) }));
        const layout = layoutBlocks(blocks);
        const starts: number[] = [];
        let row = 0;
        for (const n of sizes) {
          starts.push(row);
          row += n + 1;
        }
        // A break after 1-based row `start` puts the block starting at 0-based `start` at the top of a page.
        for (const brk of layout.rowBreaks) expect(starts).toContain(brk);
        expect(new Set(layout.rowBreaks).size).toBe(layout.rowBreaks.length);
        if (sizes.reduce((s, n) => s + n + 1, 0) * 15 < 400) expect(layout.rowBreaks).toEqual([]);
      }),
    );
  });
});

describe('the period in words', () => {
  it.each([
    [{ month: '2026-10' }, 'October 2026'],
    [{ from: '2026-10-01', to: '2026-10-31' }, 'October 2026'],
    [{ from: '2026-10-01', to: '2026-10-15' }, '1–15 October 2026'],
    [{ from: '2026-10-05', to: '2026-10-05' }, '5 October 2026'],
    [{ from: '2026-11-01', to: '2026-12-02' }, '1 November – 2 December 2026'],
    [{ from: '2026-12-28', to: '2027-01-03' }, '28 December 2026 – 3 January 2027'],
    [{ from: '2026-10-01', to: '2026-12-31' }, 'October – December 2026'],
  ])('%j reads %s', (request, words) => {
    const period = resolveReportPeriod(request, 'Europe/Bucharest');
    expect(describePeriodWords(period)).toBe(words);
    expect(packTitle(period)).toBe(`Payouts, ${words}, Europe/Bucharest`);
  });
});
