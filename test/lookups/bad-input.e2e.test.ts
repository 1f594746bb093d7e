import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startLookupsHost, type LookupsHost } from '../support/lookups-host.js';
import type { Principal } from '../../shared/access/principal.js';

const TENANT = randomUUID();
const SUB = randomUUID();
const ME: Principal = { tenantId: TENANT, objectId: randomUUID() };
let host: LookupsHost;

beforeAll(async () => {
  host = await startLookupsHost(inject('azuriteConnectionString'), ME);
  host.sim.put({
    id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g`,
    location: 'westeurope',
    properties: { provisioningState: 'Succeeded' },
  });
  host.sim.put({
    id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i`,
    location: 'westeurope',
    properties: {
      osType: 'Linux',
      osState: 'Generalized',
      identifier: { publisher: 'p', offer: 'o', sku: 's' },
      provisioningState: 'Succeeded',
    },
  });
  await host.putOrganization('bad-input', {
    tenantId: TENANT,
    subscriptions: [{ subscriptionId: SUB }],
    principals: [ME],
  });
  await host.indexAll();
});
afterAll(async () => {
  await host.stop();
});

const base = `subscriptions/${SUB}/resourceGroups/rg/galleries/g/images/i`;
const long = 'x'.repeat(10 * 1024);

async function expectProblem(path: string, field: string) {
  const res = await host.get(path);
  expect(res.status, `${path.slice(0, 120)} → ${JSON.stringify(res.body).slice(0, 300)}`).toBe(400);
  expect(res.contentType).toBe('application/problem+json');
  expect(res.body).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400 });
  expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
}

describe('bad input → 400 problem+json naming the field, never 500', () => {
  it('malformed ids in the path', async () => {
    await expectProblem(`subscriptions/not-a-guid/resourceGroups`, 'path.subscriptionId');
    await expectProblem(
      `subscriptions/${SUB}/resourceGroups/rg/galleries/${encodeURIComponent('a/b')}/images`,
      'path.gallery',
    );
    await expectProblem(
      `subscriptions/${SUB}/resourceGroups/rg/galleries/g/images/${encodeURIComponent('bad name')}/versions`,
      'path.image',
    );
    await expectProblem(
      `subscriptions/${SUB}/resourceGroups/${encodeURIComponent('rg.')}/galleries`,
      'path.resourceGroup',
    );
  });

  it('names with \' " / # ? % and unicode', async () => {
    for (const name of ["o'brien", 'say"hi', 'a/b', 'a#b', 'a?b', 'a%b', '100%', 'ギャラリー', 'emoji😀']) {
      await expectProblem(
        `subscriptions/${SUB}/resourceGroups/rg/galleries/${encodeURIComponent(name)}/images`,
        'path.gallery',
      );
      await expectProblem(
        `subscriptions/${SUB}/resourceGroups/rg/galleries/g/images/${encodeURIComponent(name)}/versions/latest?region=westeurope`,
        'path.image',
      );
    }
    for (const rg of ["o'brien", 'a#b', 'a?b', 'a%b'])
      await expectProblem(
        `subscriptions/${SUB}/resourceGroups/${encodeURIComponent(rg)}/galleries`,
        'path.resourceGroup',
      );
    // a resource group name may hold unicode letters: valid, and simply empty
    const unicode = await host.get(`subscriptions/${SUB}/resourceGroups/${encodeURIComponent('rg-café')}/galleries`);
    expect(unicode.status).toBe(200);
    expect(unicode.body.items).toEqual([]);
    // filters with quotes cannot reach a query unescaped
    const quoted = await host.get(`images?publisher=${encodeURIComponent("p' or PartitionKey ne '")}`);
    expect(quoted.status).toBe(200);
    expect(quoted.body.items).toEqual([]);
  });

  it('10 KB strings', async () => {
    await expectProblem(`subscriptions/${SUB}/resourceGroups/${long}/galleries`, 'path.resourceGroup');
    await expectProblem(`${base}/versions/latest?region=${long}`, 'query.region');
    await expectProblem(`images?publisher=${long}`, 'query.publisher');
    await expectProblem(`${base}/versions?continuationToken=${long}`, 'query.continuationToken');
  });

  it('malformed regions, filters and unknown parameters', async () => {
    await expectProblem(`${base}/versions/latest`, 'query.region');
    await expectProblem(`${base}/versions/latest?region=${encodeURIComponent('west-europe!')}`, 'query.region');
    await expectProblem(`${base}/versions?region=${encodeURIComponent('<script>')}`, 'query.region');
    await expectProblem(`subscriptions/${SUB}/resourceGroups/rg/galleries/g/images?osType=Solaris`, 'query.osType');
    await expectProblem(`images?architecture=sparc`, 'query.architecture');
    await expectProblem(`images?colour=blue`, 'query.colour');
  });

  it('negative, zero, fractional or huge top', async () => {
    for (const top of ['-1', '0', '1.5', '1001', '99999999999', 'abc', '1e3'])
      await expectProblem(`subscriptions/${SUB}/resourceGroups?top=${top}`, 'query.top');
  });

  it('reports every field at fault at once', async () => {
    const res = await host.get(
      `subscriptions/nope/resourceGroups/rg/galleries/g/images/i/versions/latest?region=&top=1`,
    );
    expect(res.status).toBe(400);
    expect((res.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'path.subscriptionId',
      'query.region',
      'query.top',
    ]);
  });

  it('never answers 500 to a battery of odd requests', async () => {
    const odd = ['%', '%%', '..', '.', '~', '%00', '%E0%A4%A', ' ', '\u0000'.replace('\u0000', '%00'), 'a'.repeat(300)];
    for (const o of odd) {
      for (const path of [
        `subscriptions/${o}/resourceGroups`,
        `subscriptions/${SUB}/resourceGroups/${o}/galleries`,
        `${base}/versions/latest?region=${o}`,
        `images?sku=${o}&top=${o}`,
      ]) {
        const res = await host.get(path);
        expect(res.status, path).toBeLessThan(500);
      }
    }
  });
});
