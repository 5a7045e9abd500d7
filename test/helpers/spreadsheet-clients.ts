/**
 * Opening a pack in real spreadsheet programs: LibreOffice Calc headless
 * (render to PDF, import a CSV with its default options), poppler (the PDF's
 * text and page sizes) and openpyxl (a second, independent XLSX reader).
 * `clientsMissing()` names what is not installed, so a suite can say why it
 * skips; CI installs them (`.ci/run`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const INSPECT_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'inspect-xlsx.py');

function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** The first python3 that can import openpyxl (Debian's python3-openpyxl lives under /usr/bin/python3). */
function openpyxlPython(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import openpyxl'], { stdio: 'ignore' }).status === 0) return python;
  }
  return null;
}

/** What is missing to run the real-client checks (empty when everything is there). */
export function clientsMissing(): string[] {
  const missing: string[] = [];
  if (!commandExists('soffice')) missing.push('soffice (libreoffice-calc-nogui)');
  if (!commandExists('pdftotext') || !commandExists('pdfinfo')) missing.push('pdftotext/pdfinfo (poppler-utils)');
  if (!openpyxlPython()) missing.push('openpyxl (python3-openpyxl)');
  return missing;
}

/**
 * Converts files with LibreOffice in one start (`--convert-to pdf`, `xlsx`...);
 * the results land in `outDir` under the same base names. A throwaway profile
 * folder: LibreOffice needs a writable one, and two runs must not share it.
 */
export function libreOfficeConvert(files: readonly string[], to: string, outDir: string): void {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'payout-recon-lo-profile-'));
  try {
    const run = spawnSync(
      'soffice',
      [`-env:UserInstallation=${pathToFileURL(profile).href}`, '--headless', '--norestore', '--convert-to', to, '--outdir', outDir, ...files],
      { encoding: 'utf8', timeout: 180_000, env: { ...process.env, HOME: profile } },
    );
    if (run.status !== 0) throw new Error(`soffice --convert-to ${to} failed (${run.status ?? run.signal}): ${run.stderr}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The text of each page of a PDF, laid out as printed (`pdftotext -layout`). */
export function pdfPages(pdf: string): string[] {
  const run = spawnSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`pdftotext failed: ${run.stderr}`);
  const pages = run.stdout.split('\f');
  if (pages.at(-1)?.trim() === '') pages.pop();
  return pages;
}

/** Width and height in points of every page. */
export function pdfPageSizes(pdf: string): { width: number; height: number }[] {
  const pages = Number(/Pages:\s+(\d+)/.exec(spawnSync('pdfinfo', [pdf], { encoding: 'utf8' }).stdout)?.[1] ?? 0);
  const run = spawnSync('pdfinfo', ['-f', '1', '-l', String(pages), pdf], { encoding: 'utf8' });
  return [...run.stdout.matchAll(/Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts/g)].map((m) => ({ width: Number(m[1]), height: Number(m[2]) }));
}

export interface InspectedCell {
  ref: string;
  /** openpyxl's data type: `s` text, `n` number, `d` date, `f` formula, `b` boolean. */
  type: string;
  value: string | number | boolean | null;
  quotePrefix: boolean;
  numberFormat: string;
}

export interface InspectedSheet {
  name: string;
  freezePanes: string | null;
  printTitleRows: string | null;
  orientation: string | null;
  paperSize: string | null;
  fitToPage: boolean;
  fitToWidth: number | null;
  fitToHeight: number | null;
  footer: string;
  autoFilter: string | null;
  rowBreaks: number[];
  columnWidths: Record<string, number>;
  cells: InspectedCell[];
}

/** Every sheet and non-empty cell of a workbook, as openpyxl reads them. */
export function inspectXlsx(file: string): InspectedSheet[] {
  const python = openpyxlPython();
  if (!python) throw new Error('openpyxl is not installed');
  const run = spawnSync(python, [INSPECT_SCRIPT, file], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`inspect-xlsx.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as InspectedSheet[];
}
