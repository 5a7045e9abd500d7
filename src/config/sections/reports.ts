import { z } from 'zod';
import { nonEmptyString } from '../fields.js';

export const reportFormat = z.enum(['xlsx', 'csv', 'both'], { error: 'must be "xlsx", "csv" or "both"' });

export const reportsSection = z
  .strictObject({
    /** Where report packs are written (created if missing). */
    dir: nonEmptyString().default('./reports'),
    format: reportFormat.default('both'),
  })
  .prefault({});
