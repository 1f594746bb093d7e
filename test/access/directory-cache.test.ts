/**
 * Each instance answers who a caller is from its snapshot of the organizations: no table read while
 * the snapshot is younger than 30 s; once it is older, one read shared by every call that comes
 * meanwhile; and a write by the instance is seen by its next call, even when a read begun before
 * the write answers after it.
 */
import { describe, it, expect, inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { TableStore } from '../../shared/storage/tables.js';
import { OrganizationDirectory, type OrganizationDocument } from '../../shared/access/directory.js';
import { uniqueTablePrefix } from '../support/app-host.js';

let clock = Date.now();
/** Queries of the organizations table; the next one is held back `holdNextMs` when set. */
let queries = 0;
let holdNextMs = 0;
const recorder: PipelinePolicy = {
  name: 'recordDirectoryQueries',
  async sendRequest(request, next) {
    const isQuery = request.method === 'GET' && /orgs\(\)$/.test(new URL(request.url).pathname);
    if (!isQuery) return next(request);
    queries++;
    const hold = holdNextMs;
    holdNextMs = 0;
    const response = await next(request);
    if (hold > 0) await new Promise((resolve) => setTimeout(resolve, hold));
    return response;
  },
};

function directory(): OrganizationDirectory {
  return new OrganizationDirectory(
    new TableStore(
      { kind: 'connectionString', connectionString: inject('azuriteConnectionString') },
      { additionalPolicies: [{ policy: recorder, position: 'perRetry' }] },
    ),
    uniqueTablePrefix(),
    () => clock,
  );
}
const member = () => ({ tenantId: randomUUID(), objectId: randomUUID() });
function doc(principals: { tenantId: string; objectId: string }[]): OrganizationDocument {
  return { tenantId: randomUUID(), subscriptions: [{ subscriptionId: randomUUID() }], principals, grants: [] };
}

describe('the organization snapshot of an instance', () => {
  it('answers callers without a table read while it is fresh, and with one read for many callers once stale', async () => {
    const dir = directory();
    const p = member();
    await dir.put('org-a', doc([p]));
    expect((await dir.callerFor(p.tenantId, p.objectId))?.organizationId).toBe('org-a');

    queries = 0;
    clock += 29_000;
    const fresh = await Promise.all(Array.from({ length: 50 }, () => dir.callerFor(p.tenantId, p.objectId)));
    expect(fresh.every((c) => c?.organizationId === 'org-a')).toBe(true);
    expect(queries).toBe(0);

    clock += 2_000;
    const stale = await Promise.all(Array.from({ length: 16 }, () => dir.callerFor(p.tenantId, p.objectId)));
    expect(stale.every((c) => c?.organizationId === 'org-a')).toBe(true);
    expect(queries).toBe(1);
    await dir.callerFor(p.tenantId, p.objectId);
    expect(queries).toBe(1);
  });

  it('sees its own write at once, even when a read begun before the write answers after it', async () => {
    const dir = directory();
    const first = member();
    await dir.put('org-a', doc([first]));
    clock += 31_000;
    holdNextMs = 400;
    const before = dir.callerFor(first.tenantId, first.objectId);
    const joined = member();
    await dir.put('org-b', doc([joined]));
    expect((await before)?.organizationId).toBe('org-a');
    expect((await dir.callerFor(joined.tenantId, joined.objectId))?.organizationId).toBe('org-b');
    expect((await dir.list()).map((o) => o.id)).toEqual(['org-a', 'org-b']);
  });
});
