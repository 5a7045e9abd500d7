/**
 * A sheet laid out as blocks of labelled cells (the Summary): column widths
 * computed from what the cells show, so no amount turns into `###` and no
 * label is cut by its neighbour, and page breaks placed so a block is never
 * split across printed pages (landscape A4, fit to the page's width). Pure:
 * the layout is tested with plain values; `writeBlocks` puts it on a sheet.
 */
import { formatMoney } from '../../shared/money.js';
import type { LocalTime } from '../local-time.js';
import { DATE_TIME_FORMAT, type XlsxStyles } from '../writers/xlsx/xlsx-styles.js';
import type { XlsxSheetWriter } from '../writers/xlsx/xlsx-workbook-writer.js';
import { columnLetters, numberCell } from '../writers/xlsx/xlsx-xml.js';
import { xlsxTextCell } from './report-table.js';

export type BlockCell =
  /**
   * `spill`: long text that runs on over the empty cells to its right; it does not widen its column.
   * `header`: a column heading, bold, wrapped at spaces: only its longest word widens the column.
   */
  | { text: string; bold?: boolean; title?: boolean; spill?: boolean; header?: boolean }
  | { int: number }
  | { money: number; currency: string }
  | { at: number }
  | null;

export type BlockRow = readonly BlockCell[];

/** Rows printed together, on one page. */
export interface SheetBlock {
  rows: BlockRow[];
}

export interface BlockLayout {
  /** The blocks' rows, one empty row (null) between blocks. */
  rows: (BlockRow | null)[];
  /** Height in points of each row (a wrapped heading takes more than one line). */
  heights: number[];
  /** Column widths in characters. */
  widths: number[];
  /** Rows after which a printed page ends. */
  rowBreaks: number[];
}

/** The printable area of a landscape A4 page with the writer's margins (0.7 in sides, 0.75 in top and bottom), in points. */
const PAGE = { width: 842 - 2 * 0.7 * 72, height: 595 - 2 * 0.75 * 72 };
const ROW_POINTS = 15;
const TITLE_ROW_POINTS = 19;
/** Leaves room for readers whose rows or fonts come out a little taller than ours. */
const PAGE_SAFETY = 0.9;
const MIN_WIDTH = 8;

const BOLD = 1.1;

/** Characters a cell shows (a date-time: `yyyy-mm-dd hh:mm:ss`); a heading: its longest word. */
export function shownChars(cell: BlockCell): number {
  if (cell === null) return 0;
  if ('text' in cell) {
    const parts = cell.header ? cell.text.split(/\s+/) : cell.text.split('\n');
    return Math.max(...parts.map((part) => part.length)) * (cell.title ? 1.35 : cell.bold || cell.header ? BOLD : 1);
  }
  if ('int' in cell) return grouped(String(Math.abs(cell.int))).length + (cell.int < 0 ? 1 : 0);
  if ('money' in cell) {
    const text = formatMoney(cell.money, cell.currency);
    const [whole = '', fraction] = text.replace('-', '').split('.');
    return (text.startsWith('-') ? 1 : 0) + grouped(whole).length + (fraction === undefined ? 0 : fraction.length + 1) + 1 + cell.currency.length;
  }
  return 19;
}

function grouped(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Column width (characters of the default font) that shows `chars` whole, with a margin for wider glyphs and padding. */
export function widthFor(chars: number): number {
  return Math.max(MIN_WIDTH, Math.ceil(chars * 1.12) + 2);
}

/** Lines a heading takes when wrapped at spaces in a column `width` characters wide. */
function wrappedLines(text: string, width: number): number {
  const room = Math.max(1, (width - 2) / (1.12 * BOLD));
  let lines = 1;
  let used = 0;
  for (const word of text.split(/\s+/)) {
    if (used > 0 && used + 1 + word.length > room) {
      lines += 1;
      used = word.length;
    } else {
      used += (used > 0 ? 1 : 0) + word.length;
    }
  }
  return lines;
}

/** Points of a column `width` characters wide (7 px per character plus 5 px padding, at 96 dpi). */
function columnPoints(width: number): number {
  return (width * 7 + 5) * 0.75;
}

export function layoutBlocks(blocks: readonly SheetBlock[]): BlockLayout {
  const rows: (BlockRow | null)[] = [];
  const starts: number[] = [];
  for (const block of blocks) {
    if (rows.length > 0) rows.push(null);
    starts.push(rows.length);
    rows.push(...block.rows);
  }
  const widths: number[] = [];
  for (const row of rows) {
    row?.forEach((cell, i) => {
      const spills = cell !== null && 'text' in cell && (cell.spill || cell.title);
      widths[i] = Math.max(widths[i] ?? MIN_WIDTH, spills ? MIN_WIDTH : widthFor(shownChars(cell)));
    });
  }
  for (let i = 0; i < widths.length; i++) widths[i] ??= MIN_WIDTH;

  // Fit to width scales the page down; a page then holds more rows.
  const scale = Math.min(1, PAGE.width / widths.reduce((sum, w) => sum + columnPoints(w), 0));
  const capacity = (PAGE.height * PAGE_SAFETY) / scale;
  const heights = rows.map((row) => {
    if (row === null) return ROW_POINTS;
    let lines = 1;
    row.forEach((c, i) => {
      if (c !== null && 'text' in c && c.header) lines = Math.max(lines, wrappedLines(c.text, widths[i]!));
    });
    return row.some((c) => c !== null && 'text' in c && c.title) ? TITLE_ROW_POINTS : ROW_POINTS * lines;
  });
  const rowBreaks: number[] = [];
  let used = 0;
  blocks.forEach((block, b) => {
    const start = starts[b]!;
    const gap = b === 0 ? 0 : ROW_POINTS;
    const size = heights.slice(start, start + block.rows.length).reduce((sum, h) => sum + h, 0);
    if (used > 0 && used + gap + size > capacity) {
      rowBreaks.push(start); // the rows before the block (1-based row `start` is the gap) end the page
      used = size;
    } else {
      used += gap + size;
    }
    // A block longer than a page runs on; the page it ends on is filled from there.
    while (used > capacity) used -= capacity;
  });
  return { rows, heights, widths, rowBreaks };
}

/** Writes the laid-out rows to a sheet started with the layout's widths. */
export async function writeBlocks(sheet: XlsxSheetWriter, layout: BlockLayout, styles: XlsxStyles, time: LocalTime): Promise<void> {
  for (const [i, row] of layout.rows.entries()) {
    if (row === null) {
      await sheet.addEmptyRow();
      continue;
    }
    const height = layout.heights[i]!;
    const pending = sheet.addRow(blockCells(row, sheet.rowCount + 1, styles, time), height > ROW_POINTS ? height : undefined);
    if (pending) await pending;
  }
}

function blockCells(cells: BlockRow, rowNumber: number, styles: XlsxStyles, time: LocalTime): string {
  let xml = '';
  cells.forEach((cell, i) => {
    if (cell === null) return;
    const ref = `${columnLetters(i)}${rowNumber}`;
    if ('text' in cell) xml += xlsxTextCell(ref, cell.text, styles, cell.title ? 'title' : cell.bold || cell.header ? 'bold' : 'normal', cell.header ? 'bottom' : false);
    else if ('int' in cell) xml += numberCell(ref, cell.int, styles.style('#,##0'));
    else if ('money' in cell) xml += numberCell(ref, formatMoney(cell.money, cell.currency), styles.money(cell.currency));
    else xml += numberCell(ref, time.excelSerial(cell.at), styles.style(DATE_TIME_FORMAT));
  });
  return xml;
}
