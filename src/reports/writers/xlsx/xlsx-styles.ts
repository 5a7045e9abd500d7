/**
 * The workbook's cell styles, registered as cells need them and written as
 * `styles.xml` when the workbook is finished. A style is an index; cells
 * carry only that index, so a million rows cost nothing here (exceljs
 * compares a style object per cell, which is where its time goes).
 */
import { currencyExponent } from '../../../shared/currencies.js';
import { escapeXml } from './xlsx-xml.js';

type Font = 'normal' | 'bold' | 'title';
type Wrap = false | 'top' | 'bottom';
const FONTS: readonly Font[] = ['normal', 'bold', 'title'];

/** Built-in number formats Excel knows by ID. */
const BUILTIN_FORMATS: ReadonlyMap<string, number> = new Map([
  ['General', 0],
  ['0', 1],
  ['#,##0', 3],
  ['0.00%', 10],
]);

export const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';
export const DATE_FORMAT = 'yyyy-mm-dd';

/** `#,##0.00 "EUR"`, with the currency's ISO 4217 decimals. */
export function moneyFormat(currency: string): string {
  const exponent = currencyExponent(currency);
  const code = currency.replace(/[^A-Za-z0-9]/g, '');
  return `#,##0${exponent > 0 ? `.${'0'.repeat(exponent)}` : ''} "${code}"`;
}

export type { Font as XlsxFont };

export class XlsxStyles {
  readonly #formats = new Map<string, number>();
  readonly #xfs: { numFmtId: number; font: number; quotePrefix: boolean; wrap: Wrap }[] = [{ numFmtId: 0, font: 0, quotePrefix: false, wrap: false }];
  readonly #xfIndex = new Map<string, number>([['0:0:false:false', 0]]);
  readonly #money = new Map<string, number>();

  /**
   * Style index for a number format and font; `quotePrefix`: the cell's text
   * stays text when a user edits it (what a typed leading `'` does, without
   * an apostrophe in the value); `wrap`: long text wraps inside its column
   * (aligned to the cell's top or bottom) instead of running on to the right
   * across the printed page.
   */
  style(format: string, font: Font = 'normal', quotePrefix = false, wrap: Wrap = false): number {
    const numFmtId = this.#formatId(format);
    const fontId = FONTS.indexOf(font);
    const key = `${numFmtId}:${fontId}:${quotePrefix}:${wrap}`;
    let index = this.#xfIndex.get(key);
    if (index === undefined) {
      index = this.#xfs.length;
      this.#xfs.push({ numFmtId, font: fontId, quotePrefix, wrap });
      this.#xfIndex.set(key, index);
    }
    return index;
  }

  /** The amount style of a currency (cached: called once per money cell). */
  money(currency: string): number {
    let index = this.#money.get(currency);
    if (index === undefined) {
      index = this.style(moneyFormat(currency));
      this.#money.set(currency, index);
    }
    return index;
  }

  #formatId(format: string): number {
    const builtin = BUILTIN_FORMATS.get(format);
    if (builtin !== undefined) return builtin;
    let id = this.#formats.get(format);
    if (id === undefined) {
      id = 164 + this.#formats.size;
      this.#formats.set(format, id);
    }
    return id;
  }

  toXml(): string {
    const numFmts = [...this.#formats].map(([code, id]) => `<numFmt numFmtId="${id}" formatCode="${escapeXml(code)}"/>`);
    const fonts = FONTS.map((f) =>
      f === 'normal'
        ? '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        : `<font><b/><sz val="${f === 'title' ? 14 : 11}"/><name val="Calibri"/><family val="2"/></font>`,
    );
    const xfs = this.#xfs.map(
      (xf) =>
        `<xf numFmtId="${xf.numFmtId}" fontId="${xf.font}" fillId="0" borderId="0" xfId="0"${xf.numFmtId ? ' applyNumberFormat="1"' : ''}${xf.font ? ' applyFont="1"' : ''}${xf.quotePrefix ? ' quotePrefix="1"' : ''}${xf.wrap ? ` applyAlignment="1"><alignment vertical="${xf.wrap}" wrapText="1"/></xf>` : '/>'}`,
    );
    return (
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
      '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
      (numFmts.length ? `<numFmts count="${numFmts.length}">${numFmts.join('')}</numFmts>` : '') +
      `<fonts count="${fonts.length}">${fonts.join('')}</fonts>` +
      '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
      '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      `<cellXfs count="${xfs.length}">${xfs.join('')}</cellXfs>` +
      '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
      '</styleSheet>'
    );
  }
}
