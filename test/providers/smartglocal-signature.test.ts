import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createWebhookVerifier,
  loadPrivateKey,
  loadPublicKey,
  signBody,
  verifyBodySignature,
} from '../../src/providers/smartglocal/signature.js';
import { ConfigError } from '../../src/shared/errors.js';
import { keyPair } from '../helpers/monitoring-fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

function keyFiles() {
  const dir = tempDir();
  const { privateKeyPem, publicKeyPem } = keyPair(0);
  const privateKeyPath = path.join(dir, 'private.pem');
  const publicKeyPath = path.join(dir, 'public.pem');
  writeFileSync(privateKeyPath, privateKeyPem);
  writeFileSync(publicKeyPath, publicKeyPem);
  return { dir, privateKeyPath, publicKeyPath };
}

describe('Smart Glocal signatures', () => {
  it.each([
    { hash: 'sha256', encoding: 'base64' },
    { hash: 'sha512', encoding: 'hex' },
    { hash: 'sha1', encoding: 'base64' },
  ] as const)('signs and verifies the exact body bytes (%o)', (scheme) => {
    const { privateKeyPath, publicKeyPath } = keyFiles();
    const privateKey = loadPrivateKey(privateKeyPath);
    const publicKey = loadPublicKey(publicKeyPath);
    const body = '{"request_datetime":"2026-11-21T10:00:00.000Z","note":"Ștefan €"}';
    const signature = signBody(body, privateKey, scheme);
    expect(signature).toMatch(scheme.encoding === 'hex' ? /^[0-9a-f]+$/ : /^[A-Za-z0-9+/]+=*$/);
    expect(verifyBodySignature(body, signature, publicKey, scheme)).toBe(true);
    expect(verifyBodySignature(Buffer.from(body, 'utf8'), signature, publicKey, scheme)).toBe(true);
    // One byte more (a space) is another body.
    expect(verifyBodySignature(`${body} `, signature, publicKey, scheme)).toBe(false);
    expect(verifyBodySignature(body.replace('10:00', '10:01'), signature, publicKey, scheme)).toBe(false);
  });

  it('refuses missing, malformed, foreign and differently-encoded signatures without throwing', () => {
    const { privateKeyPath, publicKeyPath } = keyFiles();
    const privateKey = loadPrivateKey(privateKeyPath);
    const publicKey = loadPublicKey(publicKeyPath);
    const other = loadPrivateKey((() => {
      const file = path.join(tempDir(), 'other.pem');
      writeFileSync(file, keyPair(1).privateKeyPem);
      return file;
    })());
    const body = '{"type":"payment_finished"}';
    expect(verifyBodySignature(body, undefined, publicKey)).toBe(false);
    expect(verifyBodySignature(body, '', publicKey)).toBe(false);
    expect(verifyBodySignature(body, 'not base64 at all!', publicKey)).toBe(false);
    expect(verifyBodySignature(body, signBody(body, other), publicKey)).toBe(false);
    const hex = signBody(body, privateKey, { hash: 'sha256', encoding: 'hex' });
    expect(verifyBodySignature(body, hex, publicKey, { hash: 'sha256', encoding: 'base64' })).toBe(false);
    expect(verifyBodySignature(body, [signBody(body, privateKey)], publicKey)).toBe(true);
  });

  it('a webhook verifier reads the provider key named in the config, and refuses to exist without one', () => {
    const { dir, privateKeyPath } = keyFiles();
    const verify = createWebhookVerifier(
      { providerPublicKeyPath: 'public.pem', signature: { hash: 'sha256', encoding: 'base64' } },
      (p) => path.join(dir, p),
    );
    const body = Buffer.from('{"type":"ready_to_confirm","session":{"id":"ps_1"}}');
    expect(verify(body, signBody(body, loadPrivateKey(privateKeyPath)))).toBe(true);
    expect(verify(Buffer.concat([body, Buffer.from('\n')]), signBody(body, loadPrivateKey(privateKeyPath)))).toBe(false);
    expect(() => createWebhookVerifier({ signature: { hash: 'sha256', encoding: 'base64' } })).toThrow(
      'config: smartglocal.providerPublicKeyPath is required to accept Smart Glocal webhooks',
    );
  });

  it('key file problems are config errors (exit 2) naming the key and the file', () => {
    const dir = tempDir();
    const missing = path.join(dir, 'missing.pem');
    const notPem = path.join(dir, 'not.pem');
    writeFileSync(notPem, 'this is not a key\n');
    const ec = path.join(dir, 'ec.pem');
    writeFileSync(
      ec,
      generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
        .privateKey,
    );
    const encrypted = path.join(dir, 'encrypted.pem');
    writeFileSync(
      encrypted,
      generateKeyPairSync('rsa', {
        modulusLength: 1024,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey,
    );
    const cases: [string, string][] = [
      [missing, `config: smartglocal.privateKeyPath: the key file ${missing} does not exist`],
      [notPem, `config: smartglocal.privateKeyPath: the key file ${notPem} is not a PEM private key`],
      [ec, `config: smartglocal.privateKeyPath: the key file ${ec} holds a key of type ec, not RSA (Smart Glocal signs with RSA)`],
      [encrypted, `config: smartglocal.privateKeyPath: the key file ${encrypted} is encrypted; payout-recon needs an unencrypted PEM private key`],
    ];
    for (const [file, message] of cases) {
      const error = (() => {
        try {
          loadPrivateKey(file);
          return undefined;
        } catch (e) {
          return e;
        }
      })();
      expect(error, file).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).exitCode).toBe(2);
      expect((error as Error).message).toBe(message);
      expect((error as Error).message).not.toContain('secret');
    }
    expect(() => loadPublicKey(notPem)).toThrow(/smartglocal\.providerPublicKeyPath: the key file .* is not a PEM public key or certificate/);
  });
});
