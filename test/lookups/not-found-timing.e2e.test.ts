import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { startJobsHost, type JobsHost } from '../support/jobs-host.js';
import { ALL_APP_ROLES } from '../../shared/access/principal.js';
import { DEMO_PARTNER_PRINCIPAL } from '../../dev/demo/demo-directory.js';
import { DEMO_GALLERIES } from '../../dev/demo/demo-org.js';

// Errors must not reveal by timing what the caller may not see: an image definition (or gallery)
// that exists but is invisible to the caller answers its 404 with the same work as one that does
// not exist. Medians over a few hundred requests of each, interleaved so both see the same noise.
let host: JobsHost;
const FABRIKAM = { ...DEMO_PARTNER_PRINCIPAL, roles: ALL_APP_ROLES };
const corp = DEMO_GALLERIES.corp.slice(1).replace('/providers/Microsoft.Compute/galleries/', '/galleries/');
const ROUNDS = 300;

beforeAll(async () => {
  host = await startJobsHost(inject('azuriteConnectionString'));
});
afterAll(async () => {
  await host.stop();
});

async function ms(path: string): Promise<number> {
  const started = performance.now();
  const res = await host.request('GET', path, undefined, FABRIKAM);
  const took = performance.now() - started;
  expect(res.status, path).toBe(404);
  return took;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

describe('404 answer times', () => {
  for (const [what, invisible, missing] of [
    ['an image definition', `${corp}/images/ubuntu-2204-base`, `${corp}/images/no-such-image`],
    ["a gallery's definitions", `${corp}/images`, `${corp.replace('corpGallery', 'noSuchGallery')}/images`],
  ] as const) {
    it(`${what} that exists out of sight answers as fast as one that does not exist`, async () => {
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        // alternate which goes first, so neither always warms the connection for the other
        if (i % 2 === 0) {
          a.push(await ms(invisible));
          b.push(await ms(missing));
        } else {
          b.push(await ms(missing));
          a.push(await ms(invisible));
        }
      }
      const [ma, mb] = [median(a), median(b)];
      // noise allowed: within half of the faster median, or 0.3 ms
      expect(Math.abs(ma - mb), `invisible ${ma.toFixed(2)} ms vs missing ${mb.toFixed(2)} ms`).toBeLessThanOrEqual(
        Math.max(0.3, 0.5 * Math.min(ma, mb)),
      );
    }, 60_000);
  }
});
