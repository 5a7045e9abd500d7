/**
 * The daemon's admin: who may see detailed views (`/healthz?detail`, and any
 * later admin page: call `requireAdmin` first). `server.admin` holds a user
 * with the scrypt hash of a password (HTTP Basic) and/or the SHA-256 of a
 * bearer token; nothing secret in clear. Comparisons take the same time
 * wherever the inputs differ (`timingSafeEqual` on equal-length digests).
 */
import { createHash, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { AdminConfig } from '../../config/sections/server.js';
import { parseBasicAuth } from './basic-auth.js';
import { HttpError, type HttpRequest } from './router.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** `scrypt:<salt>:<key>` for a password (N=16384, r=8, p=1, 32-byte key): what `server.admin.passwordHash` holds. */
export async function hashAdminPassword(password: string, salt: Buffer): Promise<string> {
  const key = await scryptAsync(password, salt, 32);
  return `scrypt:${salt.toString('base64')}:${key.toString('base64')}`;
}

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [, saltText = '', keyText = ''] = stored.split(':');
  const expected = Buffer.from(keyText, 'base64');
  const given = await scryptAsync(password, Buffer.from(saltText, 'base64'), expected.length);
  return timingSafeEqual(given, expected);
}

function bearerToken(header: string | undefined): string | null {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** True when the request carries the admin's credentials. */
export async function isAdmin(request: HttpRequest, admin: AdminConfig | undefined): Promise<boolean> {
  if (!admin) return false;
  const header = request.headers.authorization;
  const token = bearerToken(header);
  if (token !== null) {
    if (admin.tokenSha256 === undefined) return false;
    return timingSafeEqual(sha256(token), Buffer.from(admin.tokenSha256, 'hex'));
  }
  const basic = parseBasicAuth(header);
  if (!basic || admin.user === undefined || admin.passwordHash === undefined) return false;
  const userOk = timingSafeEqual(sha256(basic.user), sha256(admin.user));
  // The password is always hashed, so a wrong user takes as long as a wrong password.
  const passwordOk = await passwordMatches(basic.password, admin.passwordHash);
  return userOk && passwordOk;
}

/** Throws 401 unless the request carries the admin's credentials (403 when no admin is configured). */
export async function requireAdmin(request: HttpRequest, admin: AdminConfig | undefined): Promise<void> {
  if (!admin) throw new HttpError(403, 'the detailed view needs server.admin in the configuration');
  if (!(await isAdmin(request, admin))) {
    throw new HttpError(401, 'admin authentication required', { 'www-authenticate': 'Basic realm="payout-recon admin", charset="UTF-8"' });
  }
}
