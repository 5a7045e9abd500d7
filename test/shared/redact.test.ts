import { expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { clipValue, redactUrl, redactUrlsIn } from '../../src/shared/redact.js';
import { parseMoney } from '../../src/shared/money.js';

it('redacts the password in the userinfo and secret query parameters of a URL', () => {
  expect(redactUrl('postgres://app:s3cret@db.internal:5432/ledger?sslmode=require&password=p2&sslpassword=p3')).toBe(
    'postgres://app:***@db.internal:5432/ledger?sslmode=require&password=***&sslpassword=***',
  );
  expect(redactUrl('https://hooks.example/x?token=abc&channel=ops')).toBe('https://hooks.example/x?token=***&channel=ops');
  expect(redactUrl('postgres://u:pw@[bad')).toBe('postgres://…');
});

it('redacts every URL inside a message, and the logger does it for messages and fields', () => {
  const text = 'ledger: cannot connect to postgres://u:pw1@h/db?sslpassword=pw2 (ECONNREFUSED)';
  expect(redactUrlsIn(text)).toBe('ledger: cannot connect to postgres://u:***@h/db?sslpassword=*** (ECONNREFUSED)');
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l) });
  log.error(text, { url: 'postgres://u:pw3@h/db' });
  expect(lines.join('\n')).not.toMatch(/pw1|pw2|pw3/);
});

it('clips values at 80 characters and escapes non-printable characters', () => {
  expect(clipValue('EUR')).toBe('EUR');
  expect(clipValue('a\x1b[31mred\nline\u200b')).toBe('a\\x1b[31mred\\nline\\u{200b}');
  const huge = '9'.repeat(60_000_000);
  const clipped = clipValue(huge);
  expect(clipped.length).toBeLessThan(120);
  expect(clipped).toMatch(/^9{79}… \(60,000,000 characters\)$/);
});

it('an amount error echoes a clipped, escaped value, not the whole field', () => {
  const value = `${'1'.repeat(1_000_000)}\x1b[2J`;
  let message = '';
  try {
    parseMoney(value, 'EUR');
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toMatch(/is not a decimal amount|too large/);
  expect(message.length).toBeLessThan(300);
  expect(message).not.toContain('\x1b');
});
