/**
 * Requests as a client can send them but `fetch` will not: any `Host`, a repeated header, a body
 * sent chunk by chunk (no Content-Length), a declared length that never fully arrives.
 */
import http from 'node:http';

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to `base` (`http://host:port`); a body given as an array is sent chunked, part by part. */
export function rawRequest(
  base: string,
  method: string,
  target: string,
  headers: http.OutgoingHttpHeaders = {},
  body?: string | string[],
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: Number(new URL(base).port), method, path: target, headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    if (Array.isArray(body)) for (const part of body) req.write(part);
    req.end(Array.isArray(body) ? undefined : body);
  });
}

/**
 * POSTs `total` bytes chunked, 64 KiB at a time as the server takes them; resolves with the status,
 * or 0 when the server closed the connection first.
 */
export function chunkedPost(
  base: string,
  target: string,
  total: number,
  headers: http.OutgoingHttpHeaders = {},
): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: Number(new URL(base).port),
        path: target,
        method: 'POST',
        headers: { ...headers, 'transfer-encoding': 'chunked' },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** Declares `size` bytes, sends one 64 KiB chunk, and resolves with the answer (which must not wait for the rest). */
export function declaredPost(
  base: string,
  target: string,
  size: number,
  headers: http.OutgoingHttpHeaders = {},
): Promise<{ status: number; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: Number(new URL(base).port),
        path: target,
        method: 'POST',
        headers: { ...headers, 'content-length': String(size) },
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] });
      },
    );
    req.on('error', reject);
    req.write(Buffer.alloc(64 * 1024, 0x20));
  });
}
