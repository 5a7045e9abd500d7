/**
 * A small router for the daemon's HTTP server: exact paths, one handler per
 * method. Handlers receive a request whose body is read lazily under the
 * size limit and return a plain response; they throw `HttpError` for
 * 4xx answers. Unknown paths get 404, known paths with another method 405.
 *
 *   router.post('/notifications/smart2pay', async (req) => {
 *     requireBasicAuth(req, { user: siteId, password: apiKey });
 *     const payload = await req.json();   // 400 when malformed, 413 when too large
 *     ...
 *     return { status: 204 };
 *   });
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface HttpRequest {
  readonly method: string;
  /** The path without the query string, e.g. `/healthz`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case header names, as Node.js gives them. */
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string | undefined;
  /** The raw body, read once (later calls return the same bytes). 413 past `server.bodyLimitBytes`. */
  body(): Promise<Buffer>;
  /** The body parsed as JSON: 400 when it is empty or not JSON, 413 when too large. */
  json(): Promise<unknown>;
}

export interface HttpResponse {
  status: number;
  headers?: Readonly<Record<string, string>>;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as `text/plain; charset=utf-8` (ignored when `json` is given). */
  text?: string;
  /** Sent as `text/html; charset=utf-8` (ignored when `json` or `text` is given). */
  html?: string;
}

export type HttpHandler = (request: HttpRequest) => Promise<HttpResponse>;

/** Per-route hardening, applied by the server before and around the handler. */
export interface RouteOptions {
  /** Bodies larger than this are refused with 413, before they are read. Default: `server.bodyLimitBytes`. */
  readonly bodyLimitBytes?: number;
  /** Accepted media types (Content-Type without its parameters); others get 415. Default: any. */
  readonly contentTypes?: readonly string[];
  /**
   * Runs before the body is read: check credentials or that a signature
   * header is there and well-formed, and throw `HttpError` to refuse.
   */
  readonly early?: (request: HttpRequest) => void | Promise<void>;
  /**
   * Answer 503 with Retry-After when the handler has not answered in this
   * time (e.g. the ledger's write lock is held by a long job); the handler
   * goes on and its outcome is logged, so its work must be idempotent.
   */
  readonly answerWithinMs?: number;
}

/** A 4xx/5xx answer with a one-line message (sent as `{"error": message}`); never put secrets in it. */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.headers = headers;
  }
}

export type RouteMatch =
  | { kind: 'handler'; handler: HttpHandler; options: RouteOptions }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allow: string[] };

interface Route {
  handler: HttpHandler;
  options: RouteOptions;
}

export class Router {
  readonly #routes = new Map<string, Map<string, Route>>();

  route(method: string, path: string, handler: HttpHandler, options: RouteOptions = {}): this {
    if (!path.startsWith('/')) throw new Error(`route path "${path}" must start with /`);
    const upper = method.toUpperCase();
    const byMethod = this.#routes.get(path) ?? new Map<string, Route>();
    if (byMethod.has(upper)) throw new Error(`route ${upper} ${path} is registered twice`);
    byMethod.set(upper, { handler, options });
    this.#routes.set(path, byMethod);
    return this;
  }

  get(path: string, handler: HttpHandler, options?: RouteOptions): this {
    return this.route('GET', path, handler, options);
  }

  post(path: string, handler: HttpHandler, options?: RouteOptions): this {
    return this.route('POST', path, handler, options);
  }

  match(method: string, path: string): RouteMatch {
    const byMethod = this.#routes.get(path);
    if (!byMethod) return { kind: 'not-found' };
    const upper = method.toUpperCase();
    const route = byMethod.get(upper) ?? (upper === 'HEAD' ? byMethod.get('GET') : undefined);
    if (route) return { kind: 'handler', handler: route.handler, options: route.options };
    const allow = [...byMethod.keys()];
    if (allow.includes('GET')) allow.push('HEAD');
    return { kind: 'method-not-allowed', allow };
  }

  /** Every registered `METHOD path`, for the startup log. */
  describe(): string[] {
    return [...this.#routes.entries()].flatMap(([path, byMethod]) => [...byMethod.keys()].map((m) => `${m} ${path}`));
  }
}
