import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXCEPTION_KINDS } from '../../src/domain/exception-kinds.js';
import { PAYOUT_STATUSES } from '../../src/domain/payout-status.js';
import { neutraliseFormula } from '../../src/reports/writers/formula-guard.js';
import { formatReasons } from '../../src/reports/rows/payout-rows.js';
import { EXCEPTION_PRIORITY, reconciliationOutcome, reportStatus } from '../../src/reports/rows/reconciliation-outcome.js';
import { columnLetters, escapeXml, fitCell, MAX_CELL_CHARS } from '../../src/reports/writers/xlsx/xlsx-xml.js';

describe('formula injection guard', () => {
  it.each(['=HYPERLINK("http://x","y")', '+1', '-1+2', '@SUM(A1)', '\t=1', '\r=1', '\n=1', '＝1'])('neutralises %j', (text) => {
    expect(neutraliseFormula(text)).toBe(`'${text}`);
  });

  it('leaves every other text alone', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const out = neutraliseFormula(text);
        if (out !== text) expect(out).toBe(`'${text}`);
        expect(out === text).toBe(!/^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/.test(text));
      }),
    );
  });
});

describe('report vocabulary', () => {
  it('ranks every exception kind exactly once', () => {
    expect([...EXCEPTION_PRIORITY].sort()).toEqual([...EXCEPTION_KINDS].sort());
  });

  it('puts every non-final status under open', () => {
    expect(PAYOUT_STATUSES.map(reportStatus)).toEqual(['open', 'open', 'open', 'succeeded', 'failed', 'cancelled', 'expired', 'open']);
    expect(reportStatus('something new')).toBe('open');
  });

  it('prefers a match, then the most important open exception, then unreconciled', () => {
    expect(reconciliationOutcome(true, ['amount_mismatch'])).toBe('matched');
    expect(reconciliationOutcome(false, ['stuck_payout', 'amount_mismatch', 'status_mismatch'])).toBe('amount_mismatch');
    expect(reconciliationOutcome(false, ['stuck_payout', 'suspected_manual_refund'])).toBe('suspected_manual_refund');
    expect(reconciliationOutcome(false, ['future_kind', 'stuck_payout'])).toBe('stuck_payout');
    expect(reconciliationOutcome(false, [])).toBe('unreconciled');
  });

  it('prints provider reasons as one line', () => {
    expect(formatReasons('[{"code":"R03","info":"No account"},{"code":"X","info":null}]')).toBe('R03: No account; X');
    expect(formatReasons('[]')).toBeNull();
    expect(formatReasons(null)).toBeNull();
    expect(formatReasons('not json')).toBe('not json');
  });
});

describe('SpreadsheetML text', () => {
  it('escapes markup and drops what XML cannot carry', () => {
    expect(escapeXml('a & b <c> "d"')).toBe('a &amp; b &lt;c&gt; &quot;d&quot;');
    expect(escapeXml('bell\u0007 tab\t')).toBe('bell tab\t');
    expect(escapeXml('lone \uD800 surrogate, pair 😀')).toBe('lone \uFFFD surrogate, pair 😀');
    expect(escapeXml('plain')).toBe('plain');
  });

  it('names columns like a spreadsheet', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(columnLetters)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA']);
  });

  it('cuts text longer than a cell holds', () => {
    expect(fitCell('x'.repeat(MAX_CELL_CHARS))).toHaveLength(MAX_CELL_CHARS);
    const cut = fitCell('x'.repeat(MAX_CELL_CHARS + 10));
    expect(cut.length).toBeLessThanOrEqual(MAX_CELL_CHARS);
    expect(cut.endsWith('(truncated)')).toBe(true);
  });
});
