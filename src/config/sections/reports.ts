import { z } from 'zod';
import { nonEmptyString } from '../fields.js';

export const reportFormat = z.enum(['xlsx', 'csv', 'both'], { error: 'must be "xlsx", "csv" or "both"' });

export const reportsSection = z
  .strictObject({
    /** Where report packs are written (created if missing). */
    dir: nonEmptyString().default('./reports'),
    format: reportFormat.default('both'),
    /** CSV files stay RFC 4180 (no BOM, comma) unless a person's spreadsheet needs otherwise. */
    csv: z
      .strictObject({
        bom: z.boolean({ error: 'must be true or false' }).default(false),
        delimiter: z.enum([',', ';'], { error: 'must be "," or ";"' }).default(','),
      })
      .prefault({}),
  })
  .prefault({});
