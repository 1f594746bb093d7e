import { describe, it, expect } from 'vitest';
import { GroupsAsRead } from '../../shared/autoroll/groups-as-read.js';
import type { GroupRecord } from '../../shared/jobs/store.js';

const SUB = '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f';
const group = (name: string, subscriptionId = SUB): GroupRecord =>
  ({ subscriptionId, kind: 'statelessGroup', name, account: 'act-5c6d7e8f' }) as GroupRecord;

describe('the groups a fan-out read, kept for its roll jobs', () => {
  it('gives a group once, with its ETag, by the key the job store reads it by', () => {
    const asRead = new GroupsAsRead();
    asRead.keep({ group: group('web'), etag: 'W/"1"' });
    expect(asRead.take(SUB.toUpperCase(), 'statelessGroup', 'web')).toEqual({ group: group('web'), etag: 'W/"1"' });
    expect(asRead.take(SUB, 'statelessGroup', 'web')).toBeUndefined();
    expect(asRead.size).toBe(0);
  });

  it('tells groups apart by subscription, kind and name', () => {
    const asRead = new GroupsAsRead();
    asRead.keep({ group: group('web'), etag: 'a' });
    expect(asRead.take(SUB, 'statefulNode', 'web')).toBeUndefined();
    expect(asRead.take('0b7f7c3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f', 'statelessGroup', 'web')).toBeUndefined();
    expect(asRead.take(SUB, 'statelessGroup', 'web2')).toBeUndefined();
    expect(asRead.take(SUB, 'statelessGroup', 'web')?.etag).toBe('a');
  });

  it('keeps the newest read of a group', () => {
    const asRead = new GroupsAsRead();
    asRead.keep({ group: group('web'), etag: 'old' });
    asRead.keep({ group: group('web'), etag: 'new' });
    expect(asRead.size).toBe(1);
    expect(asRead.take(SUB, 'statelessGroup', 'web')?.etag).toBe('new');
  });

  it('gives nothing once an entry is older than it keeps them, and drops it', () => {
    let now = 1_000;
    const asRead = new GroupsAsRead(() => now, 60_000);
    asRead.keep({ group: group('web'), etag: 'a' });
    now += 60_000;
    asRead.keep({ group: group('api'), etag: 'b' });
    now += 1;
    expect(asRead.take(SUB, 'statelessGroup', 'web')).toBeUndefined();
    expect(asRead.size).toBe(1);
    expect(asRead.take(SUB, 'statelessGroup', 'api')?.etag).toBe('b');
  });

  it('holds at most its bound, the oldest going first', () => {
    const asRead = new GroupsAsRead(() => 0, 60_000, 3);
    for (const name of ['a', 'b', 'c', 'd']) asRead.keep({ group: group(name), etag: name });
    expect(asRead.size).toBe(3);
    expect(asRead.take(SUB, 'statelessGroup', 'a')).toBeUndefined();
    expect(['b', 'c', 'd'].map((n) => asRead.take(SUB, 'statelessGroup', n)?.etag)).toEqual(['b', 'c', 'd']);
  });
});
