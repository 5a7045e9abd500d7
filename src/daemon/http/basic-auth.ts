/**
 * HTTP Basic authentication for provider callbacks (Smart2Pay sends its
 * notifications with `SiteID:ApiKey`). The comparison takes the same time
 * whether the first or the last byte differs: both sides are hashed to
 * equal-length SHA-256 digests and compared with `crypto.timingSafeEqual`,
 * and the user and password are both always compared.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError, type HttpRequest } from './router.js';

export interface BasicCredentials {
  user: string;
  password: string;
}

/** The credentials of an `Authorization: Basic …` header, or null when absent or malformed. */
export function parseBasicAuth(header: string | undefined): BasicCredentials | null {
  if (header === undefined) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time check of an `Authorization` header against the expected credentials. */
export function basicAuthMatches(header: string | undefined, expected: BasicCredentials): boolean {
  const parsed = parseBasicAuth(header);
  const given = parsed ?? { user: '', password: '' };
  const userOk = timingSafeEqual(digest(given.user), digest(expected.user));
  const passwordOk = timingSafeEqual(digest(given.password), digest(expected.password));
  return parsed !== null && userOk && passwordOk;
}

/** Throws 401 (with a `WWW-Authenticate` challenge) unless the request carries the expected credentials. */
export function requireBasicAuth(request: HttpRequest, expected: BasicCredentials, realm = 'payout-recon'): void {
  if (!basicAuthMatches(request.headers.authorization, expected)) {
    throw new HttpError(401, 'authentication required', { 'www-authenticate': `Basic realm="${realm}", charset="UTF-8"` });
  }
}
