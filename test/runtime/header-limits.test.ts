import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import net from 'node:net';
import { startApp, type AppHost } from '../support/app-host.js';

// Headers over Node's limit (16 KB) never reach a function: the local runtime answers them itself,
// with problem details like every other refusal (a bare 431 without a body otherwise).
let host: AppHost;

beforeAll(async () => {
  host = await startApp({
    CatalogStorage: inject('azuriteConnectionString'),
    ARM_ENDPOINT: 'http://127.0.0.1:9',
    ARM_CREDENTIAL: 'local',
  });
});
afterAll(async () => {
  await host.stop();
});

/** A raw request (fetch would refuse to send such a header itself), the whole answer as text. */
function raw(request: string): Promise<string> {
  const port = Number(new URL(host.url).port);
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('a request whose headers are too large', () => {
  it('gets a 431 with problem details', async () => {
    const principal = 'A'.repeat(20_000);
    const answer = await raw(
      `GET /api/health HTTP/1.1\r\nHost: localhost\r\nx-ms-client-principal: ${principal}\r\n\r\n`,
    );
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(body ?? '')).toMatchObject({ status: 431, title: 'Request Header Fields Too Large' });
  });

  it('leaves a request of ordinary headers alone', async () => {
    expect((await fetch(`${host.url}/api/health`, { headers: { 'x-long': 'B'.repeat(8_000) } })).status).toBe(200);
  });
});
