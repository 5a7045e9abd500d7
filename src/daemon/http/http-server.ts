/**
 * The daemon's HTTP server (node:http): routes requests through a `Router`,
 * caps open connections, applies each route's options (content type 415,
 * body limit 413 before reading, an early check such as credentials before
 * the body is read, an answer deadline 503), answers 404/405, turns
 * `HttpError` into its status and anything else into a logged 500 with no
 * detail. Refusals (400, 401, 403, 413, 415) are logged in one line with the
 * client's address. Port 0 picks a free port; `url` tells which one was taken.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError, RuntimeFailure } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { HttpError, type HttpRequest, type HttpResponse, type Router } from './router.js';

export interface HttpServerOptions {
  host: string;
  port: number;
  bodyLimitBytes: number;
  /** Connections open at once (default: unlimited). */
  maxConnections?: number;
  router: Router;
  log: Logger;
}

export interface RunningHttpServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`, with the port actually taken. */
  readonly url: string;
  /** Stops accepting connections; requests in flight finish. */
  stopAccepting(): void;
  /** Closes the server and every connection still open. */
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((error: unknown) => {
      options.log.error('could not answer a request', { error: describeError(error) });
      res.destroy();
    });
  });
  // Slow or stuck clients must not hold connections forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new RuntimeFailure(`server: cannot listen on ${options.host}:${options.port} (${error.code ?? error.message})`, {
          cause: error,
        }),
      );
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => options.log.error('server error', { error: describeError(error) }));
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    host: address.address,
    port: address.port,
    url: `http://${hostForUrl}:${address.port}`,
    stopAccepting: () => {
      if (server.listening) server.close();
      server.closeIdleConnections();
    },
    close: () => {
      closing ??= closeServer(server);
      return closing;
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      server.closeAllConnections();
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const consumed = { body: false };
  let url = new URL('http://localhost/');
  let response: HttpResponse;
  try {
    if (!URL.canParse(req.url ?? '/', 'http://localhost')) throw new HttpError(400, 'the request target is not a valid path');
    url = new URL(req.url ?? '/', 'http://localhost');
    const match = options.router.match(method, url.pathname);
    if (match.kind === 'not-found') throw new HttpError(404, `no such endpoint: ${url.pathname}`);
    if (match.kind === 'method-not-allowed') {
      throw new HttpError(405, `${method} is not allowed on ${url.pathname}`, { allow: match.allow.join(', ') });
    }
    const route = match.options;
    checkContentType(req, route.contentTypes);
    const request = makeRequest(req, url, method, route.bodyLimitBytes ?? options.bodyLimitBytes, consumed);
    const declared = Number(req.headers['content-length']);
    const limit = route.bodyLimitBytes ?? options.bodyLimitBytes;
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
    await route.early?.(request);
    response = await withDeadline(match.handler(request), route.answerWithinMs, () =>
      options.log.warn(`${method} ${url.pathname} answered 503: the handler took longer than ${route.answerWithinMs} ms`, {
        client: req.socket.remoteAddress,
      }),
    );
  } catch (error) {
    if (error instanceof HttpError) {
      if (LOGGED_REFUSALS.has(error.status)) {
        // One line per refusal: no header, no body, no query string (they may carry secrets).
        options.log.warn(`${method} ${url.pathname} refused with ${error.status}: ${error.message}`, { client: req.socket.remoteAddress });
      }
      response = { status: error.status, headers: error.headers, json: { error: error.message } };
    } else {
      options.log.error(`${method} ${url.pathname} failed`, { error: describeError(error) });
      response = { status: 500, json: { error: 'internal error' } };
    }
  }
  // A body left unread (or cut off at the limit) must not be parsed as the next request.
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  send(res, method, response, hasBody && !consumed.body);
}

function makeRequest(req: IncomingMessage, url: URL, method: string, limit: number, consumed: { body: boolean }): HttpRequest {
  let body: Promise<Buffer> | undefined;
  const readOnce = () => {
    body ??= readBody(req, limit).then((bytes) => {
      consumed.body = true;
      return bytes;
    });
    return body;
  };
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress,
    body: readOnce,
    json: async () => {
      const bytes = await readOnce();
      if (bytes.length === 0) throw new HttpError(400, 'the request body is empty; a JSON document was expected');
      try {
        return JSON.parse(bytes.toString('utf8')) as unknown;
      } catch {
        throw new HttpError(400, 'the request body is not valid JSON');
      }
    },
  };
}

const LOGGED_REFUSALS: ReadonlySet<number> = new Set([400, 401, 403, 413, 415]);

/** 415 unless the request's media type is one of `accepted` (no list: anything). */
function checkContentType(req: IncomingMessage, accepted: readonly string[] | undefined): void {
  if (!accepted) return;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!accepted.includes(type)) {
    throw new HttpError(415, `the content type must be ${accepted.join(' or ')}${type ? `, not ${type}` : ''}`);
  }
}

/** The handler's answer, or a 503 when it takes longer than `ms` (it goes on; its failure is logged by the caller's hook). */
async function withDeadline(answer: Promise<HttpResponse>, ms: number | undefined, onLate: () => void): Promise<HttpResponse> {
  if (ms === undefined) return answer;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<HttpResponse>((resolve) => {
    timer = setTimeout(() => {
      onLate();
      resolve({ status: 503, headers: { 'retry-after': '10', connection: 'close' }, json: { error: 'busy; try again later' } });
    }, ms);
  });
  // A handler that fails after the 503 went out must not become an unhandled rejection.
  answer.catch(() => undefined);
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `the request body is larger than ${limit} bytes`, { connection: 'close' });
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // Stop buffering; the socket is closed after the 413 is sent.
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new HttpError(400, `the request body could not be read (${error.message})`));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function send(res: ServerResponse, method: string, response: HttpResponse, closeConnection: boolean): void {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...response.headers };
  let payload: Buffer | undefined;
  if (response.json !== undefined) {
    payload = Buffer.from(`${JSON.stringify(response.json)}\n`, 'utf8');
    headers['content-type'] = 'application/json; charset=utf-8';
  } else if (response.text !== undefined) {
    payload = Buffer.from(response.text, 'utf8');
    headers['content-type'] = 'text/plain; charset=utf-8';
  } else if (response.html !== undefined) {
    payload = Buffer.from(response.html, 'utf8');
    headers['content-type'] = 'text/html; charset=utf-8';
  }
  if (payload && response.status !== 204 && response.status !== 304) headers['content-length'] = String(payload.length);
  else payload = undefined;
  if (closeConnection) headers.connection = 'close';
  res.writeHead(response.status, headers);
  res.end(method === 'HEAD' ? undefined : payload);
}
