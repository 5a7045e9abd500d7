/**
 * Reading report packs back the way a user's tools would: the workbook with
 * exceljs, the CSV files with csv-parse.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';

export interface SheetCell {
  value: ExcelJS.CellValue;
  numFmt: string | undefined;
  type: ExcelJS.ValueType;
}

export interface ReadSheet {
  name: string;
  /** Header titles of row 1. */
  header: string[];
  /** Rows 2.. as title → cell. */
  rows: Record<string, SheetCell>[];
  frozenRows: number;
  autoFilter: string | undefined;
  worksheet: ExcelJS.Worksheet;
}

/** A cell's value as text: strings as they are, numbers and dates printed, empty as ''. */
export function cellText(value: ExcelJS.CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

export async function readWorkbook(file: string): Promise<Map<string, ReadSheet>> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(file);
  const sheets = new Map<string, ReadSheet>();
  for (const ws of workbook.worksheets) {
    const header: string[] = [];
    ws.getRow(1).eachCell({ includeEmpty: false }, (cell, col) => {
      header[col - 1] = cellText(cell.value);
    });
    const rows: Record<string, SheetCell>[] = [];
    for (let r = 2; r <= ws.rowCount; r++) {
      const row = ws.getRow(r);
      const record: Record<string, SheetCell> = {};
      header.forEach((title, i) => {
        const cell = row.getCell(i + 1);
        record[title] = { value: cell.value, numFmt: cell.numFmt, type: cell.type };
      });
      rows.push(record);
    }
    const view = ws.views[0] as { state?: string; ySplit?: number } | undefined;
    const autoFilter = ws.autoFilter;
    sheets.set(ws.name, {
      name: ws.name,
      header,
      rows,
      frozenRows: view?.state === 'frozen' ? (view.ySplit ?? 0) : 0,
      autoFilter: typeof autoFilter === 'string' ? autoFilter : undefined,
      worksheet: ws,
    });
  }
  return sheets;
}

export function readCsv(file: string): { header: string[]; records: Record<string, string>[] } {
  const text = readFileSync(file, 'utf8');
  const rows: string[][] = parse(text);
  const [header = [], ...body] = rows;
  return { header, records: body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']))) };
}
