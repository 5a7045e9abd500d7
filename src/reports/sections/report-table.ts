/**
 * A report section as a table: its columns (with a plain-words sheet header
 * and a snake_case CSV header) and its rows, read from the ledger in chunks.
 * The same definition feeds the XLSX sheet and the CSV file, so the two
 * formats cannot drift apart. Column kinds decide how a value is written:
 *
 * | kind       | value          | XLSX                               | CSV                          |
 * |------------|----------------|------------------------------------|------------------------------|
 * | `text`     | string         | text cell, `quotePrefix` if needed | text, `'` before a formula   |
 * | `integer`  | number         | number `#,##0`                     | `1234`                       |
 * | `id`       | number         | number `0` (no grouping)           | `1234`                       |
 * | `money`    | minor units    | number in major units, currency fmt| `-12.50` (`formatMoney`)     |
 * | `datetime` | UTC instant    | date cell, local time of the zone  | ISO 8601 with local offset   |
 * | `date`     | `YYYY-MM-DD`   | date cell                          | `YYYY-MM-DD`                 |
 * | `percent`  | ratio (0..1)   | number `0.00%`                     | percent with 2 decimals      |
 *
 * Text goes through `cell-text.ts` in both formats: normalised first, then
 * guarded against formulas.
 */
import { formatMoney } from '../../shared/money.js';
import { guardCsvText, needsQuotePrefix, normaliseCellText } from '../writers/cell-text.js';
import { excelSerialOfDay, type LocalTime } from '../local-time.js';
import { DATE_FORMAT, DATE_TIME_FORMAT, type XlsxFont, type XlsxStyles } from '../writers/xlsx/xlsx-styles.js';
import type { SharedStrings } from '../writers/xlsx/xlsx-workbook-writer.js';
import { columnLetters, escapeCellText, inlineStringCell, textElement } from '../writers/xlsx/xlsx-xml.js';

export type ColumnKind = 'text' | 'integer' | 'id' | 'money' | 'datetime' | 'date' | 'percent';

export interface ReportColumn<R> {
  /** Sheet header, plain words; null: the column is only in the CSV. */
  title: string | null;
  /** CSV header, snake_case; null: the column is only in the sheet. */
  csv: string | null;
  kind: ColumnKind;
  /** Sheet column width in characters. */
  width?: number;
  /** `text` columns with few distinct values (status, currency...): stored once in the workbook's shared strings. */
  repeats?: boolean;
  /** Free text (descriptions, notes): text longer than the column is wide wraps inside it instead of running on across the page. */
  wrap?: boolean;
  value: (row: R) => string | number | null;
  /** `money` columns: the currency of the amount. */
  currency?: (row: R) => string;
}

export interface ReportTable<R> {
  /** Sheet name, plain words. */
  sheet: string;
  /** File in the CSV folder, e.g. `payouts.csv`. */
  csvFile: string;
  columns: readonly ReportColumn<R>[];
  /** The rows in order, in chunks of a few thousand. */
  rows: () => AsyncIterable<readonly R[]>;
  /**
   * Totals shown on the sheet only, as a block below the table, after an
   * empty row and a heading, outside the filter range: the table itself
   * (and the CSV file) holds data rows only, so a sum or pivot of it is right.
   */
  totals?: { heading: string; rows: readonly R[] };
}

export interface CellContext {
  time: LocalTime;
  styles: XlsxStyles;
  sharedStrings?: SharedStrings;
}

/** Cell XML for a row, given its row number. */
export type XlsxRowEncoder<R> = (row: R, rowNumber: number) => string;

/**
 * Compiles the sheet columns of a table into a fast row encoder: everything
 * constant in a cell's XML is built once per column, the row number is
 * printed once per row. (A million rows of fifteen cells make this loop the
 * hottest code of a report.)
 */
export function xlsxRowEncoder<R>(columns: readonly ReportColumn<R>[], ctx: CellContext): XlsxRowEncoder<R> {
  const cellEncoders = sheetColumns(columns).map((column, index) => cellEncoder(column, `<c r="${columnLetters(index)}`, ctx));
  return (row, rowNumber) => {
    const ref = String(rowNumber);
    let xml = '';
    for (const encode of cellEncoders) xml += encode(row, ref);
    return xml;
  };
}

export function sheetColumns<R>(columns: readonly ReportColumn<R>[]): ReportColumn<R>[] {
  return columns.filter((c) => c.title !== null);
}

export function csvColumns<R>(columns: readonly ReportColumn<R>[]): ReportColumn<R>[] {
  return columns.filter((c) => c.csv !== null);
}

/** The header row's cell XML (bold). */
export function xlsxHeaderCells(titles: readonly string[], rowNumber: number, styles: XlsxStyles): string {
  return titles.map((t, i) => xlsxTextCell(`${columnLetters(i)}${rowNumber}`, t, styles, 'bold')).join('');
}

/** An inline text cell: normalised, with the `quotePrefix` style when it could be taken for a formula or a number. */
export function xlsxTextCell(ref: string, text: string, styles: XlsxStyles, font: XlsxFont = 'normal', wrap: false | 'bottom' = false): string {
  const normal = normaliseCellText(text);
  const quoted = needsQuotePrefix(normal);
  return inlineStringCell(ref, normal, quoted || wrap || font !== 'normal' ? styles.style('General', font, quoted, wrap) : 0);
}

/** One cell's encoder; `open` is `<c r="B` and `ref` the row number, so `open + ref` starts the cell. */
function cellEncoder<R>(column: ReportColumn<R>, open: string, ctx: CellContext): (row: R, ref: string) => string {
  const { value } = column;
  const numeric = (style: number): string => `"${style ? ` s="${style}"` : ''}><v>`;
  switch (column.kind) {
    case 'text': {
      const shared = column.repeats ? ctx.sharedStrings : undefined;
      const quoted = `" s="${ctx.styles.style('General', 'normal', true)}" t="`;
      const wrapAt = column.wrap ? (column.width ?? 12) : Infinity;
      const wrapped = `" s="${ctx.styles.style('General', 'normal', false, 'top')}" t="`;
      const quotedWrapped = `" s="${ctx.styles.style('General', 'normal', true, 'top')}" t="`;
      const inline = (ref: string, text: string): string => {
        const normal = normaliseCellText(text);
        const mid = normal.length > wrapAt ? (needsQuotePrefix(normal) ? quotedWrapped : wrapped) : needsQuotePrefix(normal) ? quoted : '" t="';
        return `${open}${ref}${mid}inlineStr"><is>${textElement(escapeCellText(normal))}</is></c>`;
      };
      if (shared) {
        // value → the rest of its shared-string cell, so a repeated value costs one map lookup.
        const tails = new Map<string, string>();
        return (row, ref) => {
          const v = value(row);
          if (v === null || v === '') return '';
          const text = String(v);
          let tail = tails.get(text);
          if (tail === undefined) {
            const normal = normaliseCellText(text);
            const index = shared.indexOf(normal);
            if (index === -1) return inline(ref, text);
            tail = `${needsQuotePrefix(normal) ? quoted : '" t="'}s"><v>${index}</v></c>`;
            tails.set(text, tail);
          }
          return open + ref + tail;
        };
      }
      return (row, ref) => {
        const v = value(row);
        return v === null || v === '' ? '' : inline(ref, String(v));
      };
    }
    case 'integer':
    case 'id': {
      const mid = numeric(ctx.styles.style(column.kind === 'id' ? '0' : '#,##0'));
      return (row, ref) => {
        const v = value(row);
        return v === null ? '' : `${open}${ref}${mid}${Number(v)}</v></c>`;
      };
    }
    case 'money': {
      const currencyOf = requireCurrency(column);
      const mids = new Map<string, string>();
      return (row, ref) => {
        const v = value(row);
        if (v === null) return '';
        const currency = currencyOf(row);
        let mid = mids.get(currency);
        if (mid === undefined) {
          mid = numeric(ctx.styles.money(currency));
          mids.set(currency, mid);
        }
        // The exact decimal text of the amount: no float rounding on the way to the cell.
        return `${open}${ref}${mid}${formatMoney(Number(v), currency)}</v></c>`;
      };
    }
    case 'datetime': {
      const mid = numeric(ctx.styles.style(DATE_TIME_FORMAT));
      return (row, ref) => {
        const v = value(row);
        return v === null ? '' : `${open}${ref}${mid}${ctx.time.excelSerial(Number(v))}</v></c>`;
      };
    }
    case 'date': {
      const mid = numeric(ctx.styles.style(DATE_FORMAT));
      return (row, ref) => {
        const v = value(row);
        return v === null ? '' : `${open}${ref}${mid}${excelSerialOfDay(String(v))}</v></c>`;
      };
    }
    case 'percent': {
      const mid = numeric(ctx.styles.style('0.00%'));
      return (row, ref) => {
        const v = value(row);
        return v === null ? '' : `${open}${ref}${mid}${Number(v)}</v></c>`;
      };
    }
  }
}

/** Compiles the CSV columns of a table into a row → record (strings) mapper. */
export function csvRecordEncoder<R>(columns: readonly ReportColumn<R>[], time: LocalTime): (row: R) => string[] {
  const encoders = csvColumns(columns).map((column) => csvFieldEncoder(column, time));
  return (row) => encoders.map((encode) => encode(row));
}

function csvFieldEncoder<R>(column: ReportColumn<R>, time: LocalTime): (row: R) => string {
  const { value } = column;
  switch (column.kind) {
    case 'text':
      return (row) => {
        const v = value(row);
        return v === null ? '' : guardCsvText(String(v));
      };
    case 'integer':
    case 'id':
      return (row) => {
        const v = value(row);
        return v === null ? '' : String(v);
      };
    case 'money': {
      const currencyOf = requireCurrency(column);
      return (row) => {
        const v = value(row);
        return v === null ? '' : formatMoney(Number(v), currencyOf(row));
      };
    }
    case 'datetime':
      return (row) => {
        const v = value(row);
        return v === null ? '' : time.iso(Number(v));
      };
    case 'date':
      return (row) => {
        const v = value(row);
        return v === null ? '' : String(v);
      };
    case 'percent':
      return (row) => {
        const v = value(row);
        return v === null ? '' : (Number(v) * 100).toFixed(2);
      };
  }
}

function requireCurrency<R>(column: ReportColumn<R>): (row: R) => string {
  if (!column.currency) throw new Error(`money column ${column.csv ?? column.title ?? '?'} has no currency`);
  return column.currency;
}
