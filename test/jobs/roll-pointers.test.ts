/**
 * Where roll jobs' pointers are: the roll jobs one change of latest records share 4 partitions of
 * their organization's (per version), so they are created a few transactions per 100; a roll job
 * recorded before that, in a partition of its own, is still found. Against Azurite.
 */
import { describe, it, expect, beforeAll, inject } from 'vitest';
import { TableStore } from '../../shared/storage/tables.js';
import { JobStore, jobKey, pointerKeys, type JobRecord } from '../../shared/jobs/store.js';
import { rollJobId } from '../../shared/autoroll/autoroll.js';
import { uniqueTablePrefix } from '../support/app-host.js';

let tables: TableStore;
let jobs: JobStore;
const SUB = '00000000-0000-0000-0000-0000000000aa';

function rollJob(organizationId: string, name: string, version: string, suffix = ''): JobRecord {
  return {
    jobId: `${rollJobId('act-1', 'statelessGroup', name, version)}${suffix}`,
    organizationId,
    status: 'queued',
    action: 'update',
    kind: 'statelessGroup',
    account: 'act-1',
    subscriptionId: SUB,
    group: { kind: 'statelessGroup', name },
    submittedAt: '2026-12-07T10:00:00.000Z',
    attempts: 0,
    errors: [],
    warnings: [],
  };
}
const scope = (organizationId: string) => ({ organizationId, subscriptionIds: [SUB] });

beforeAll(async () => {
  tables = new TableStore({ kind: 'connectionString', connectionString: inject('azuriteConnectionString') });
  jobs = new JobStore(tables, uniqueTablePrefix());
  await jobs.ensureTables();
});

describe('roll job pointers', () => {
  it('a roll job id (and its :n) points into one of 4 partitions of its organization and version, by its group key; any other id into a partition of its own', () => {
    const base = rollJobId('act-1', 'statelessGroup', 'web', '1.2.3');
    const at = pointerKeys('org-a', base);
    expect(at.rowKey).toBe(base);
    expect(at.partitionKey).toMatch(/^org-a\|~roll\|1\.2\.3\|[0-3]$/);
    expect(pointerKeys('org-a', `${base}:2`)).toEqual({ partitionKey: at.partitionKey, rowKey: `${base}:2` });
    expect(pointerKeys('org-b', base).partitionKey).toBe(at.partitionKey.replace('org-a', 'org-b'));
    const shards = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const pk = pointerKeys('org-a', rollJobId('act-1', 'statelessGroup', `g${i}`, '1.2.3')).partitionKey;
      shards.set(pk, (shards.get(pk) ?? 0) + 1);
    }
    expect(shards.size).toBe(4);
    for (const n of shards.values()) expect(n).toBeGreaterThan(60);
    expect(pointerKeys('org-a', 'job-1')).toEqual({ partitionKey: jobKey('org-a', 'job-1'), rowKey: 'job' });
    expect(pointerKeys('org-a', 'roll:not-a-group-key:1.2.3')).toEqual({
      partitionKey: jobKey('org-a', 'roll:not-a-group-key:1.2.3'),
      rowKey: 'job',
    });
  });

  it('creates the roll jobs of one change together (a transaction per partition), and row by row where one of them is known', async () => {
    const first = Array.from({ length: 40 }, (_, i) => rollJob('org-a', `n${i}`, '2.0.0'));
    const partitions = new Set(first.map((j) => pointerKeys('org-a', j.jobId).partitionKey));
    const before = tables.roundTrips;
    expect(await jobs.createJobs(first)).toEqual(first.map(() => true));
    expect(tables.roundTrips - before).toBe(partitions.size);
    // n1 is known: its transaction is refused, then each of that partition's goes alone
    const again = [rollJob('org-a', 'd', '2.0.0'), first[1]!, rollJob('org-a', 'e', '2.0.0')];
    expect(await jobs.createJobs(again)).toEqual([true, false, true]);
    for (const j of [...first, ...again])
      expect(await jobs.getJob(scope('org-a'), j.jobId)).toMatchObject({ status: 'queued' });
    // another organization's roll jobs of the same ids are other jobs
    expect(await jobs.getJob(scope('org-b'), first[0]!.jobId)).toBeUndefined();
    expect(await jobs.createJobs([rollJob('org-b', 'n0', '2.0.0')])).toEqual([true]);
  });

  it('finds a roll job whose pointer was written before roll jobs had partitions of their own', async () => {
    const old = rollJob('org-a', 'old', '1.0.0');
    await jobs.jobs.createEntity({
      partitionKey: jobKey('org-a', old.jobId),
      rowKey: 'job',
      status: 'queued',
      record: JSON.stringify(old),
    });
    expect(await jobs.getJob(scope('org-a'), old.jobId)).toMatchObject({ jobId: old.jobId, status: 'queued' });
    expect(await jobs.getJob(scope('org-b'), old.jobId)).toBeUndefined();
  });
});
