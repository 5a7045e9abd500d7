/**
 * One CSV file of a pack: UTF-8, RFC 4180 (CRLF line ends, quoting by
 * PapaParse: `csv-text.ts`) unless the pack asks for a BOM or `;`, written
 * chunk by chunk with back-pressure. Values arrive already as text (see
 * `report-table.ts`): amounts as plain decimals, text normalised and guarded
 * (`cell-text.ts`; no `escape_formulas`: it would also prefix negative amounts).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { csvLine, type CsvOptions, csvText, DEFAULT_CSV_OPTIONS } from './csv-text.js';
import { StreamSink } from '../stream-sink.js';

export class CsvFileWriter {
  readonly #file: WriteStream;
  readonly #sink: StreamSink;
  readonly #closed: Promise<void>;
  readonly #delimiter: CsvOptions['delimiter'];

  /** Starts `path` (which must not exist yet) with the header row (after a BOM, when asked for). */
  constructor(path: string, header: readonly string[], options: CsvOptions = DEFAULT_CSV_OPTIONS) {
    this.#delimiter = options.delimiter;
    this.#file = createWriteStream(path, { flags: 'wx' });
    this.#sink = new StreamSink(this.#file);
    this.#closed = once(this.#file, 'close').then(() => undefined);
    this.#closed.catch(() => undefined);
    this.#file.write((options.bom ? '\uFEFF' : '') + csvLine(header, this.#delimiter));
  }

  async writeRecords(records: readonly (readonly string[])[]): Promise<void> {
    if (records.length === 0) return;
    await this.#sink.write(csvText(records, this.#delimiter));
  }

  /** Ends the file and waits until it is closed. */
  async close(): Promise<void> {
    await this.#sink.end();
    await this.#closed;
  }
}
