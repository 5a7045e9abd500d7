import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { basicAuthMatches, parseBasicAuth, requireBasicAuth } from '../../src/daemon/http/basic-auth.js';
import { type RunningHttpServer, startHttpServer } from '../../src/daemon/http/http-server.js';
import { HttpError, Router } from '../../src/daemon/http/router.js';
import { createLogger } from '../../src/shared/logger.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const CREDENTIALS = { user: '1010', password: 'api-key-secret' };

let server: RunningHttpServer | undefined;
const logs: string[] = [];

afterEach(async () => {
  await server?.close();
  server = undefined;
  logs.length = 0;
});

async function serve(limit = 64): Promise<string> {
  const router = new Router()
    .get('/ping', async () => ({ status: 200, text: 'pong' }))
    .post('/echo', async (req) => {
      requireBasicAuth(req, CREDENTIALS);
      const body = await req.json();
      return { status: 200, json: { received: body, raw: (await req.body()).length } };
    })
    .post('/empty', async () => ({ status: 204 }))
    .post('/conflict', async () => {
      throw new HttpError(409, 'already there');
    })
    .post('/boom', async () => {
      throw new Error('secret detail that must not leak');
    });
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    bodyLimitBytes: limit,
    router,
    log: createLogger({ write: (line) => logs.push(line) }),
  });
  return server.url;
}

/** A raw request, so bodies can be chunked without a length. */
function send(url: string, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('daemon HTTP server and router', () => {
  it('listens on a free port when port is 0 and routes GET', async () => {
    const url = await serve();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server!.port).toBeGreaterThan(0);
    const res = await fetch(`${url}/ping`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('pong');
  });

  it('404 for unknown paths, 405 with Allow for a wrong method', async () => {
    const url = await serve();
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no such endpoint: /nope' });
    const wrong = await fetch(`${url}/ping`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`${url}/ping`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('parses JSON bodies; 400 on malformed or empty JSON', async () => {
    const url = await serve();
    const auth = { authorization: basic(CREDENTIALS.user, CREDENTIALS.password), 'content-type': 'application/json' };
    const ok = await fetch(`${url}/echo`, { method: 'POST', headers: auth, body: '{"Payout":{"ID":7}}' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ received: { Payout: { ID: 7 } }, raw: 19 });
    const bad = await fetch(`${url}/echo`, { method: 'POST', headers: auth, body: '{"Payout":' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'the request body is not valid JSON' });
    const empty = await fetch(`${url}/echo`, { method: 'POST', headers: auth });
    expect(empty.status).toBe(400);
  });

  it('413 past the body limit, by Content-Length and by counting a chunked body', async () => {
    const url = await serve(64);
    const auth = { authorization: basic(CREDENTIALS.user, CREDENTIALS.password) };
    const declared = await send(url, 'POST', '/echo', JSON.stringify({ pad: 'x'.repeat(100) }), auth);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toEqual({ error: 'the request body is larger than 64 bytes' });
    const chunked = await send(url, 'POST', '/echo', JSON.stringify({ pad: 'y'.repeat(100) }), { ...auth, 'transfer-encoding': 'chunked' });
    expect(chunked.status).toBe(413);
    expect(chunked.headers.connection).toBe('close');
    const fits = await send(url, 'POST', '/echo', JSON.stringify({ pad: 'z'.repeat(10) }), { ...auth, 'transfer-encoding': 'chunked' });
    expect(fits.status).toBe(200);
  });

  it('401 with a Basic challenge on missing or wrong credentials, before reading the body', async () => {
    const url = await serve();
    for (const authorization of [undefined, basic(CREDENTIALS.user, 'wrong'), basic('1011', CREDENTIALS.password), 'Bearer abc', 'Basic !!!']) {
      const res = await fetch(`${url}/echo`, { method: 'POST', headers: authorization ? { authorization } : {}, body: '{}' });
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="payout-recon"/);
    }
  });

  it('204 without a body; HttpError keeps its status; other errors are a 500 that does not leak', async () => {
    const url = await serve();
    const empty = await fetch(`${url}/empty`, { method: 'POST' });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
    const conflict = await fetch(`${url}/conflict`, { method: 'POST' });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toEqual({ error: 'already there' });
    const boom = await fetch(`${url}/boom`, { method: 'POST' });
    expect(boom.status).toBe(500);
    const text = await boom.text();
    expect(text).not.toContain('secret');
    expect(logs.join('\n')).toContain('POST /boom failed');
  });

  it('rejects registering the same route twice and paths without a slash', () => {
    const router = new Router().get('/a', async () => ({ status: 200 }));
    expect(() => router.get('/a', async () => ({ status: 200 }))).toThrow(/twice/);
    expect(() => router.get('a', async () => ({ status: 200 }))).toThrow(/must start with/);
  });
});

describe('Basic auth check', () => {
  it('parses Basic credentials; the password may contain colons', () => {
    expect(parseBasicAuth(basic('1010', 'a:b:c'))).toEqual({ user: '1010', password: 'a:b:c' });
    expect(parseBasicAuth('basic ' + Buffer.from('u:p').toString('base64'))).toEqual({ user: 'u', password: 'p' });
    expect(parseBasicAuth(undefined)).toBeNull();
    expect(parseBasicAuth('Basic ' + Buffer.from('no-colon').toString('base64'))).toBeNull();
    expect(parseBasicAuth('Digest abc')).toBeNull();
  });

  it('accepts exactly the expected user and password, whatever their lengths', () => {
    expect(basicAuthMatches(basic('1010', 'api-key-secret'), CREDENTIALS)).toBe(true);
    expect(basicAuthMatches(basic('1010', 'api-key-secre'), CREDENTIALS)).toBe(false);
    expect(basicAuthMatches(basic('1010', 'api-key-secret-and-more'), CREDENTIALS)).toBe(false);
    expect(basicAuthMatches(basic('101', 'api-key-secret'), CREDENTIALS)).toBe(false);
    expect(basicAuthMatches(basic('', ''), { user: '', password: '' })).toBe(true);
    expect(basicAuthMatches(undefined, { user: '', password: '' })).toBe(false);
  });
});
