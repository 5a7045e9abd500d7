/**
 * A lean streaming XLSX writer: sheet XML is produced row by row and piped
 * through yazl (deflate runs on libuv's thread pool, beside the main thread)
 * into the file, with back-pressure all the way, so memory stays flat
 * whatever the number of rows. Strings are inline (no shared-strings table
 * that would grow with unique IDs); styles are indices from `XlsxStyles`.
 * The package parts that depend on all sheets (workbook, styles, content
 * types) are added last; a zip's entry order does not matter to readers.
 *
 * Chosen over exceljs's WorkbookWriter for speed and flat memory: see
 * docs/performance.md.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { ZipFile } from 'yazl';
import { StreamSink } from '../stream-sink.js';
import { XlsxStyles } from './xlsx-styles.js';
import { escapeCellText, escapeXml, quoteSheetName, textElement } from './xlsx-xml.js';

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

export interface SheetLayout {
  /** Column widths in characters, first column first. */
  widths: readonly number[];
  /** Rows kept in view while scrolling (the header row: 1). */
  frozenRows?: number;
  /** How the sheet prints; without it, the reader's defaults. */
  print?: PrintSetup;
}

/** Landscape, A4, fit to the page's width, with a footer "<sheet>  <footer>  Page N of M". */
export interface PrintSetup {
  /** The footer's middle part (e.g. the period). */
  footer: string;
  /** Rows repeated at the top of every printed page (the header row: 1). */
  repeatRows?: number;
}

export interface WorkbookWriterOptions {
  /** zlib level for sheet XML: 1 is several times faster than 6 for ~30 % more bytes. */
  compressionLevel?: number;
  /** Entry timestamps. */
  mtime?: Date;
}

interface SheetEntry {
  name: string;
  autoFilter: string | undefined;
  repeatRows: number;
}

/**
 * Bytes of sheet XML collected before handing them to the zip stream, and
 * the most the sheet's stream holds ahead of yazl (its high-water mark):
 * one batch waits while the one before it is deflated. With four batches
 * queued (a 1 MB mark), a batch lived through two scavenges before deflate
 * released it, was promoted, and its 256 KB backing store was freed only at
 * the next mark-compact, which V8 starts late for external memory: dead
 * batches piled up to ~60 MB (`arrayBuffers`) and the peak RSS rose with the
 * length of the run. With one queued, a batch dies young and is freed at a
 * scavenge (`arrayBuffers` stays under ~9 MB at any size); deflate on the
 * thread pool still always has the next batch, so it is no slower.
 */
const BATCH_BYTES = 256 * 1024;

/**
 * The shared-strings table, for columns with few distinct values (status,
 * currency, method...): each is stored once and cells carry its index, which
 * makes the sheet XML much smaller. It is capped, so memory stays flat: past
 * the cap, new values are written inline.
 */
export class SharedStrings {
  readonly #index = new Map<string, number>();
  readonly #limit: number;
  #uses = 0;

  constructor(limit = 4096) {
    this.#limit = limit;
  }

  /** Index of `text` in the table, or -1 when the table is full. */
  indexOf(text: string): number {
    this.#uses += 1;
    let index = this.#index.get(text);
    if (index === undefined) {
      if (this.#index.size >= this.#limit) return -1;
      index = this.#index.size;
      this.#index.set(text, index);
    }
    return index;
  }

  get size(): number {
    return this.#index.size;
  }

  toXml(): string {
    const items = [...this.#index.keys()].map((t) => `<si>${textElement(escapeCellText(t))}</si>`).join('');
    return `${XML_HEAD}<sst xmlns="${MAIN_NS}" count="${this.#uses}" uniqueCount="${this.#index.size}">${items}</sst>`;
  }
}

export class XlsxWorkbookWriter {
  readonly styles = new XlsxStyles();
  readonly sharedStrings = new SharedStrings();
  readonly #zip = new ZipFile();
  readonly #file: WriteStream;
  readonly #sheets: SheetEntry[] = [];
  readonly #options: Required<WorkbookWriterOptions>;
  #current: XlsxSheetWriter | undefined;
  #failure: Error | undefined;
  readonly #closed: Promise<void>;

  /** Starts writing `path` (which must not exist yet: callers write to a temporary name). */
  constructor(path: string, options: WorkbookWriterOptions = {}) {
    this.#options = { compressionLevel: options.compressionLevel ?? 1, mtime: options.mtime ?? new Date() };
    this.#file = createWriteStream(path, { flags: 'wx' });
    const onError = (error: Error): void => this.#fail(error);
    this.#zip.on('error', onError);
    const output = this.#zip.outputStream as NodeJS.ReadableStream & NodeJS.EventEmitter;
    output.on('error', onError);
    this.#file.on('error', onError);
    output.pipe(this.#file);
    this.#closed = once(this.#file, 'close').then(() => {
      if (this.#failure) throw this.#failure;
    });
    // Awaited in finish(); a failure before then must not be an unhandled rejection.
    this.#closed.catch(() => undefined);
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#current?.sink.fail(error);
    if (!this.#file.destroyed) this.#file.destroy(error);
  }

  /** Starts the next sheet; the previous one must be closed. */
  startSheet(name: string, layout: SheetLayout): XlsxSheetWriter {
    if (this.#failure) throw this.#failure;
    if (this.#current && !this.#current.closed) throw new Error(`sheet ${this.#current.name} is still open`);
    const index = this.#sheets.length + 1;
    const entry: SheetEntry = { name, autoFilter: undefined, repeatRows: layout.print?.repeatRows ?? 0 };
    this.#sheets.push(entry);
    const stream = new PassThrough({ highWaterMark: BATCH_BYTES });
    this.#zip.addReadStream(stream, `xl/worksheets/sheet${index}.xml`, {
      compressionLevel: this.#options.compressionLevel,
      mtime: this.#options.mtime,
    });
    const sheet = new XlsxSheetWriter(name, new StreamSink(stream), layout, index === 1, (ref) => {
      entry.autoFilter = ref;
    });
    this.#current = sheet;
    return sheet;
  }

  /** Adds the package parts and waits until the whole file is on disk (not yet fsynced). */
  async finish(): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#current && !this.#current.closed) throw new Error(`sheet ${this.#current.name} is still open`);
    if (this.#sheets.length === 0) throw new Error('a workbook needs at least one sheet');
    const add = (text: string, name: string): void =>
      this.#zip.addBuffer(Buffer.from(text, 'utf8'), name, { compressionLevel: 6, mtime: this.#options.mtime });
    add(this.#contentTypes(), '[Content_Types].xml');
    add(
      `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
        `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      '_rels/.rels',
    );
    add(this.#workbook(), 'xl/workbook.xml');
    add(this.#workbookRels(), 'xl/_rels/workbook.xml.rels');
    add(this.styles.toXml(), 'xl/styles.xml');
    if (this.sharedStrings.size > 0) add(this.sharedStrings.toXml(), 'xl/sharedStrings.xml');
    this.#zip.end();
    await this.#closed;
  }

  /** Stops writing after a failure elsewhere; the caller removes the file. */
  async abort(error: Error): Promise<void> {
    this.#fail(error);
    await this.#closed.catch(() => undefined);
  }

  #contentTypes(): string {
    const sheets = this.#sheets
      .map(
        (_, i) =>
          `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
      )
      .join('');
    return (
      `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
      (this.sharedStrings.size > 0
        ? '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        : '') +
      `${sheets}</Types>`
    );
  }

  #workbook(): string {
    const sheets = this.#sheets
      .map((s, i) => `<sheet name="${escapeXml(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
      .join('');
    // Excel keeps each sheet's filter range in a hidden defined name; without it the filter still works but Excel repairs silently.
    // Print titles (rows repeated on every page) are a defined name too.
    const filters = this.#sheets
      .map(
        (s, i) =>
          (s.autoFilter
            ? `<definedName name="_xlnm._FilterDatabase" localSheetId="${i}" hidden="1">${escapeXml(quoteSheetName(s.name))}!${absoluteRef(s.autoFilter)}</definedName>`
            : '') +
          (s.repeatRows > 0 ? `<definedName name="_xlnm.Print_Titles" localSheetId="${i}">${escapeXml(quoteSheetName(s.name))}!$1:$${s.repeatRows}</definedName>` : ''),
      )
      .join('');
    return (
      `${XML_HEAD}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
      '<bookViews><workbookView activeTab="0"/></bookViews>' +
      `<sheets>${sheets}</sheets>` +
      (filters ? `<definedNames>${filters}</definedNames>` : '') +
      '<calcPr calcId="191029"/></workbook>'
    );
  }

  #workbookRels(): string {
    const sheets = this.#sheets
      .map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`)
      .join('');
    const stylesId = this.#sheets.length + 1;
    const shared =
      this.sharedStrings.size > 0 ? `<Relationship Id="rId${stylesId + 1}" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/>` : '';
    return (
      `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets}` +
      `<Relationship Id="rId${stylesId}" Type="${REL_NS}/styles" Target="styles.xml"/>${shared}</Relationships>`
    );
  }
}

function absoluteRef(range: string): string {
  return range
    .split(':')
    .map((ref) => ref.replace(/^([A-Z]+)(\d+)$/, '$$$1$$$2'))
    .join(':');
}

/** One sheet being written: rows in order, then `close`. */
export class XlsxSheetWriter {
  readonly name: string;
  readonly sink: StreamSink;
  readonly #setAutoFilter: (ref: string) => void;
  readonly #print: PrintSetup | undefined;
  #rows = 0;
  // Rows are encoded straight into a batch buffer (no joined string, no second copy).
  #batch = Buffer.allocUnsafe(BATCH_BYTES);
  #used = 0;
  #closed = false;

  constructor(name: string, sink: StreamSink, layout: SheetLayout, selected: boolean, setAutoFilter: (ref: string) => void) {
    this.name = name;
    this.sink = sink;
    this.#setAutoFilter = setAutoFilter;
    this.#print = layout.print;
    const frozen = layout.frozenRows ?? 0;
    const pane =
      frozen > 0
        ? `<pane ySplit="${frozen}" topLeftCell="A${frozen + 1}" activePane="bottomLeft" state="frozen"/>` +
          `<selection pane="bottomLeft" activeCell="A${frozen + 1}" sqref="A${frozen + 1}"/>`
        : '';
    const cols = layout.widths
      .map((w, i) => `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`)
      .join('');
    // The sheet head always fits the empty batch: nothing to wait for.
    void this.#push(
      `${XML_HEAD}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
        // CT_Worksheet is a sequence: sheetPr, sheetViews, sheetFormatPr, cols, sheetData, ..., autoFilter, ...,
        // pageMargins, pageSetup, headerFooter, rowBreaks, ..., ignoredErrors. Readers reject other orders.
        (layout.print ? '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' : '') +
        `<sheetViews><sheetView${selected ? ' tabSelected="1"' : ''} workbookViewId="0">${pane}</sheetView></sheetViews>` +
        '<sheetFormatPr defaultRowHeight="15"/>' +
        (cols ? `<cols>${cols}</cols>` : '') +
        '<sheetData>',
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Rows written so far; the next row is number `rowCount + 1`. */
  get rowCount(): number {
    return this.#rows;
  }

  /**
   * Adds one row. `cells` is the row's cell XML, built with the row number
   * `rowCount + 1` (see `xlsx-xml.ts`). Returns a promise to await only when
   * a batch was handed to the zip stream (back-pressure); most rows return
   * nothing, which saves a million awaits on a big sheet. `heightPoints`:
   * a fixed height (a heading wrapped on several lines).
   */
  addRow(cells: string, heightPoints?: number): Promise<void> | undefined {
    this.#rows += 1;
    if (heightPoints !== undefined) return this.#push(`<row r="${this.#rows}" ht="${heightPoints}" customHeight="1">${cells}</row>`);
    return this.#push(`<row r="${this.#rows}">${cells}</row>`);
  }

  /** Adds an empty row (a gap between blocks). */
  addEmptyRow(): Promise<void> | undefined {
    this.#rows += 1;
    return undefined;
  }

  /**
   * Closes the sheet; `autoFilter` is a range such as `A1:N1001`; `rowBreaks`
   * are the rows after which a printed page ends.
   */
  async close(options: { autoFilter?: string; ignoreNumbersAsText?: string; rowBreaks?: readonly number[] } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    let tail = '</sheetData>';
    if (options.autoFilter) {
      tail += `<autoFilter ref="${options.autoFilter}"/>`;
      this.#setAutoFilter(options.autoFilter);
    }
    tail += '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>';
    if (this.#print) {
      // paperSize 9 is A4; fitToHeight 0: as many pages down as needed.
      tail += '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>';
      tail += `<headerFooter><oddFooter>${escapeXml(`&L&A&C${this.#print.footer.replace(/&/g, '&&')}&RPage &P of &N`)}</oddFooter></headerFooter>`;
    }
    const breaks = options.rowBreaks ?? [];
    if (breaks.length > 0) {
      tail += `<rowBreaks count="${breaks.length}" manualBreakCount="${breaks.length}">${breaks.map((r) => `<brk id="${r}" max="16383" man="1"/>`).join('')}</rowBreaks>`;
    }
    // IDs are text on purpose; do not flag every one of them as "number stored as text".
    if (options.ignoreNumbersAsText) {
      tail += `<ignoredErrors><ignoredError sqref="${options.ignoreNumbersAsText}" numberStoredAsText="1"/></ignoredErrors>`;
    }
    await this.#push(`${tail}</worksheet>`);
    await this.#handOn();
    await this.sink.end();
  }

  /**
   * Adds text to the batch. When the batch is full it is handed to the zip
   * stream first, synchronously, so the order of the XML never depends on
   * the caller awaiting; the returned promise is the back-pressure.
   */
  #push(text: string): Promise<void> | undefined {
    // A UTF-16 unit never takes more than 3 bytes of UTF-8.
    if (this.#used + text.length * 3 <= this.#batch.length) {
      this.#used += this.#batch.write(text, this.#used);
      return undefined;
    }
    const handedOn = this.#handOn();
    if (text.length * 3 > this.#batch.length) {
      const large = this.sink.write(Buffer.from(text, 'utf8'));
      return handedOn ? Promise.all([handedOn, large]).then(() => undefined) : large;
    }
    this.#used += this.#batch.write(text, this.#used);
    return handedOn;
  }

  /** Hands the batch to the zip stream (which keeps it until deflated) and starts a new one. */
  #handOn(): Promise<void> | undefined {
    if (this.#used === 0) return undefined;
    const full = this.#batch.subarray(0, this.#used);
    this.#batch = Buffer.allocUnsafe(BATCH_BYTES);
    this.#used = 0;
    return this.sink.write(full);
  }
}

