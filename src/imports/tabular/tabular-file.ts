/**
 * Reads CSV, XLSX and JSON Lines files as a header plus a stream of rows of
 * text cells, with spreadsheet row numbers (the header is row 1). Memory does
 * not grow with the number of rows. What the cells mean is the caller's
 * business (see `src/imports/*`); problems with the file's shape (a row
 * with the wrong number of fields, a line that is not JSON) are reported on
 * the row, so the caller can list them all with the other row problems.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import Papa from 'papaparse';
import type ExcelJS from 'exceljs';
import { InputError } from '../../shared/errors.js';
import { readTextChunks, type TextEncoding } from './decode.js';

export type Delimiter = ',' | ';' | '\t';
export type TabularFormat = 'csv' | 'xlsx' | 'jsonl';

export interface TabularRow {
  /** Spreadsheet row number (CSV: line number; JSONL: line number; header is 1). */
  rowNumber: number;
  /** One text cell per header column ('' when missing). */
  cells: readonly string[];
  /**
   * XLSX: the cells that are real numbers or dates, as such (same indexes as
   * `cells`), so amounts and dates need no trip through text. A date is its
   * wall clock as a UTC `Date` (spreadsheets have no zones; exceljs applies
   * the workbook's 1900 or 1904 date system).
   */
  typed?: readonly (number | Date | undefined)[];
  /** Set when the row itself is malformed (wrong field count, invalid JSON). */
  problem?: string;
}

export interface TabularFile {
  format: TabularFormat;
  columns: readonly string[];
  /** CSV only: the delimiter used. */
  delimiter?: Delimiter;
  rows: AsyncIterable<TabularRow>;
}

export interface TabularOptions {
  encoding?: TextEncoding;
  delimiter?: 'auto' | Delimiter;
  /** XLSX: the sheet to read (default: the first). */
  sheet?: string | undefined;
}

export function formatOfFile(file: string): TabularFormat {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv' || extension === '.txt' || extension === '.tsv') return 'csv';
  if (extension === '.xlsx') return 'xlsx';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  throw new InputError(file, [
    { message: `has an unknown extension "${extension}" (expected .csv, .tsv, .txt, .xlsx, .jsonl or .ndjson)` },
  ]);
}

export async function openTabularFile(file: string, options: TabularOptions = {}): Promise<TabularFile> {
  const format = formatOfFile(file);
  try {
    await access(file);
  } catch (error) {
    throw new InputError(file, [{ message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` }]);
  }
  if (format === 'csv') return openCsv(file, options);
  if (format === 'xlsx') return openXlsx(file, options.sheet);
  return openJsonLines(file);
}

/** Picks the delimiter that splits the header line into the most fields (quotes respected). */
export function detectDelimiter(headerLine: string): Delimiter {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch] += 1;
  }
  const best = (Object.entries(counts) as [Delimiter, number][]).sort((a, b) => b[1] - a[1])[0];
  return best && best[1] > 0 ? best[0] : ',';
}

async function openCsv(file: string, options: TabularOptions): Promise<TabularFile> {
  const chunks = readTextChunks(file, options.encoding ?? 'auto');
  // Buffer text until the header line is complete, to choose the delimiter.
  const buffered: string[] = [];
  let head = '';
  for (;;) {
    const next = await chunks.next();
    if (next.done) break;
    buffered.push(next.value);
    head += next.value;
    if (head.includes('\n')) break;
  }
  const firstLine = head.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = options.delimiter && options.delimiter !== 'auto' ? options.delimiter : detectDelimiter(firstLine);
  async function* text(): AsyncGenerator<string> {
    yield* buffered;
    yield* chunks;
  }
  const records = papaRecords(Readable.from(text()), delimiter);
  const header = await nextRecord(records, file, 1);
  if (!header) throw new InputError(file, [{ message: 'is empty (no header row)' }]);
  const columns = header.map((c) => c.trim());
  // csv-parse's `info` option would give line numbers but halves its speed;
  // counting records plus the line breaks inside quoted fields gives the same.
  let line = 1 + embeddedLineBreaks(header);
  async function* rows(): AsyncGenerator<TabularRow> {
    for (;;) {
      const record = await nextRecord(records, file, line + 1);
      if (!record) return;
      line += 1;
      const rowNumber = line;
      line += embeddedLineBreaks(record);
      if (record.length === 1 && record[0] === '') continue; // empty line
      const row: TabularRow = { rowNumber, cells: padCells(record, columns.length) };
      if (record.length !== columns.length) {
        row.problem = `has ${record.length} fields, the header has ${columns.length}`;
      }
      yield row;
    }
  }
  return { format: 'csv', columns, delimiter, rows: rows() };
}

/** A CSV syntax error in the record after the last one delivered. */
class CsvSyntaxError extends Error {}

/**
 * PapaParse (RFC 4180 quoting, line breaks inside quotes) over a text
 * stream, as an iterator of records. Records arrive a chunk at a time; the
 * parser is paused until the chunk has been consumed, so memory holds one
 * chunk. Any quoting error ends the file with the record it was found in.
 * (PapaParse parses about five times faster than csv-parse here, which was
 * most of an import's time.)
 */
function papaRecords(input: Readable, delimiter: Delimiter): AsyncIterator<string[]> {
  let pending: string[][] = [];
  let position = 0;
  let ended = false;
  let failure: Error | undefined;
  let parser: Papa.Parser | undefined;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  Papa.parse<string[]>(input as unknown as Papa.LocalFile, {
    delimiter,
    skipEmptyLines: false,
    chunk: (results, p) => {
      parser = p;
      const error = results.errors[0];
      // Rows before a quoting error are still delivered; the error comes with the next.
      pending = pending.slice(position).concat(error ? results.data.slice(0, error.row ?? 0) : results.data);
      position = 0;
      if (error) {
        failure = new CsvSyntaxError(error.message);
        p.abort();
      } else {
        p.pause();
      }
      signal();
    },
    complete: () => {
      ended = true;
      signal();
    },
    error: (error: Error) => {
      failure = error;
      signal();
    },
  });
  return {
    next: async () => {
      for (;;) {
        if (position < pending.length) {
          return { done: false, value: pending[position++] as string[] };
        }
        if (failure) throw failure;
        if (ended) return { done: true, value: undefined };
        await new Promise<void>((resolve) => {
          wake = resolve;
          parser?.resume();
        });
      }
    },
  };
}

function embeddedLineBreaks(record: readonly string[]): number {
  let count = 0;
  for (const cell of record) {
    if (cell.includes('\n')) count += cell.split('\n').length - 1;
  }
  return count;
}

async function nextRecord<T>(records: AsyncIterator<T>, file: string, row?: number): Promise<T | undefined> {
  try {
    const next = await records.next();
    return next.done ? undefined : next.value;
  } catch (error) {
    if (error instanceof InputError) throw error;
    const lines = error instanceof CsvSyntaxError ? row : (error as { lines?: number }).lines;
    throw new InputError(file, [
      { ...(lines !== undefined ? { row: lines } : {}), message: `is not valid CSV: ${(error as Error).message}` },
    ]);
  }
}

function padCells(cells: readonly string[], width: number): string[] {
  if (cells.length === width) return cells as string[];
  const out = cells.slice(0, width);
  while (out.length < width) out.push('');
  return out;
}

function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}

/** An exceljs cell value as text. Dates become `YYYY-MM-DD HH:MM:SS` wall-clock text (exceljs reads them as UTC). */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) {
    return `${value.getUTCFullYear()}-${pad2(value.getUTCMonth() + 1)}-${pad2(value.getUTCDate())} ${pad2(value.getUTCHours())}:${pad2(value.getUTCMinutes())}:${pad2(value.getUTCSeconds())}`;
  }
  if (typeof value === 'object') {
    const v = value as { richText?: { text: string }[]; result?: unknown; text?: unknown; error?: string };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return cellText(v.result); // formula: its cached result
    if (typeof v.text === 'string') return v.text; // hyperlink
    if (typeof v.error === 'string') return v.error;
  }
  return '';
}

async function openXlsx(file: string, sheet: string | undefined): Promise<TabularFile> {
  // Loaded only for an XLSX file: exceljs is most of what every command would load at start.
  const { default: Excel } = await import('exceljs');
  const reader = new Excel.stream.xlsx.WorkbookReader(createReadStream(file), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache', // needed to recognise date cells
    entries: 'ignore',
  });
  const sheets = reader[Symbol.asyncIterator]();
  let worksheet: ExcelJS.stream.xlsx.WorksheetReader | undefined;
  const seen: string[] = [];
  try {
    for (;;) {
      const next = await sheets.next();
      if (next.done) break;
      const candidate = next.value as ExcelJS.stream.xlsx.WorksheetReader & { name?: string };
      seen.push(candidate.name ?? '?');
      if (sheet === undefined || candidate.name === sheet) {
        worksheet = candidate;
        break;
      }
      // Drain a sheet we skip so the zip stream moves on.
      for await (const _row of candidate) {
        // skipped
      }
    }
  } catch (error) {
    throw new InputError(file, [{ message: `is not a readable XLSX workbook (${(error as Error).message})` }]);
  }
  if (!worksheet) {
    throw new InputError(file, [
      { message: sheet ? `has no sheet named "${sheet}" (sheets: ${seen.join(', ')})` : 'has no worksheet' },
    ]);
  }
  const rowsIterator = (worksheet as AsyncIterable<ExcelJS.Row>)[Symbol.asyncIterator]();
  let header: ExcelJS.Row | undefined;
  for (;;) {
    const next = await rowsIterator.next();
    if (next.done) break;
    if (rowCells(next.value).some((c) => c.trim() !== '')) {
      header = next.value;
      break;
    }
  }
  if (!header) throw new InputError(file, [{ message: 'is empty (no header row)' }]);
  const columns = rowCells(header).map((c) => c.trim());
  while (columns.length > 0 && columns[columns.length - 1] === '') columns.pop();
  async function* rows(): AsyncGenerator<TabularRow> {
    for (;;) {
      const next = await rowsIterator.next();
      if (next.done) return;
      const cells = rowCells(next.value);
      if (cells.every((c) => c.trim() === '')) continue;
      const extra = cells.slice(columns.length).some((c) => c.trim() !== '');
      const row: TabularRow = {
        rowNumber: next.value.number,
        cells: padCells(cells.slice(0, columns.length), columns.length),
        typed: typedCells(next.value, columns.length),
      };
      if (extra) row.problem = `has values beyond the ${columns.length} header columns`;
      yield row;
    }
  }
  return { format: 'xlsx', columns, rows: rows() };
}

/** The number and date cells of a row, as such (see `TabularRow.typed`). */
function typedCells(row: ExcelJS.Row, width: number): (number | Date | undefined)[] {
  const values = row.values as unknown[];
  const typed: (number | Date | undefined)[] = [];
  for (let i = 1; i <= width; i++) {
    let value = values[i];
    if (typeof value === 'object' && value !== null && !(value instanceof Date) && 'result' in value) value = value.result; // formula
    typed.push(typeof value === 'number' || value instanceof Date ? value : undefined);
  }
  return typed;
}

function rowCells(row: ExcelJS.Row): string[] {
  const values = row.values as unknown[];
  const cells: string[] = [];
  for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]));
  return cells;
}

async function openJsonLines(file: string): Promise<TabularFile> {
  const lines = splitLines(readTextChunks(file, 'utf-8'));
  let lineNumber = 0;
  const parseLine = (line: string): Record<string, unknown> | string => {
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not a JSON object';
      return value as Record<string, unknown>;
    } catch (error) {
      return `is not valid JSON (${(error as Error).message})`;
    }
  };
  // The first object's keys are the columns.
  // (Manual next(): breaking out of for-await would close the generator.)
  let first: { lineNumber: number; value: Record<string, unknown> | string } | undefined;
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    lineNumber += 1;
    if (next.value.trim() === '') continue;
    first = { lineNumber, value: parseLine(next.value) };
    break;
  }
  if (!first) throw new InputError(file, [{ message: 'is empty' }]);
  if (typeof first.value === 'string') throw new InputError(file, [{ row: first.lineNumber, message: first.value }]);
  const columns = Object.keys(first.value);
  const toRow = (n: number, value: Record<string, unknown> | string): TabularRow => {
    if (typeof value === 'string') return { rowNumber: n, cells: columns.map(() => ''), problem: value };
    return {
      rowNumber: n,
      cells: columns.map((key) => {
        const cell = value[key];
        if (cell === null || cell === undefined) return '';
        if (typeof cell === 'string') return cell;
        if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
        return JSON.stringify(cell);
      }),
    };
  };
  const head = toRow(first.lineNumber, first.value);
  async function* rows(): AsyncGenerator<TabularRow> {
    yield head;
    for await (const line of lines) {
      lineNumber += 1;
      if (line.trim() === '') continue;
      yield toRow(lineNumber, parseLine(line));
    }
  }
  return { format: 'jsonl', columns, rows: rows() };
}

async function* splitLines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of chunks) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) yield part.endsWith('\r') ? part.slice(0, -1) : part;
  }
  if (rest !== '') yield rest;
}

/** Index of a column by name, trimmed and case-insensitive; -1 when absent. */
export function findColumn(columns: readonly string[], name: string): number {
  const wanted = name.trim().toLowerCase();
  return columns.findIndex((c) => c.trim().toLowerCase() === wanted);
}
