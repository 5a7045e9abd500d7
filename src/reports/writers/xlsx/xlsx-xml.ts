/**
 * The bits of SpreadsheetML text the streaming writer needs: escaping,
 * column letters, cell fragments. Kept free of I/O so they are tested with
 * plain values.
 */

/** Excel's limit on rows per sheet. */
export const MAX_SHEET_ROWS = 1_048_576;

// Characters XML 1.0 does not allow at all (tab, LF and CR are allowed).
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex
const NEEDS_WORK = /[&<>"\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;

/**
 * Text for an element body or attribute value: `&`, `<`, `>` and `"`
 * escaped, CR as `&#13;` (a reader turns a literal CR into LF), characters
 * XML cannot carry dropped, unpaired surrogates replaced.
 */
export function escapeXml(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  return text
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;');
}

/** `0` → `A`, `25` → `Z`, `26` → `AA`. */
export function columnLetters(index: number): string {
  let n = index + 1;
  let letters = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    letters = String.fromCharCode(65 + rem) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

const OOXML_ESCAPE = /_(x[0-9A-Fa-f]{4}_)/g;

/**
 * Cell text (already normalised, `cell-text.ts`) as the body of a `<t>`:
 * XML-escaped, and a literal `_xHHHH_` written as `_x005F_xHHHH_`, because
 * readers decode `_xHHHH_` as the character HHHH.
 */
export function escapeCellText(text: string): string {
  return escapeXml(text.includes('_x') ? text.replace(OOXML_ESCAPE, '_x005F_$1') : text);
}

/** `<t>` with `xml:space="preserve"` when the escaped body starts or ends with whitespace. */
export function textElement(body: string): string {
  const space = body.length > 0 && (body.charCodeAt(0) <= 32 || body.charCodeAt(body.length - 1) <= 32) ? ' xml:space="preserve"' : '';
  return `<t${space}>${body}</t>`;
}

/** An inline string cell of normalised text (no shared-strings table: memory stays flat however many rows). */
export function inlineStringCell(ref: string, text: string, style: number): string {
  return `<c r="${ref}"${style ? ` s="${style}"` : ''} t="inlineStr"><is>${textElement(escapeCellText(text))}</is></c>`;
}

/** A cell showing entry `index` of the shared-strings table. */
export function sharedStringCell(ref: string, index: number): string {
  return `<c r="${ref}" t="s"><v>${index}</v></c>`;
}

/** A numeric cell; `value` is the number's decimal text (e.g. an amount from `formatMoney`, never a float's rounding). */
export function numberCell(ref: string, value: string | number, style: number): string {
  return `<c r="${ref}"${style ? ` s="${style}"` : ''}><v>${value}</v></c>`;
}

/** A sheet name inside a formula or defined name: `'By purpose'!`. */
export function quoteSheetName(name: string): string {
  return `'${name.replace(/'/g, "''")}'`;
}
