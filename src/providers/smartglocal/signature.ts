/**
 * Smart Glocal's `X-PARTNER-SIGN`: an RSA signature of the exact body bytes.
 * We sign request bodies with our private key; the provider signs webhook
 * bodies with its key and we verify them with its public key. The provider
 * does not document the hash or the encoding: RSA PKCS#1 v1.5 with SHA-256,
 * base64, is what third-party clients use, and both are configurable
 * (`smartglocal.signature.hash`, `smartglocal.signature.encoding`).
 *
 * Keys are read once per process from PEM files named in the config; every
 * problem with a key file is a `ConfigError` naming the config key and the
 * file (never the key material).
 */
import { constants, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../shared/errors.js';

export type SignatureHash = 'sha256' | 'sha512' | 'sha1';
export type SignatureEncoding = 'base64' | 'hex';

export interface SignatureScheme {
  hash: SignatureHash;
  encoding: SignatureEncoding;
}

export const DEFAULT_SIGNATURE_SCHEME: SignatureScheme = Object.freeze({ hash: 'sha256', encoding: 'base64' });

/** The header carrying the signature, lower-cased as Node.js exposes request headers. */
export const SIGNATURE_HEADER = 'x-partner-sign';
export const PROJECT_HEADER = 'x-partner-project';

function toBytes(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** Signs the exact bytes of `body` (a string is signed as its UTF-8 bytes). */
export function signBody(body: string | Uint8Array, privateKey: KeyObject, scheme: SignatureScheme = DEFAULT_SIGNATURE_SCHEME): string {
  const signature = sign(scheme.hash, toBytes(body), { key: privateKey, padding: constants.RSA_PKCS1_PADDING });
  return signature.toString(scheme.encoding);
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/**
 * True when `signature` (the header value) is a valid signature of the exact
 * bytes of `body` under `publicKey`. A missing, malformed or wrong signature
 * is false, never an exception: callers answer 401.
 */
export function verifyBodySignature(
  body: string | Uint8Array,
  signature: string | readonly string[] | undefined,
  publicKey: KeyObject,
  scheme: SignatureScheme = DEFAULT_SIGNATURE_SCHEME,
): boolean {
  const first: string | undefined = typeof signature === 'string' ? signature : signature?.[0];
  const text = first?.trim();
  if (text === undefined || text === '') return false;
  const pattern = scheme.encoding === 'hex' ? HEX : BASE64;
  if (!pattern.test(text)) return false;
  const bytes = Buffer.from(text, scheme.encoding === 'hex' ? 'hex' : 'base64');
  if (bytes.length === 0) return false;
  try {
    return verify(scheme.hash, toBytes(body), { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, bytes);
  } catch {
    return false;
  }
}

function readKeyFile(file: string, configKey: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const what = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read (${code})`;
    throw new ConfigError(`${configKey}: the key file ${file} ${what}`, { cause: error });
  }
}

/** Our RSA private key from a PEM file (PKCS#1 or PKCS#8, unencrypted). */
export function loadPrivateKey(file: string, configKey = 'smartglocal.privateKeyPath'): KeyObject {
  const pem = readKeyFile(file, configKey);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    const message = (error as Error).message;
    const encrypted = /passphrase|encrypted|bad decrypt/i.test(message) || pem.includes('ENCRYPTED');
    throw new ConfigError(
      encrypted
        ? `${configKey}: the key file ${file} is encrypted; payout-recon needs an unencrypted PEM private key`
        : `${configKey}: the key file ${file} is not a PEM private key`,
      { cause: error },
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new ConfigError(`${configKey}: the key file ${file} holds a key of type ${key.asymmetricKeyType ?? 'unknown'}, not RSA (Smart Glocal signs with RSA)`);
  }
  return key;
}

/** An RSA public key (or certificate) from a PEM file. */
export function loadPublicKey(file: string, configKey = 'smartglocal.providerPublicKeyPath'): KeyObject {
  const pem = readKeyFile(file, configKey);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new ConfigError(`${configKey}: the key file ${file} is not a PEM public key or certificate`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new ConfigError(`${configKey}: the key file ${file} holds a key of type ${key.asymmetricKeyType ?? 'unknown'}, not RSA (Smart Glocal signs with RSA)`);
  }
  return key;
}

/** Checks the `X-PARTNER-SIGN` of a Smart Glocal webhook against the exact body bytes received. */
export type WebhookSignatureVerifier = (rawBody: Uint8Array | string, signatureHeader: string | readonly string[] | undefined) => boolean;

/**
 * The verifier the daemon uses for Smart Glocal webhooks: the provider's
 * public key from `smartglocal.providerPublicKeyPath` (resolved with
 * `resolvePath`), the configured scheme. Throws a `ConfigError` when the key
 * is not configured or unusable, so the daemon refuses to start rather than
 * accept unsigned webhooks.
 */
export function createWebhookVerifier(
  config: { providerPublicKeyPath?: string | undefined; signature: SignatureScheme },
  resolvePath: (p: string) => string = (p) => p,
): WebhookSignatureVerifier {
  if (config.providerPublicKeyPath === undefined) {
    throw new ConfigError('smartglocal.providerPublicKeyPath is required to accept Smart Glocal webhooks');
  }
  const publicKey = loadPublicKey(resolvePath(config.providerPublicKeyPath));
  const scheme: SignatureScheme = { hash: config.signature.hash, encoding: config.signature.encoding };
  return (rawBody, signatureHeader) => verifyBodySignature(rawBody, signatureHeader, publicKey, scheme);
}
