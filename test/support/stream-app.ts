/**
 * An ordinary app that streams HTTP bodies (`app.setup({ enableHttpStream: true })`, as the
 * `@azure/functions` documentation shows it): an upload it reads chunk by chunk, a download it
 * produces chunk by chunk, and a function that reports the request it received.
 * test/runtime/http-stream.test.ts runs it on the local runtime.
 */
import { createHash } from 'node:crypto';
import { ReadableStream } from 'node:stream/web';
import { app, type HttpRequest } from '@azure/functions';

app.setup({ enableHttpStream: true });

/** What the functions have seen and produced so far, for the test to read while a body is moving. */
export const progress = {
  uploaded: 0,
  produced: 0,
  /** The download waits here after its first chunk until the test lets it go on. */
  gate: Promise.resolve(),
  open: (): void => undefined,
};

/** Holds the next download after its first chunk until `progress.open()`. */
export function closeGate(): void {
  progress.gate = new Promise<void>((resolve) => (progress.open = resolve));
}

app.http('upload', {
  methods: ['POST'],
  handler: async (request: HttpRequest) => {
    progress.uploaded = 0;
    const hash = createHash('sha256');
    if (request.body) {
      for await (const chunk of request.body as AsyncIterable<Uint8Array>) {
        progress.uploaded += chunk.length;
        hash.update(chunk);
      }
    }
    return { jsonBody: { bytes: progress.uploaded, sha256: hash.digest('hex') } };
  },
});

app.http('download', {
  methods: ['GET'],
  handler: (request: HttpRequest) => {
    const size = Number(request.query.get('bytes') ?? '0');
    const chunkSize = 64 * 1024;
    progress.produced = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (progress.produced === chunkSize) await progress.gate;
        if (progress.produced >= size) {
          controller.close();
          return;
        }
        // Each chunk is new memory and comes from I/O (a file, a socket, a database cursor), so it
        // takes a turn of the event loop. (The library writes a streamed response without waiting
        // for the socket to drain, src/http/httpProxy.ts sendProxyResponse: a producer that never
        // yields would pile its chunks up in the app's process, in Azure as here.)
        await new Promise((resolve) => setImmediate(resolve));
        const n = Math.min(chunkSize, size - progress.produced);
        controller.enqueue(new Uint8Array(n).fill(0x61));
        progress.produced += n;
      },
    });
    return { headers: { 'content-type': 'application/octet-stream' }, body };
  },
});

app.http('requestInfo', {
  methods: ['GET', 'POST'],
  route: 'info/{id}',
  handler: async (request: HttpRequest) => ({
    cookies: [{ name: 'streamed', value: 'a b', sameSite: 'Lax' }],
    jsonBody: {
      url: request.url,
      params: request.params,
      query: [...request.query.entries()],
      header: request.headers.get('x-test'),
      text: await request.text(),
    },
  }),
});

app.http('broken', {
  methods: ['POST'],
  handler: () => {
    throw new Error('broken before reading its body');
  },
});
