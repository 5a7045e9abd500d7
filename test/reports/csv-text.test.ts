import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvText } from '../../src/reports/writers/csv/csv-text.js';

/** Fields made mostly of the characters that matter to quoting. */
const field = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', ' ', ',', '"', '\r', '\n', '\t', '=', '-', "'", 'é', '😀', '\uFEFF'), maxLength: 8 }),
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', '"', ',', '\r', '\n', '\r\n', 'x\r', '\rx', '\n\r', '""', ' a ', '-12.50'),
);

describe('csvText', () => {
  it('reads back (csv-parse) as exactly the fields written, whatever they hold', () => {
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 6 }), { minLength: 1, maxLength: 5 }), (records) => {
        const text = csvText(records);
        expect(text.endsWith('\r\n')).toBe(true);
        expect(parse(text, { bom: false, relax_column_count: true, record_delimiter: '\r\n' })).toEqual(records);
      }),
      { numRuns: 2000 },
    );
  });

  it('quotes what needs it, line breaks included, and nothing else', () => {
    expect(csvText([['a', '', 'b,c', 'say "hi"', 'x\r\ny', 'x\ny', 'x\r', '=1', '-12.50']])).toBe(
      'a,,"b,c","say ""hi""","x\r\ny","x\ny","x\r",=1,-12.50\r\n',
    );
    expect(csvText([])).toBe('');
  });
});
