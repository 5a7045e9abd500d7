/**
 * CSV text of records of strings, byte for byte what csv-stringify 6 writes
 * with the pack's options (`record_delimiter: 'windows'`, everything else
 * default), without its per-field cost (a cast, an options lookup and a few
 * small arrays per field: at a million rows of fifteen fields that was most
 * of the CSV thread's time and garbage).
 *
 * csv-stringify's rule with those options, for a non-empty field: quote it
 * when it contains the delimiter `,`, the quote `"` or the record delimiter
 * `\r\n`; a lone `\n` or `\r` does not quote (`quote_record_delimiter` is
 * off when a record delimiter is given, and a trailing `\r` does not fuse
 * with the `\r\n` that follows: the first `\r\n` of `"x\r" + "\r\n"`
 * starts after the field). Quotes inside are doubled. Empty fields
 * stay empty. Every record ends with `\r\n`. A test checks this against
 * csv-stringify itself on random fields.
 */

/** The characters that may make a field need quotes; most fields have none. */
const MAYBE_QUOTED = /[",\r]/;

export function csvField(value: string): string {
  if (!MAYBE_QUOTED.test(value)) return value;
  if (value.includes('"')) return `"${value.replaceAll('"', '""')}"`;
  if (value.includes(',') || value.includes('\r\n')) return `"${value}"`;
  return value;
}

/** One record (`\r\n` included). */
export function csvLine(fields: readonly string[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) line += ',';
    line += csvField(fields[i]!);
  }
  return `${line}\r\n`;
}

/** Records, one after the other. */
export function csvText(records: readonly (readonly string[])[]): string {
  let text = '';
  for (const record of records) text += csvLine(record);
  return text;
}
