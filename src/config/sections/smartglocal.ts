import { z } from 'zod';
import { httpUrl, nonEmptyString } from '../fields.js';
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
    })
    .prefault({}),
  http: httpClientSection,
});
