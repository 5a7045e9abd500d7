import { z } from 'zod';
import { nonEmptyString } from '../fields.js';

export const reportFormat = z.enum(['xlsx', 'csv', 'both', 'html', 'all'], { error: 'must be "xlsx", "csv", "both", "html" or "all"' });

export const reportsSection = z
  .strictObject({
    /** Where report packs are written (created if missing). */
    dir: nonEmptyString().default('./reports'),
    format: reportFormat.default('both'),
    /** BCP 47 locale for numbers, money and dates in the HTML report and the dashboard. */
    locale: z
      .string()
      .refine((locale) => Intl.NumberFormat.supportedLocalesOf([locale]).length > 0, { error: 'must be a locale this Node.js knows, e.g. "en-GB" or "de-DE"' })
      .default('en-GB'),
    /** CSV files stay RFC 4180 (no BOM, comma) unless a person's spreadsheet needs otherwise. */
    csv: z
      .strictObject({
        bom: z.boolean({ error: 'must be true or false' }).default(false),
        delimiter: z.enum([',', ';'], { error: 'must be "," or ";"' }).default(','),
      })
      .prefault({}),
  })
  .prefault({});
