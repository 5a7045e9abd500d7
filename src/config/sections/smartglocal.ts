import { z } from 'zod';
import { httpUrl, nonEmptyString, timeZone } from '../fields.js';
import { fileFormatKeys, separatorsDiffer } from './file-formats.js';
import { httpClientSection } from './http-client.js';

export const smartglocalSection = z.strictObject({
  baseUrl: httpUrl(),
  project: nonEmptyString(),
  /** PEM file with our RSA private key; signs every request body (X-PARTNER-SIGN). */
  privateKeyPath: nonEmptyString(),
  /** PEM file with Smart Glocal's public key; verifies webhook signatures. */
  providerPublicKeyPath: nonEmptyString().optional(),
  /** The provider does not document the signature; RSA-SHA256 PKCS#1 v1.5 base64 is the assumption. */
  signature: z
    .strictObject({
      hash: z.enum(['sha256', 'sha512', 'sha1'], { error: 'must be "sha256", "sha512" or "sha1"' }).default('sha256'),
      encoding: z.enum(['base64', 'hex'], { error: 'must be "base64" or "hex"' }).default('base64'),
      /** SHA-1 is weak: `hash: "sha1"` is refused unless this is true as well. */
      allowSha1: z.boolean().default(false),
    })
    .refine((s) => s.hash !== 'sha1' || s.allowSha1, {
      error: 'hash "sha1" is weak: set signature.allowSha1 to true as well if the provider really signs with SHA-1',
    })
    .prefault({}),
  /** The daily report (`import --kind provider-report`); both facts are undocumented, so assumptions. */
  report: z
    .strictObject({
      /** Zone of the report's zone-less `finishedAt` / `transactionDate`. */
      timezone: timeZone().default('UTC'),
      /** Which amount column of a `Refund` row is the money back on the balance. */
      refundAmountColumn: z
        .enum(['paymentLocalAmount', 'grossLocalAmount'], { error: 'must be "paymentLocalAmount" or "grossLocalAmount"' })
        .default('paymentLocalAmount'),
      ...fileFormatKeys,
    })
    .superRefine(separatorsDiffer)
    .prefault({}),
  http: httpClientSection,
});
