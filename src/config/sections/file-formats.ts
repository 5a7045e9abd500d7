/**
 * How an imported file writes numbers and dates, per source
 * (`internalRecords`, `topups`, `smartglocal.report`): the same three keys
 * everywhere, read by `src/imports/formats/`.
 */
import { z } from 'zod';
import { THOUSANDS_SEPARATORS } from '../../imports/formats/amount-text.js';
import { dateFormatProblem } from '../../imports/formats/date-text.js';

export const fileFormatKeys = {
  /** `1.234,56`: `.`; `1,234.56`: `,`; also a space, a narrow no-break space (U+202F) or `'`. */
  thousandsSeparator: z
    .enum(THOUSANDS_SEPARATORS as ['none', '.', ',', ' ', '\u202f', "'"], {
      error: 'must be "none", ".", ",", " " (a space), "\\u202f" (a narrow no-break space) or "\'"',
    })
    .default('none'),
  decimalSeparator: z.enum(['.', ','], { error: 'must be "." or ","' }).default('.'),
  /** date-fns format strings tried on every date cell (ISO 8601 is always read too). */
  dateFormats: z
    .array(
      z.string({ error: 'must be a list of date-fns format strings such as "dd.MM.yyyy HH:mm"' }).superRefine((format, ctx) => {
        const problem = dateFormatProblem(format);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
      }),
      { error: 'must be a list of date-fns format strings such as "dd.MM.yyyy HH:mm"' },
    )
    .default([]),
};

/** The thousands and decimal separators must differ, or `1.234` would mean two things. */
export function separatorsDiffer(value: { thousandsSeparator: string; decimalSeparator: string }, ctx: z.RefinementCtx): void {
  if (value.thousandsSeparator === value.decimalSeparator) {
    ctx.addIssue({ code: 'custom', path: ['thousandsSeparator'], message: 'must differ from decimalSeparator' });
  }
}

/** The file-format keys alone, as their own section (`topups`). */
export const fileFormatSection = () => z.strictObject(fileFormatKeys).superRefine(separatorsDiffer).prefault({});
