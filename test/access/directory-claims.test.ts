/**
 * One organization per principal, subscription and Spot account, also when two administrators save
 * at the same instant: each key is claimed (a row created before the organization is written), so
 * of two concurrent saves of one key exactly one wins; leftovers of a failed save are taken over
 * after a grace time; keys an organization drops or a deleted organization held are free at once.
 */
import { describe, it, expect, inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import { TableStore } from '../../shared/storage/tables.js';
import { DirectoryError, OrganizationDirectory, type OrganizationDocument } from '../../shared/access/directory.js';
import { encodeKeyPart } from '../../shared/catalog/keys.js';
import { packJson } from '../../shared/catalog/json-props.js';
import { uniqueTablePrefix } from '../support/app-host.js';

let clock = Date.now();
function directory(): OrganizationDirectory {
  return new OrganizationDirectory(
    new TableStore({ kind: 'connectionString', connectionString: inject('azuriteConnectionString') }),
    uniqueTablePrefix(),
    () => clock,
  );
}
/** A directory with its table created, and the store and prefix to write rows behind its back. */
async function directoryWithTables(): Promise<{ tables: TableStore; prefix: string; dir: OrganizationDirectory }> {
  const tables = new TableStore({ kind: 'connectionString', connectionString: inject('azuriteConnectionString') });
  const prefix = uniqueTablePrefix();
  const dir = new OrganizationDirectory(tables, prefix, () => clock);
  await dir.list();
  return { tables, prefix, dir };
}
const principal = () => ({ tenantId: randomUUID(), objectId: randomUUID() });
const spot = () => `act-${randomUUID().slice(0, 8)}`;
function doc(overrides: Partial<OrganizationDocument> = {}): OrganizationDocument {
  return {
    tenantId: randomUUID(),
    subscriptions: [{ subscriptionId: randomUUID(), spotAccountId: spot() }],
    principals: [principal()],
    grants: [],
    ...overrides,
  };
}
async function conflictField(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DirectoryError);
  expect((err as DirectoryError).status).toBe(409);
  return (err as DirectoryError).field;
}

describe('organization keys under concurrent saves', () => {
  it('of two administrators saving one principal at the same instant, exactly one wins, every time', async () => {
    const dir = directory();
    for (let round = 0; round < 12; round++) {
      const shared = principal();
      const results = await Promise.allSettled([
        dir.put(`a-${round}`, doc({ principals: [shared] })),
        dir.put(`b-${round}`, doc({ principals: [principal(), shared] })),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const holders = (await dir.list()).filter((o) => o.principals.some((p) => p.objectId === shared.objectId));
      expect(holders).toHaveLength(1);
      expect(await dir.callerFor(shared.tenantId, shared.objectId)).toMatchObject({ organizationId: holders[0]!.id });
    }
  });

  it('a subscription or Spot account raced by many saves goes to one organization', async () => {
    const dir = directory();
    const subscriptionId = randomUUID();
    const account = spot();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        dir.put(`race-${i}`, doc({ subscriptions: [{ subscriptionId, spotAccountId: account }] })),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await dir.accountOwner(account))?.subscriptionId).toBe(subscriptionId);
  });

  it('frees what an organization drops, and everything of a deleted organization, at once', async () => {
    const dir = directory();
    const p = principal();
    const first = doc({ principals: [p] });
    await dir.put('keeper', first);
    expect(await conflictField(dir.put('taker', doc({ principals: [p] })))).toBe('body.principals[0]');
    await dir.put('keeper', { ...first, principals: [principal()] });
    await dir.put('taker', doc({ principals: [p] }));
    expect((await dir.callerFor(p.tenantId, p.objectId))?.organizationId).toBe('taker');

    const gone = doc();
    await dir.put('gone', gone);
    expect(await dir.delete('gone')).toBe(true);
    await dir.put('heir', { ...doc(), subscriptions: gone.subscriptions });
    expect((await dir.accountOwner(gone.subscriptions[0]!.spotAccountId!))?.organization.id).toBe('heir');
  });

  it('a claim left by a save that failed before writing blocks others only for the grace time', async () => {
    const { tables, prefix, dir } = await directoryWithTables();
    const p = principal();
    // what a save that crashed after claiming leaves: a claim row, no organization listing the key
    await tables
      .table(`${prefix}orgs`)
      .createEntity({ partitionKey: 'claim', rowKey: encodeKeyPart(`p|${p.tenantId}/${p.objectId}`), org: 'crashed' });
    expect(await conflictField(dir.put('late', doc({ principals: [p] })))).toBe('body.principals[0]');
    clock += 3 * 60_000;
    await dir.put('late', doc({ principals: [p] }));
    expect((await dir.callerFor(p.tenantId, p.objectId))?.organizationId).toBe('late');
    clock -= 3 * 60_000;
  });

  it('an organization stored before claims existed still holds its keys, and claims them when saved again', async () => {
    const { tables, prefix, dir } = await directoryWithTables();
    const legacy = doc();
    await tables.table(`${prefix}orgs`).upsertEntity({
      partitionKey: 'org',
      rowKey: encodeKeyPart('legacy'),
      ...packJson('document', { id: 'legacy', ...legacy }),
    });
    expect(await conflictField(dir.put('other', doc({ principals: legacy.principals })))).toBe('body.principals[0]');
    await dir.put('legacy', legacy);
    const claims: string[] = [];
    for await (const e of tables
      .table(`${prefix}orgs`)
      .listEntities<{ org: string }>({ queryOptions: { filter: "PartitionKey eq 'claim'" } }))
      claims.push(e.org);
    expect(claims).toEqual(['legacy', 'legacy', 'legacy']);
  });
});
