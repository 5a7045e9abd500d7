/**
 * Which column of the file holds which of our fields. Our field names are the
 * defaults; `internalRecords.columns` renames them (our field → their header),
 * matched trimmed and case-insensitive.
 */
import { INTERNAL_RECORD_FIELDS } from '../../config/sections/internal-records.js';
import { InputError } from '../../shared/errors.js';
import { findColumn } from '../tabular/tabular-file.js';
import { clipValue } from '../../shared/redact.js';

export type RecordField = (typeof INTERNAL_RECORD_FIELDS)[number];

export type ColumnIndexes = Partial<Record<RecordField, number>>;

export function requiredFields(reference: 'internal_id' | 'reference'): RecordField[] {
  const required: RecordField[] = ['internal_id', 'amount', 'currency', 'created_at'];
  if (reference === 'reference') required.push('reference');
  return required;
}

/**
 * Finds every field's column. A required field without a column is an error
 * naming what was expected and what the header has; a header that is one
 * column containing `;`, `,` or a tab almost always means the wrong delimiter.
 */
export function planColumns(
  file: string,
  header: readonly string[],
  mapping: Partial<Record<RecordField, string>>,
  reference: 'internal_id' | 'reference',
): ColumnIndexes {
  const indexes: ColumnIndexes = {};
  const missing: string[] = [];
  const required = new Set(requiredFields(reference));
  for (const field of INTERNAL_RECORD_FIELDS) {
    const name = mapping[field] ?? field;
    const index = findColumn(header, name);
    if (index >= 0) indexes[field] = index;
    else if (required.has(field)) missing.push(name === field ? field : `${field} (column "${name}")`);
  }
  if (missing.length > 0) {
    const shown = header.length === 1 ? `one column "${clipValue(header[0] ?? '')}"` : `columns ${header.map((h) => `"${clipValue(h)}"`).join(', ')}`;
    const hint =
      header.length === 1 && /[;,\t]/.test(header[0] ?? '')
        ? '; the delimiter looks wrong (set internalRecords.delimiter)'
        : '; map your headers with internalRecords.columns';
    throw new InputError(file, [{ row: 1, message: `is missing the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (the header has ${shown})${hint}` }]);
  }
  return indexes;
}

