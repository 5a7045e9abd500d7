/**
 * Formula injection: a spreadsheet treats text starting with `=`, `+`, `-`,
 * `@` (and tab, CR, LF, which some spreadsheets skip before such a sign) as
 * a formula when it is typed in, pasted or opened from CSV. Text cells that
 * start so are prefixed with an apostrophe in both formats; numeric cells are
 * written as numbers and never pass through here. The full-width forms are
 * included because some spreadsheets normalise them to the ASCII signs.
 */
const TRIGGERS: ReadonlySet<number> = new Set(
  ['=', '+', '-', '@', '\t', '\r', '\n', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'].map((c) => c.charCodeAt(0)),
);

export function neutraliseFormula(text: string): string {
  return text.length > 0 && TRIGGERS.has(text.charCodeAt(0)) ? `'${text}` : text;
}
