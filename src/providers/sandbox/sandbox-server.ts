/**
 * The sandbox provider: a real HTTP server on loopback that plays the
 * providers for tests, benchmarks and the demo. Each provider simulation
 * (`smart2pay-sandbox.ts`, `smartglocal-sandbox.ts`) is a handler that claims
 * the requests it knows; this file only owns the socket.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Handles a request it recognises and returns true, or returns false to pass it on. */
export type SandboxHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface RunningSandbox {
  /** e.g. `http://127.0.0.1:43117` (no trailing slash). */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startSandboxServer(
  handlers: readonly SandboxHandler[],
  options: { host?: string; port?: number } = {},
): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? host}`);
    void (async () => {
      try {
        for (const handler of handlers) {
          if (await handler(req, res, url)) return;
        }
        sendJson(res, 404, { error: `no sandbox route for ${req.method ?? 'GET'} ${url.pathname}` });
      } catch (error) {
        if (!res.headersSent) sendJson(res, 500, { error: (error as Error).message });
        else res.destroy();
      }
    })();
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads a request body up to `limit` bytes; rejects beyond it. */
export async function readBody(req: IncomingMessage, limit = 1_048_576): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new Error(`request body larger than ${limit} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
