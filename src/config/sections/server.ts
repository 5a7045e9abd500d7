import { z } from 'zod';
import { nonEmptyString, nonNegativeInt, positiveInt } from '../fields.js';

/**
 * Who may see the daemon's detailed views (`/healthz?detail`, later a
 * dashboard): HTTP Basic with `user` and a password whose scrypt hash is
 * `passwordHash` (`scrypt:<salt base64>:<key base64>`), and/or
 * `Authorization: Bearer <token>` with the token's SHA-256 as `tokenSha256`
 * (hex). No secret is stored in clear.
 */
export const adminSection = z
  .strictObject({
    user: nonEmptyString().optional(),
    passwordHash: z
      .string()
      .regex(/^scrypt:[A-Za-z0-9+/]+={0,2}:[A-Za-z0-9+/]+={0,2}$/, { error: 'must be "scrypt:<salt base64>:<key base64>"' })
      .optional(),
    tokenSha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, { error: 'must be the SHA-256 of the token, 64 hex digits' })
      .optional(),
  })
  .refine((a) => (a.user === undefined) === (a.passwordHash === undefined), {
    error: 'user and passwordHash go together',
  })
  .refine((a) => a.user !== undefined || a.tokenSha256 !== undefined, { error: 'needs user and passwordHash, or tokenSha256' });

export const serverSection = z
  .strictObject({
    host: nonEmptyString().default('127.0.0.1'),
    /** 0 picks a free port (tests). */
    port: nonNegativeInt().max(65535, { error: 'must be a port number (0-65535)' }).default(8080),
    /** Request bodies larger than this are refused with 413 (routes without a smaller limit). */
    bodyLimitBytes: positiveInt().default(1_048_576),
    /** Provider notification and webhook bodies larger than this are refused with 413, before they are read. */
    webhookBodyLimitBytes: positiveInt().default(65_536),
    /** Connections open at once; more are refused. */
    maxConnections: positiveInt().default(64),
    /** Credentials for the detailed views; without them only the terse `/healthz` is served. */
    admin: adminSection.optional(),
  })
  .prefault({});

export type AdminConfig = z.output<typeof adminSection>;
