/**
 * Text on its way into a cell, the same for both formats, in two steps.
 *
 * 1. `normaliseCellText`: what no spreadsheet can hold goes. C0 control
 *    characters except tab, LF and CR are removed, as are U+FFFE and U+FFFF;
 *    an unpaired surrogate becomes U+FFFD; text over a cell's 32,767 UTF-16
 *    units is cut on a code-point boundary and ends with a visible marker.
 * 2. The formula guard, on the normalised text (so a control character in
 *    front can no longer hide a `=`): text that starts, after leading
 *    whitespace and zero-width characters, with `=`, `+`, `-`, `@` (or their
 *    full-width forms, which some spreadsheets fold to ASCII), or with a tab
 *    or CR (OWASP's list) would run as a formula when a CSV is opened or a
 *    cell is edited. In CSV it gets a leading `'` (`guardCsvText`); in the
 *    `.xlsx` the text is stored as it is, in a cell with the `quotePrefix`
 *    style (`needsQuotePrefix`), which also keeps text that looks like a
 *    number (`-777`, `0012`, `1e5`) text when a user edits it.
 *
 * Numeric cells (amounts, counts) never pass through here.
 */

/** Excel's limit on the UTF-16 units of one cell. */
export const MAX_CELL_CHARS = 32_767;
export const TRUNCATION_MARKER = ' …(truncated)';

// eslint-disable-next-line no-control-regex
const NEEDS_NORMALISING = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;
// eslint-disable-next-line no-control-regex
const UNHOLDABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function normaliseCellText(text: string): string {
  let out = NEEDS_NORMALISING.test(text) ? text.replace(UNHOLDABLE, (c) => (c.charCodeAt(0) >= 0xd800 && c.charCodeAt(0) <= 0xdfff ? '\uFFFD' : '')) : text;
  if (out.length > MAX_CELL_CHARS) {
    let cut = MAX_CELL_CHARS - TRUNCATION_MARKER.length;
    const last = out.charCodeAt(cut - 1);
    if (last >= 0xd800 && last <= 0xdbff) cut -= 1; // never keep half a pair
    out = out.slice(0, cut) + TRUNCATION_MARKER;
  }
  return out;
}

const TRIGGERS: ReadonlySet<number> = new Set(['=', '+', '-', '@', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'].map((c) => c.charCodeAt(0)));
// Skipped before the first visible character: whitespace (tab and CR are triggers themselves) and zero-width characters.
const SKIPPED: ReadonlySet<number> = new Set([0x0a, 0x0b, 0x0c, 0x20, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0x180e, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff]);

/** True when a spreadsheet could take the (normalised) text for a formula. */
export function startsLikeFormula(text: string): boolean {
  const first = text.charCodeAt(0);
  // Fast path: most text starts with a letter or digit.
  if (first >= 0x30 && first < 0x7f && first !== 0x3d && first !== 0x40) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x09 || c === 0x0d) return true;
    if (SKIPPED.has(c) || (c >= 0x2000 && c <= 0x200a)) continue;
    return TRIGGERS.has(c);
  }
  return false;
}

/** CSV: normalised text, with `'` in front when it could run as a formula. */
export function guardCsvText(text: string): string {
  const normal = normaliseCellText(text);
  return startsLikeFormula(normal) ? `'${normal}` : normal;
}

// What Excel or LibreOffice would turn into a number, date or boolean if the cell were typed in.
const LOOKS_NUMERIC = /^\s*[(]?[+-]?[$€£¥]?(\d[\d,]*(\.\d*)?|\.\d+)(e[+-]?\d+)?%?[)]?\s*$|^\s*\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?(\s+\d{1,2}:\d{2}(:\d{2})?)?\s*$|^\s*\d{1,2}:\d{2}(:\d{2})?\s*$|^\s*(true|false)\s*$/i;

/** `.xlsx`: whether the (normalised) text needs the `quotePrefix` style to stay text when edited. */
export function needsQuotePrefix(text: string): boolean {
  if (startsLikeFormula(text)) return true;
  const first = text.charCodeAt(0);
  // Fast path: a letter other than t/f (true/false) in front never reads as a number.
  if (((first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a)) && (first | 0x20) !== 0x74 && (first | 0x20) !== 0x66) return false;
  return LOOKS_NUMERIC.test(text);
}
