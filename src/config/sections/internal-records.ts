import { z } from 'zod';
import { nonEmptyString } from '../fields.js';
import { fileFormatKeys, separatorsDiffer } from './file-formats.js';

export const INTERNAL_RECORD_FIELDS = [
  'internal_id',
  'amount',
  'currency',
  'created_at',
  'method',
  'purpose',
  'country',
  'status',
  'reference',
] as const;

export const internalRecordsSection = z
  .strictObject({
    /** Our column name → the column name in your export, e.g. `{"internal_id": "Order ref"}`. */
    columns: z
      .partialRecord(z.enum(INTERNAL_RECORD_FIELDS, { error: `must be keyed by one of ${INTERNAL_RECORD_FIELDS.join(', ')}` }), nonEmptyString())
      .default({}),
    /** `auto` detects `,`, `;` or tab from the header line. */
    delimiter: z.enum(['auto', ',', ';', '\t'], { error: 'must be "auto", ",", ";" or "\\t"' }).default('auto'),
    /** `auto` recognises UTF-8 (with or without BOM) and UTF-16LE (with BOM); Windows-1252 must be named. */
    encoding: z
      .enum(['auto', 'utf-8', 'utf-16le', 'windows-1252'], { error: 'must be "auto", "utf-8", "utf-16le" or "windows-1252"' })
      .default('auto'),
    ...fileFormatKeys,
    /** XLSX: the sheet to read (default: the first). */
    sheet: nonEmptyString().optional(),
  })
  .superRefine(separatorsDiffer)
  .prefault({});
