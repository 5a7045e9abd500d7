/**
 * CSV text of records of strings (RFC 4180, `\r\n` after every record),
 * written by PapaParse's `unparse`: the same library that reads our imports.
 * It quotes a field holding the delimiter, a quote, a line break (`\r` or
 * `\n` alone too, which csv-stringify with a `\r\n` record delimiter left
 * bare and so split the row), a BOM, or a space at either end; quotes inside
 * are doubled. It also costs a fraction of csv-stringify's per-field work
 * (a cast, an options lookup and small arrays per field), which at a million
 * rows of fifteen fields was most of the CSV report's time and garbage.
 */
import Papa from 'papaparse';

export interface CsvOptions {
  /** Start the file with a UTF-8 byte-order mark (Excel on Windows then reads it as UTF-8). */
  bom: boolean;
  /** `;` for spreadsheets whose list separator is a semicolon. */
  delimiter: ',' | ';';
}

export const DEFAULT_CSV_OPTIONS: CsvOptions = Object.freeze({ bom: false, delimiter: ',' });

const OPTIONS: Papa.UnparseConfig = { newline: '\r\n', header: false, quotes: false, escapeFormulae: false, delimiter: ',' };
const SEMICOLON: Papa.UnparseConfig = { ...OPTIONS, delimiter: ';' };

/** One record (`\r\n` included). */
export function csvLine(fields: readonly string[], delimiter: CsvOptions['delimiter'] = ','): string {
  return csvText([fields], delimiter);
}

/** Records, one after the other, each ending with `\r\n`. */
export function csvText(records: readonly (readonly string[])[], delimiter: CsvOptions['delimiter'] = ','): string {
  if (records.length === 0) return '';
  return `${Papa.unparse(records as string[][], delimiter === ';' ? SEMICOLON : OPTIONS)}\r\n`;
}
