/**
 * A report section as a table: its columns (with a plain-words sheet header
 * and a snake_case CSV header) and its rows, read from the ledger in chunks.
 * The same definition feeds the XLSX sheet and the CSV file, so the two
 * formats cannot drift apart. Column kinds decide how a value is written:
 *
 * | kind       | value          | XLSX                               | CSV                          |
 * |------------|----------------|------------------------------------|------------------------------|
 * | `text`     | string         | text cell, formula-neutralised     | text, formula-neutralised    |
 * | `integer`  | number         | number `#,##0`                     | `1234`                       |
 * | `id`       | number         | number `0` (no grouping)           | `1234`                       |
 * | `money`    | minor units    | number in major units, currency fmt| `-12.50` (`formatMoney`)     |
 * | `datetime` | UTC instant    | date cell, local time of the zone  | ISO 8601 with local offset   |
 * | `date`     | `YYYY-MM-DD`   | date cell                          | `YYYY-MM-DD`                 |
 * | `percent`  | ratio (0..1)   | number `0.00%`                     | percent with 2 decimals      |
 */
import { formatMoney } from '../shared/money.js';
import { neutraliseFormula } from './formula-guard.js';
import { excelSerialOfDay, type LocalTime } from './local-time.js';
import { DATE_FORMAT, DATE_TIME_FORMAT, type XlsxStyles } from './xlsx-styles.js';
import type { SharedStrings } from './xlsx-workbook-writer.js';
import { columnLetters, inlineStringCell, numberCell, sharedStringCell } from './xlsx-xml.js';

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
}

export interface CellContext {
  time: LocalTime;
  styles: XlsxStyles;
  sharedStrings?: SharedStrings;
}

/** Cell XML for a row, given its row number. */
export type XlsxRowEncoder<R> = (row: R, rowNumber: number) => string;

/** Compiles the sheet columns of a table into a fast row encoder. */
export function xlsxRowEncoder<R>(columns: readonly ReportColumn<R>[], ctx: CellContext): XlsxRowEncoder<R> {
  const cellEncoders = sheetColumns(columns).map((column, index) => cellEncoder(column, columnLetters(index), ctx));
  return (row, rowNumber) => {
    let xml = '';
    for (const encode of cellEncoders) xml += encode(row, rowNumber);
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
  const bold = styles.style('General', 'bold');
  return titles.map((t, i) => inlineStringCell(`${columnLetters(i)}${rowNumber}`, t, bold)).join('');
}

function cellEncoder<R>(column: ReportColumn<R>, letters: string, ctx: CellContext): (row: R, rowNumber: number) => string {
  const { value } = column;
  switch (column.kind) {
    case 'text': {
      const shared = column.repeats ? ctx.sharedStrings : undefined;
      if (shared) {
        return (row, n) => {
          const v = value(row);
          if (v === null || v === '') return '';
          const text = neutraliseFormula(String(v));
          const index = shared.indexOf(text);
          return index === -1 ? inlineStringCell(letters + n, text, 0) : sharedStringCell(letters + n, index);
        };
      }
      return (row, n) => {
        const v = value(row);
        return v === null || v === '' ? '' : inlineStringCell(letters + n, neutraliseFormula(String(v)), 0);
      };
    }
    case 'integer':
    case 'id': {
      const style = ctx.styles.style(column.kind === 'id' ? '0' : '#,##0');
      return (row, n) => {
        const v = value(row);
        return v === null ? '' : numberCell(letters + n, Number(v), style);
      };
    }
    case 'money': {
      const currencyOf = requireCurrency(column);
      return (row, n) => {
        const v = value(row);
        if (v === null) return '';
        const currency = currencyOf(row);
        return numberCell(letters + n, formatMoney(Number(v), currency), ctx.styles.money(currency));
      };
    }
    case 'datetime': {
      const style = ctx.styles.style(DATE_TIME_FORMAT);
      return (row, n) => {
        const v = value(row);
        return v === null ? '' : numberCell(letters + n, ctx.time.excelSerial(Number(v)), style);
      };
    }
    case 'date': {
      const style = ctx.styles.style(DATE_FORMAT);
      return (row, n) => {
        const v = value(row);
        return v === null ? '' : numberCell(letters + n, excelSerialOfDay(String(v)), style);
      };
    }
    case 'percent': {
      const style = ctx.styles.style('0.00%');
      return (row, n) => {
        const v = value(row);
        return v === null ? '' : numberCell(letters + n, Number(v), style);
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
        return v === null ? '' : neutraliseFormula(String(v));
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
