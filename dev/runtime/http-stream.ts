/**
 * HTTP streaming (`app.setup({ enableHttpStream: true })`) as the Functions host does it: the host
 * does not read the request; it forwards it, as it arrives, to the HTTP proxy the `@azure/functions`
 * library opened in the worker (the `HttpUri` capability), and forwards the proxy's answer back as
 * it is written. The host uses YARP for this (Azure/azure-functions-host, commit
 * 89dc438d476542786f2fc4070f553423213a6223, src/WebJobs.Script.Grpc/Server/DefaultHttpProxyService.cs):
 * the invocation id in `x-ms-invocation-id`, YARP's default `X-Forwarded-For/Proto/Host` set from
 * the client's connection and `Host` header (the library rebuilds `request.url` from the last two:
 * Azure/azure-functions-nodejs-library src/http/HttpRequest.ts `createStreamRequest`), hop-by-hop
 * headers dropped both ways.
 *
 * Both directions are piped with back-pressure: nothing here holds more than a few chunks of a
 * body, whatever its size. The request body limit (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, Kestrel's
 * MaxRequestBodySize) still applies: a declared length over it is refused before anything is
 * forwarded; a body that grows past it is cut there.
 */
import http from 'node:http';
import { Transform, pipeline } from 'node:stream';
import { originForm } from './host-http.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
]);

export type ForwardOutcome = 'answered' | 'too-large' | 'client-gone' | 'failed';

export interface Forwarding {
  /** Settles once the client's response ended (or the exchange was given up). */
  readonly done: Promise<ForwardOutcome>;
  /** Whether the worker started answering (status and headers went to the client). */
  readonly answered: () => boolean;
  /** Whether the request body passed the limit. */
  readonly tooLarge: () => boolean;
  /** Gives up: the worker's request is aborted (the function sees its body stream fail). */
  abort(): void;
}

function forwardedRequestHeaders(
  req: http.IncomingMessage,
  invocationId: string,
  workerHost: string,
): http.OutgoingHttpHeaders {
  const connectionNamed = new Set(
    String(req.headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h.length > 0),
  );
  const headers: Record<string, string | string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || connectionNamed.has(name) || name === 'host' || name.startsWith('x-forwarded-'))
      continue;
    const value = raw[i + 1]!;
    const existing = headers[name];
    headers[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  headers.host = workerHost;
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  headers['x-forwarded-proto'] = 'http';
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
  headers['x-ms-invocation-id'] = invocationId;
  return headers;
}

function responseHeaders(raw: string[]): http.OutgoingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name)) continue;
    const value = raw[i + 1]!;
    const existing = headers[name];
    headers[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return headers;
}

/** Counts bytes through, failing the stream as soon as they pass `limit`. */
function limiter(limit: number, onOver: () => void): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) {
        onOver();
        callback(new Error(`Request body too large. The max request body size is ${limit} bytes.`));
        return;
      }
      callback(null, chunk);
    },
  });
}

/** Starts forwarding `req` to the worker's proxy at `workerUri` and the proxy's answer to `res`. */
export function forwardToWorker(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  workerUri: string,
  invocationId: string,
  limit: number,
): Forwarding {
  const target = new URL(workerUri);
  let answered = false;
  let tooLarge = false;
  let settle: (outcome: ForwardOutcome) => void = () => undefined;
  const done = new Promise<ForwardOutcome>((resolve) => {
    let settled = false;
    settle = (outcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
  });
  const proxyReq = http.request({
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port,
    path: originForm(req.url ?? '/'),
    method: req.method ?? 'GET',
    headers: forwardedRequestHeaders(req, invocationId, target.host),
    // A connection per request: a kept-alive one the proxy closes while idle could fail a request
    // the library would then wait for forever.
    agent: false,
  });
  proxyReq.on('response', (workerRes) => {
    answered = true;
    res.writeHead(workerRes.statusCode ?? 200, responseHeaders(workerRes.rawHeaders));
    pipeline(workerRes, res, (err) => settle(err ? 'client-gone' : 'answered'));
  });
  proxyReq.on('error', () => {
    if (tooLarge) settle('too-large');
    else if (!answered) settle('failed');
  });
  res.on('close', () => {
    if (!res.writableFinished) {
      proxyReq.destroy();
      settle('client-gone');
    }
  });
  // Piped by hand, not with pipeline(): a failure must not destroy the client's request (its
  // socket still has to carry the answer).
  const counter = limiter(limit, () => (tooLarge = true));
  counter.on('error', () => {
    req.unpipe(counter);
    proxyReq.destroy();
    settle('too-large');
  });
  req.on('error', () => proxyReq.destroy());
  req.pipe(counter).pipe(proxyReq);
  return {
    done,
    answered: () => answered,
    tooLarge: () => tooLarge,
    abort: () => {
      proxyReq.destroy();
      settle('failed');
    },
  };
}
