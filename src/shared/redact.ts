/**
 * What messages may show of values they did not choose: a field from an
 * imported file (clipped, with control bytes escaped, so a 60 MB cell or an
 * escape sequence never reaches a terminal whole) and URLs (a password in
 * the userinfo or in a query parameter is hidden). The logger and the CLI's
 * error output pass every message through `redactUrlsIn`.
 */

/** Values in messages are clipped to this many characters. */
export const CLIP_CHARS = 80;

/**
 * The value as a message may show it: control and other non-printable
 * characters escaped (`\n`, `\x1b`, `\u200b`), then clipped to `max`
 * characters with the full length told.
 */
export function clipValue(value: string, max = CLIP_CHARS): string {
  // Escape only what is looked at (plus a margin for escapes), whatever the value's size.
  const head = value.length > max * 2 ? value.slice(0, max * 2) : value;
  const escaped = head.replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
  if (escaped.length <= max && head.length === value.length) return escaped;
  return `${escaped.slice(0, max - 1)}… (${value.length.toLocaleString('en')} characters)`;
}

/** Query parameters whose values are secrets. */
const SECRET_PARAMETER = /^(password|passwd|pass|pwd|sslpassword|sslkey|secret|client_secret|token|access_token|api[-_]?key|key|auth|signature|sig)$/i;

/** The URL with its password and secret query parameters replaced by `***` (unparsable: scheme and host only). */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
    return scheme ? `${scheme}//…` : '…';
  }
  if (parsed.password) parsed.password = '***';
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAMETER.test(name)) parsed.searchParams.set(name, '***');
  }
  // URLSearchParams encodes `***` as `%2A%2A%2A`: show it plainly.
  return parsed.toString().replace(/%2A%2A%2A/g, '***');
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/** Every URL in `text` redacted (see `redactUrl`). */
export function redactUrlsIn(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_IN_TEXT, (url) => (/[@?]/.test(url) ? redactUrl(url) : url));
}
