import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MalformedResponseError, parseRetryAfter, ProviderHttpClient } from '../../src/shared/http/provider-http-client.js';
import { ProviderError } from '../../src/shared/errors.js';

type Script = (req: http.IncomingMessage, res: http.ServerResponse, attempt: number) => void;

const servers: http.Server[] = [];
const clients: ProviderHttpClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

async function serve(script: Script): Promise<{ url: string; hits: number[] }> {
  const hits: number[] = [];
  const server = http.createServer((req, res) => {
    hits.push(Date.now());
    script(req, res, hits.length);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

function client(url: string, http: Partial<ConstructorParameters<typeof ProviderHttpClient>[0]['http']> = {}): ProviderHttpClient {
  const c = new ProviderHttpClient({
    provider: 'testpay',
    baseUrl: url,
    credentialKeys: 'testpay.siteId and testpay.apiKey',
    http: {
      connectTimeoutMs: 1000,
      headersTimeoutMs: 1000,
      bodyTimeoutMs: 1000,
      maxRetries: 3,
      retryBaseDelayMs: 10,
      retryMaxDelayMs: 2000,
      requestsPerSecond: 0,
      connections: 2,
      ...http,
    },
  });
  clients.push(c);
  return c;
}

const getJson = (c: ProviderHttpClient) =>
  c.request({ method: 'GET', path: '/thing', parse: (body) => JSON.parse(body) as { ok: boolean } });

describe('provider HTTP client', () => {
  it('retries 429 after the Retry-After the provider asked for', async () => {
    const { url, hits } = await serve((_req, res, attempt) => {
      if (attempt === 1) {
        res.writeHead(429, { 'retry-after': '1' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const c = client(url);
    await expect(getJson(c)).resolves.toEqual({ ok: true });
    expect(hits).toHaveLength(2);
    expect(hits[1]! - hits[0]!).toBeGreaterThanOrEqual(950);
    expect(c.stats).toEqual({ requests: 2, retries: 1 });
  });

  it('retries 5xx and 429 without Retry-After with backoff, then gives up with exit-1 error naming the status', async () => {
    const { url, hits } = await serve((_req, res) => res.writeHead(503).end('busy'));
    const error = await getJson(client(url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).exitCode).toBe(1);
    expect((error as Error).message).toBe('testpay: GET /thing failed after 4 attempts: HTTP 503');
    expect(hits).toHaveLength(4);
  });

  it('does not retry refused credentials and names the keys to check', async () => {
    const { url, hits } = await serve((_req, res) => res.writeHead(401).end());
    const error = await getJson(client(url)).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'testpay: the provider refused our credentials (HTTP 401); check testpay.siteId and testpay.apiKey in the configuration',
    );
    expect(hits).toHaveLength(1);
  });

  it('does not retry a malformed 2xx body', async () => {
    const { url, hits } = await serve((_req, res) => res.writeHead(200).end('{"Payouts": [tru'));
    const c = client(url);
    const error = await c
      .request({
        method: 'GET',
        path: '/thing',
        parse: (body) => {
          try {
            return JSON.parse(body) as unknown;
          } catch (e) {
            throw new MalformedResponseError(`not JSON (${(e as Error).message})`);
          }
        },
      })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^testpay: GET \/thing returned an unusable response: not JSON/);
    expect(hits).toHaveLength(1);
  });

  it('retries a response whose body stalls past the body timeout, and a reset connection', async () => {
    const { url, hits } = await serve((req, res, attempt) => {
      if (attempt === 1) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"ok":');
        return; // never finishes: body timeout
      }
      if (attempt === 2) {
        req.socket.destroy(); // connection reset
        return;
      }
      res.writeHead(200).end('{"ok":true}');
    });
    await expect(getJson(client(url, { bodyTimeoutMs: 200 }))).resolves.toEqual({ ok: true });
    expect(hits).toHaveLength(3);
  });

  it('keeps to the request rate limit', async () => {
    const { url, hits } = await serve((_req, res) => res.writeHead(200).end('{"ok":true}'));
    const c = client(url, { requestsPerSecond: 5 });
    await Promise.all(Array.from({ length: 12 }, () => getJson(c)));
    const first = hits[0]!;
    expect(hits.filter((t) => t - first < 900)).toHaveLength(5);
    expect(hits).toHaveLength(12);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
