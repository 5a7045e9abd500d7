import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvText } from '../../src/reports/csv-text.js';

/** What the pack's CSV files were written with before csv-text.ts (and still the reference). */
const reference = (records: string[][]): string => stringify(records, { record_delimiter: 'windows', escape_formulas: false });

/** Fields made mostly of the characters that matter to quoting. */
const field = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', ' ', ',', '"', '\r', '\n', '\t', '=', '-', "'", 'é', '😀'), maxLength: 8 }),
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', '"', ',', '\r', '\n', '\r\n', 'x\r', '\rx', '\n\r', '""', ' a ', '-12.50'),
);

describe('csvText', () => {
  it('writes exactly what csv-stringify writes with the pack options', () => {
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 6 }), { maxLength: 5 }), (records) => {
        expect(csvText(records)).toBe(reference(records));
      }),
      { numRuns: 2000 },
    );
  });

  it('quotes only what needs it', () => {
    expect(csvText([['a', '', 'b,c', 'say "hi"', 'x\r\ny', 'x\ny', 'x\r', '=1']])).toBe('a,,"b,c","say ""hi""","x\r\ny",x\ny,x\r,=1\r\n');
  });
});
